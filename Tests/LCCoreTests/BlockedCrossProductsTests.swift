import Testing
@testable import LCCore

/// The engine for any number of grouping factors gives the two-factor engine's criterion,
/// β and conditional modes at the same θ (crossed factors, random slopes in both); fits
/// against lme4 are in `CrossedDesignTests`.
struct BlockedCrossProductsTests {
    /// Persons crossed with teams (a person meets several teams), y with a slope on x.
    static func crossedData() throws -> Dataset {
        var state: UInt64 = 12345
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var text = "y,x,person,team,site\n"
        for r in 0..<400 {
            let person = r % 37, team = (r * 7 + r / 37) % 11, site = r % 5
            let x = uniform() * 4
            let y = 1 + 0.5 * x + Double(person % 5) * 0.3 + Double(team % 3) * 0.4 * x + uniform()
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

    @Test func threeCrossedFactorsFit() throws {
        let data = try Self.crossedData()
        let frame = try ModelFrame(Formula(parsing: "y ~ x + (1 | person) + (0 + x | team) + (1 | site)"), data: data)
        let fit = try LinearMixedModel.fit(frame)
        #expect(fit.converged && fit.components.count == 3)
        #expect(fit.components.map { $0.modes.count } == [37, 11, 5])
    }
}
