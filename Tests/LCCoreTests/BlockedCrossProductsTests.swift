import Glibc
import Testing
@testable import LCCore

/// The engine for any number of grouping factors gives the two-factor engine's criterion,
/// β and conditional modes at the same θ (crossed factors, random slopes in both); fits
/// against lme4 are in `CrossedDesignTests`.
struct BlockedCrossProductsTests {
    /// Uniform numbers in [0, 1) from a seeded linear congruential generator (reproducible data).
    struct Uniform {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    /// Persons crossed with teams (a person meets several teams), y with a slope on x.
    static func crossedData() throws -> Dataset {
        var random = Uniform(state: 12345)
        var text = "y,x,person,team,site\n"
        for r in 0..<400 {
            let person = r % 37, team = (r * 7 + r / 37) % 11, site = r % 5
            let x = random.next() * 4
            let y = 1 + 0.5 * x + Double(person % 5) * 0.3 + Double(team % 3) * 0.4 * x + random.next()
            text += "\(y),\(x),p\(person),t\(team),s\(site)\n"
        }
        return try CSVReader.parse(bytes: Array(text.utf8))
    }

    @Test func agreesWithTheTwoFactorEngine() throws {
        let data = try Self.crossedData()
        let frame = try ModelFrame(Formula(parsing: "y ~ x + (1 + x | person) + (1 + x | team)"), data: data)
        let (b1, b2) = frame.random[0].levels.count >= frame.random[1].levels.count
            ? (frame.random[0], frame.random[1]) : (frame.random[1], frame.random[0])
        let nested = NestedCrossProducts(frame, b1, b2), blocked = BlockedCrossProducts(frame, [b1, b2])
        for theta in [[1.0, 0, 1, 1, 0, 1], [0.8, 0.3, 0.5, 1.7, -0.4, 0.2], [0.0, 0.2, 0.9, 0.5, 0.1, 0]] {
            let a = try #require(nested.evaluate(theta, reml: true)), b = try #require(blocked.evaluate(theta, reml: true))
            #expect(abs(a.criterion - b.criterion) < 1e-8 * abs(a.criterion))
            #expect(zip(a.beta, b.beta).allSatisfy { abs($0 - $1) < 1e-8 * max(1, abs($0)) })
            let ml = (try #require(nested.evaluate(theta, reml: false)), try #require(blocked.evaluate(theta, reml: false)))
            #expect(abs(ml.0.criterion - ml.1.criterion) < 1e-8 * abs(ml.0.criterion))
            let ma = nested.conditionalModes(theta, beta: a.beta), mb = blocked.conditionalModes(theta, beta: a.beta)
            for (x, y) in zip(ma.joined().joined(), mb.joined().joined()) { #expect(abs(x - y) < 1e-8 * max(1, abs(x))) }
        }
    }

    /// An engine refilled with a working frame (rows weighted, another response: a PIRLS step)
    /// evaluates as one built from that frame, in every layout: two crossed factors with slopes,
    /// and three with a peeled factor. A weight of zero keeps the row's entries (as zeros).
    @Test(arguments: ["y ~ x + (1 + x | person) + (1 + x | team)", "y ~ x + (1 | person) + (1 + x | team) + (1 | site)"])
    func refilledEngineIsTheRebuiltOne(formula: String) throws {
        let frame = try ModelFrame(Formula(parsing: formula), data: try Self.crossedData())
        let order = frame.random.indices.sorted { frame.random[$0].levels.count > frame.random[$1].levels.count }
        let built = BlockedCrossProducts(frame, order.map { frame.random[$0] })
        var random = Uniform(state: 99)
        let weights = (0..<frame.n).map { r in r % 17 == 0 ? 0 : 0.2 + 2 * random.next() }
        let working = frame.replacingResponse(frame.y.map { $0 * $0 - 1 }).weighted(by: weights)
        let refilled = built.refilled(working, order: order), rebuilt = BlockedCrossProducts(working, order.map { working.random[$0] })
        #expect(refilled is BlockedCrossProducts)
        let count = rebuilt.effectsPerTerm.reduce(0) { $0 + $1 * ($1 + 1) / 2 }
        for _ in 0..<3 {
            let theta = (0..<count).map { _ in 0.2 + random.next() }
            let a = try #require(refilled.evaluate(theta, reml: true)), b = try #require(rebuilt.evaluate(theta, reml: true))
            #expect(abs(a.criterion - b.criterion) < 1e-10 * abs(b.criterion))
            #expect(zip(a.beta, b.beta).allSatisfy { abs($0 - $1) < 1e-10 * max(1, abs($1)) })
            #expect(abs(a.logDetL - b.logDetL) < 1e-10 * max(1, abs(b.logDetL)))
        }
    }

    /// Persons nested in organisations and in communities, which cross (W4's design): the
    /// organisations are eliminated level by level, the communities densely.
    static func crossClassifiedData() throws -> Dataset {
        var random = Uniform(state: 99)
        var text = "y,session,person,org,community,site\n"
        for person in 0..<30 {
            let org = person % 8, community = (person * 3) % 5
            for session in 0..<4 {
                let y = 1 + 0.3 * Double(session) + Double(org) * 0.2 + Double(community) * 0.1 + Double(person % 7) * 0.15 + random.next()
                text += "\(y),\(session),p\(person),o\(org),c\(community),s\(org % 3)\n"
            }
        }
        return try CSVReader.parse(bytes: Array(text.utf8))
    }

    /// The REML criterion by brute force: the dense augmented system [ΛZ'ZΛ + I, ΛZ'X, ΛZ'y; …]
    /// of every column at once, its Cholesky factor, and d = log|L|² + log|R_X|² + (n − p)(1 + log(2πr²/(n − p))).
    static func bruteForceREML(_ frame: ModelFrame, _ blocks: [ModelFrame.RandomBlock], _ lambdas: [Matrix]) -> Double {
        var columns: [[Double]] = []        // ZΛ, then X, then y
        for (b, block) in blocks.enumerated() {
            let q = block.z.count
            for level in 0..<block.levels.count {
                for u in 0..<q {
                    columns.append((0..<frame.n).map { r in
                        Int(block.group[r]) == level ? (0..<q).reduce(0) { $0 + block.z[$1][r] * lambdas[b][$1, u] } : 0
                    })
                }
            }
        }
        let random = columns.count
        columns += frame.x + [frame.y]
        let d = columns.count
        var m = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0...i { m[i * d + j] = zip(columns[i], columns[j]).reduce(0) { $0 + $1.0 * $1.1 } + (i == j && i < random ? 1 : 0) } }
        _ = DenseCholesky.factorLower(&m, d)
        let (n, p) = (Double(frame.n), Double(frame.p))
        let logDet = (0..<(d - 1)).reduce(0.0) { $0 + 2 * log(m[$1 * d + $1]) }
        let r2 = m[d * d - 1] * m[d * d - 1]
        return logDet + (n - p) * (1 + log(2 * Double.pi * r2 / (n - p)))
    }

    /// The conditional modes by brute force: b = Λu with (Λ'Z'ZΛ + I)u = Λ'Z'(y − Xβ), densely.
    static func bruteForceModes(_ frame: ModelFrame, _ blocks: [ModelFrame.RandomBlock], _ lambdas: [Matrix], beta: [Double]) -> [Double] {
        var zl: [[Double]] = [], owner: [(Int, Int)] = []       // ZΛ's columns; each one's factor and level block start
        for (b, block) in blocks.enumerated() {
            let q = block.z.count
            for level in 0..<block.levels.count {
                for u in 0..<q {
                    owner.append((b, zl.count - u))
                    zl.append((0..<frame.n).map { r in
                        Int(block.group[r]) == level ? (0..<q).reduce(0) { $0 + block.z[$1][r] * lambdas[b][$1, u] } : 0
                    })
                }
            }
        }
        let residual = (0..<frame.n).map { r in frame.y[r] - (0..<frame.p).reduce(0) { $0 + frame.x[$1][r] * beta[$1] } }
        let d = zl.count
        var m = Matrix(rows: d, cols: d), rhs = Matrix(rows: d, cols: 1)
        for i in 0..<d {
            rhs[i, 0] = zip(zl[i], residual).reduce(0) { $0 + $1.0 * $1.1 }
            for j in 0..<d { m[i, j] = zip(zl[i], zl[j]).reduce(0) { $0 + $1.0 * $1.1 } + (i == j ? 1 : 0) }
        }
        guard let l = m.cholesky() else { return [] }
        let u = l.solveLowerTransposed(l.solveLower(rhs))
        // b = Λu within each level block
        return (0..<d).map { c in
            let (k, first) = owner[c], a = c - first, q = lambdas[k].rows
            return (0..<q).reduce(0) { $0 + lambdas[k][a, $1] * u[first + $1, 0] }
        }
    }

    /// Organisations eliminated level by level (with a random slope: T not diagonal), and
    /// organisations nested in sites, both peeled: the criterion and the modes by brute force.
    @Test(arguments: [
        ("y ~ session + (1 + session | person) + (1 | org) + (1 | community)", 1, [[1.0, 0, 1, 1, 1], [0.7, -0.3, 0.4, 2.1, 0.6], [0.2, 0.5, 0.0, 0.9, 1.4]]),
        ("y ~ session + (1 + session | person) + (1 + session | org) + (1 | community)", 1, [[1.0, 0, 1, 1, 0, 1, 1], [0.7, -0.3, 0.4, 1.2, 0.4, 0.3, 0.6]]),
        ("y ~ session + (1 + session | person) + (1 + session | org) + (1 | site)", 2, [[1.0, 0, 1, 1, 0, 1, 1], [0.7, -0.3, 0.4, 1.2, -0.4, 0.3, 0.6]]),
    ])
    func crossClassifiedMatchesBruteForce(formula: String, peeled: Int, thetas: [[Double]]) throws {
        let data = try Self.crossClassifiedData()
        let frame = try ModelFrame(Formula(parsing: formula), data: data)
        let blocks = frame.random.sorted { $0.levels.count > $1.levels.count }      // person, org, community or site
        let engine = BlockedCrossProducts(frame, blocks)
        #expect(engine.peeled == peeled)      // organisations (and sites) level by level, communities dense
        for theta in thetas {
            let lambdas = (0..<3).map { engine.lambda(theta, term: $0) }
            let want = Self.bruteForceREML(frame, blocks, lambdas)
            let got = try #require(engine.evaluate(theta, reml: true))
            #expect(abs(got.criterion - want) < 1e-8 * abs(want), "θ \(theta): \(got.criterion) against \(want)")
            let modes = Array(engine.conditionalModes(theta, beta: got.beta).joined().joined())
            let direct = Self.bruteForceModes(frame, blocks, lambdas, beta: got.beta)
            #expect(modes.count == direct.count)
            for (x, y) in zip(modes, direct) { #expect(abs(x - y) < 1e-8 * max(1, abs(y)), "θ \(theta)") }
        }
    }

    /// The analytic gradient (selected inverse and modes) against central differences of the
    /// criterion, REML and ML, in every layout: factor 1 with a slope, a peeled factor with and
    /// without one, two peeled factors, a dense factor with a slope, three crossed factors.
    @Test(arguments: [
        ("y ~ session + (1 + session | person) + (1 | org) + (1 | community)", [0.7, -0.3, 0.4, 2.1, 0.6]),
        ("y ~ session + (1 + session | person) + (1 + session | org) + (1 | community)", [0.7, -0.3, 0.4, 1.2, 0.4, 0.3, 0.6]),
        ("y ~ session + (1 + session | person) + (1 + session | org) + (1 | site)", [0.7, -0.3, 0.4, 1.2, -0.4, 0.3, 0.6]),
        ("y ~ session + (1 | person) + (1 | org) + (1 + session | community)", [0.9, 1.3, 0.5, 0.2, 0.8]),
    ])
    func gradientMatchesDifferences(formula: String, theta: [Double]) throws {
        let frame = try ModelFrame(Formula(parsing: formula), data: try Self.crossClassifiedData())
        let engine = BlockedCrossProducts(frame, frame.random.sorted { $0.levels.count > $1.levels.count })
        try Self.expectGradient(engine, theta)
    }

    @Test func gradientOfThreeCrossedFactors() throws {
        let frame = try ModelFrame(Formula(parsing: "y ~ x + (1 + x | person) + (1 | team) + (1 | site)"), data: try Self.crossedData())
        try Self.expectGradient(BlockedCrossProducts(frame, frame.random.sorted { $0.levels.count > $1.levels.count }), [0.8, 0.2, 0.5, 1.3, 0.4])
    }

    /// BFGS on the gradient ends where the derivative-free search (model search, simplex, Newton
    /// steps) does, REML and ML, in few gradient evaluations; the fit takes that path.
    @Test func gradientSearchFindsTheDerivativeFreeOptimum() throws {
        // persons in organisations crossed with communities, each with an effect, and a slope per person
        var random = Uniform(state: 2024)
        func normal() -> Double { (0..<12).reduce(0) { s, _ in s + random.next() } - 6 }
        let (org, community) = ((0..<12).map { _ in 0.5 * normal() }, (0..<8).map { _ in 0.4 * normal() })
        var text = "y,session,person,org,community\n"
        for person in 0..<90 {
            let (o, c, a, b) = (person % 12, (person * 5 + person / 12) % 8, 0.8 * normal(), 0.2 * normal())
            for session in 0..<5 {
                let y = 1 + (0.3 + b) * Double(session) + a + org[o] + community[c] + 0.5 * normal()
                text += "\(y),\(session),p\(person),o\(o),c\(c)\n"
            }
        }
        let frame = try ModelFrame(Formula(parsing: "y ~ session + (1 + session | person) + (1 | org) + (1 | community)"),
                                   data: try CSVReader.parse(bytes: Array(text.utf8)))
        let order = frame.random.indices.sorted { frame.random[$0].levels.count > frame.random[$1].levels.count }
        let layout = ThetaLayout(memberSizes: order.map { [frame.random[$0].z.count] })
        let engine = LinearMixedModel.engine(frame, order: order)
        let (lower, start) = layout.lowerAndStart
        for reml in [true, false] {
            let m = Double(reml ? frame.n - frame.p : frame.n)
            let search = try #require(LinearMixedModel.gradientSearch(engine, layout: layout, reml: reml, m: m, from: start, lower: lower))
            #expect(search.converged && search.evaluations < 60, "\(search.evaluations) gradients at \(search.x) \(search.value)")
            let free = LinearMixedModel.optimize({ engine.evaluate(layout.expand($0), reml: reml)?.criterion ?? .infinity },
                                                 from: start, lower: lower, model: { layout.canonical($0) })
            let value = try #require(engine.evaluate(layout.expand(free.x), reml: reml)).criterion
            #expect(search.value <= value + 1e-8, "REML \(reml): \(search.value) against \(value)")
            for (a, b) in zip(search.x, free.x) { #expect(abs(a - b) < 1e-5, "REML \(reml): θ \(search.x) against \(free.x)") }
        }
        let fit = try LinearMixedModel.fit(frame)
        #expect(fit.converged && fit.evaluations < 60)
    }

    static func expectGradient(_ engine: BlockedCrossProducts, _ theta: [Double]) throws {
        for reml in [true, false] {
            let (e, g) = try #require(engine.gradient(theta, reml: reml))
            let m = Double(reml ? engine.n - engine.p : engine.n)
            let analytic = g.criterion(m: m, r2: e.r2)
            for j in theta.indices {
                let h = 1e-5
                var up = theta, down = theta
                up[j] += h; down[j] -= h
                let a = try #require(engine.evaluate(up, reml: reml)), b = try #require(engine.evaluate(down, reml: reml))
                let difference = (a.criterion - b.criterion) / (2 * h), r2 = (a.r2 - b.r2) / (2 * h)
                #expect(abs(analytic[j] - difference) < 1e-6 * max(1, abs(difference)), "REML \(reml), θ\(j): \(analytic[j]) against \(difference)")
                #expect(abs(g.r2[j] - r2) < 1e-6 * max(1, abs(r2)), "REML \(reml), r² θ\(j): \(g.r2[j]) against \(r2)")
            }
        }
    }

    @Test func threeCrossedFactorsFit() throws {
        let data = try Self.crossedData()
        let frame = try ModelFrame(Formula(parsing: "y ~ x + (1 | person) + (0 + x | team) + (1 | site)"), data: data)
        let fit = try LinearMixedModel.fit(frame)
        #expect(fit.converged && fit.components.count == 3)
        #expect(fit.components.map { $0.modes.count } == [37, 11, 5])
    }
}
