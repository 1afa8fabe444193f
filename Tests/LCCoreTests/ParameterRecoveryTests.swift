import Foundation
import Testing
@testable import LCCore

/// Data simulated from a known three-level model (sessions in persons in
/// communities) are fitted back: over replications, each fixed effect's mean
/// estimate lies within 4 Monte-Carlo SEs of the truth, and the reported SEs
/// match the spread of the estimates.
struct ParameterRecoveryTests {
    static let truth = (intercept: 3.0, session: 0.1, support: 0.3, sdCommunity: 0.4, sdPerson: 0.6, sdSlope: 0.1, sigma: 0.8)

    func simulate(seed: UInt64) throws -> Dataset {
        var rng = SplitMix64(state: seed)
        let t = Self.truth
        var community: [Double] = [], person: [Double] = [], session: [Double] = [], support: [Double] = [], y: [Double] = []
        for c in 0..<25 {
            let u = t.sdCommunity * rng.normal()
            for p in 0..<8 {
                let v0 = t.sdPerson * rng.normal(), v1 = t.sdSlope * rng.normal()
                for s in 0..<6 {
                    let x = rng.normal()
                    community.append(Double(c)); person.append(Double(c * 100 + p)); session.append(Double(s)); support.append(x)
                    y.append(t.intercept + t.session * Double(s) + t.support * x + u + v0 + v1 * Double(s) + t.sigma * rng.normal())
                }
            }
        }
        return try Dataset(columns: [("community", community), ("person", person), ("session", session),
                                     ("support", support), ("y", y)].map { Column(name: $0.0, values: .numeric(.doubles($0.1))) })
    }

    @Test func fixedEffectsAreRecovered() throws {
        let formula = try Formula(parsing: "y ~ session + support + (1 + session | person) + (1 | community)")
        let reps = 12
        var estimates = [[Double]](repeating: [], count: 3), ses = [[Double]](repeating: [], count: 3)
        for r in 0..<reps {
            let fit = try LinearMixedModel.fit(ModelFrame(formula, data: simulate(seed: UInt64(1000 + r))))
            #expect(fit.converged)
            for k in 0..<3 { estimates[k].append(fit.beta[k]); ses[k].append(fit.standardErrors[k]) }
        }
        let t = Self.truth
        for (k, value) in [t.intercept, t.session, t.support].enumerated() {
            let mean = estimates[k].reduce(0, +) / Double(reps)
            let sd = (estimates[k].map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(reps - 1)).squareRoot()
            let meanSE = ses[k].reduce(0, +) / Double(reps)
            #expect(abs(mean - value) <= 4 * meanSE / Double(reps).squareRoot(), "coefficient \(k): mean \(mean) vs \(value)")
            // reported SEs agree with the spread of the estimates (a loose check with 12 replications)
            #expect(sd / meanSE > 0.4 && sd / meanSE < 2.0, "coefficient \(k): SD \(sd) vs mean SE \(meanSE)")
        }
    }
}

extension SplitMix64 {
    /// A standard normal by Box–Muller (the library's seedable generator, so the test is the same on every machine).
    mutating func normal() -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self), u2 = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
