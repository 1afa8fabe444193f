import Testing
@testable import LCCore

/// The nested engine's gradient (selected inverse of its blocked factor, and the modes): in θ
/// and in its row sums, against central differences of the criterion, REML and ML.
struct NestedGradientTests {
    /// Persons in communities, a few sessions each, slopes varying by person and by community.
    static func nestedData() throws -> Dataset {
        var random = BlockedCrossProductsTests.Uniform(state: 77)
        func normal() -> Double { (0..<12).reduce(0) { s, _ in s + random.next() } - 6 }
        var text = "y,session,x,person,community\n"
        for person in 0..<60 {
            let (c, a, b) = (person % 9, 0.8 * normal(), 0.2 * normal())
            for session in 0..<(3 + person % 4) {
                let x = random.next()
                let y = 1 + (0.3 + b) * Double(session) + 0.5 * x + a + 0.3 * Double(c % 4) + 0.5 * normal()
                text += "\(y),\(session),\(x),p\(person),c\(c)\n"
            }
        }
        return try CSVReader.parse(bytes: Array(text.utf8))
    }

    static func engine(_ formula: String) throws -> NestedCrossProducts {
        let frame = try ModelFrame(Formula(parsing: formula), data: try nestedData())
        let order = frame.random.indices.sorted { frame.random[$0].levels.count > frame.random[$1].levels.count }
        return NestedCrossProducts(frame, frame.random[order[0]], frame.random[order[1]])
    }

    static let cases: [(String, [Double])] = [
        ("y ~ session + x + (1 + session | person) + (1 | community)", [0.9, -0.2, 0.4, 0.6]),
        ("y ~ session + x + (1 + session | person) + (1 + session | community)", [0.9, -0.2, 0.4, 0.6, 0.1, 0.3]),
        ("y ~ x + (1 | person) + (1 + x | community)", [1.1, 0.5, -0.3, 0.4]),
        ("y ~ 0 + (1 + session | person) + (1 | community)", [0.9, -0.2, 0.4, 0.6]),     // no fixed effects
    ]

    @Test(arguments: cases)
    func gradientInThetaMatchesDifferences(formula: String, theta: [Double]) throws {
        let engine = try Self.engine(formula)
        for reml in [true, false] {
            let (e, g) = try #require(engine.gradient(theta, reml: reml))
            let direct = try #require(engine.evaluate(theta, reml: reml))
            #expect(abs(e.criterion - direct.criterion) < 1e-9 * abs(direct.criterion))
            let analytic = g.criterion(m: Double(reml ? engine.n - engine.p : engine.n), r2: e.r2)
            for j in theta.indices {
                let h = 1e-5
                var up = theta, down = theta
                up[j] += h; down[j] -= h
                let a = try #require(engine.evaluate(up, reml: reml)), b = try #require(engine.evaluate(down, reml: reml))
                let difference = (a.criterion - b.criterion) / (2 * h)
                #expect(abs(analytic[j] - difference) < 1e-6 * max(1, abs(difference)), "REML \(reml), θ\(j): \(analytic[j]) against \(difference)")
            }
        }
    }

    /// Along a random direction in the row sums (symmetric in the diagonal blocks A₁₁, A₂₂, X'X),
    /// the derivative of the criterion is the inner product with the row-sum gradient.
    @Test(arguments: cases)
    func gradientInRowSumsMatchesDifferences(formula: String, theta: [Double]) throws {
        let engine = try Self.engine(formula)
        let sums = engine.rowSumsBySegment
        var random = BlockedCrossProductsTests.Uniform(state: 5)
        let symmetric = [0: engine.q1, 3: engine.q2, 7: engine.p]
        let direction: [[Double]] = sums.enumerated().map { k, segment in
            var d = segment.map { _ in random.next() - 0.5 }
            if let q = symmetric[k], q > 0 {
                for block in stride(from: 0, to: d.count, by: q * q) {
                    for a in 0..<q { for b in 0..<a { d[block + b * q + a] = d[block + a * q + b] } }
                }
            }
            return d
        }
        for reml in [true, false] {
            let m = Double(reml ? engine.n - engine.p : engine.n)
            let (_, _, g) = try #require(engine.rowSumGradient(theta, reml: reml, kappa: { m / $0 }))
            var analytic = 0.0
            for k in sums.indices { for i in sums[k].indices { analytic += g.values[k][i] * direction[k][i] } }
            let h = 1e-6
            func at(_ t: Double) throws -> Double {
                let moved = zip(sums, direction).map { s, d in zip(s, d).map { $0 + t * $1 } }
                return try #require(engine.withRowSums(moved)?.evaluate(theta, reml: reml)).criterion
            }
            let difference = (try at(h) - at(-h)) / (2 * h)
            #expect(abs(analytic - difference) < 1e-6 * max(1, abs(difference)), "REML \(reml): \(analytic) against \(difference)")
        }
    }
}
