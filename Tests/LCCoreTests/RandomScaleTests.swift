import Foundation
import Testing
@testable import LCCore

/// Random scale effects (MELS) against an independent maximum-likelihood fit in R
/// (`scripts/make-reference-random-scale.R`: dense covariance matrices per community,
/// 40-node adaptive Gauss–Hermite, optim), and a parameter-recovery simulation.
struct RandomScaleTests {
    static let formula = "y ~ session + x + (1 | person) + (1 | community)"

    func fit(_ data: Dataset, scale: String, nagq: Int = 25, formula: String = Self.formula) throws -> LMMFit {
        let frame = try ModelFrame(Formula(parsing: formula), data: data,
                                   options: ModelOptions(scale: ScaleFormula(parsing: scale), nagq: nagq))
        return try LinearMixedModel.fit(frame, reml: false)
    }

    @Test func gaussHermiteIntegratesPolynomials() {
        for n in [1, 7, 11, 25] {
            let rule = GaussHermite(n)
            // ∫ x^k e^{−x²} dx = Γ((k+1)/2) for even k, 0 for odd k; exact for k < 2n
            for k in 0..<min(2 * n, 12) {
                let sum = zip(rule.nodes, rule.weights).reduce(0) { $0 + $1.1 * pow($1.0, Double(k)) }
                let exact = k % 2 == 1 ? 0 : tgamma(Double(k + 1) / 2)
                #expect(abs(sum - exact) < 1e-12 * max(1, exact), "n = \(n), k = \(k): \(sum) vs \(exact)")
            }
        }
    }

    /// −2 log L at R's fixed test point: the Woodbury elimination over persons and community
    /// against R's dense Cholesky of each community's covariance.
    @Test(arguments: ["correlated", "independent"])
    func likelihoodMatchesTheDenseReference(_ kind: String) throws {
        let ref = try Reference.load("random_scale")
        let scale = kind == "correlated" ? "~ session + (1 | community)" : "~ session + (1 || community)"
        let frame = try ModelFrame(Formula(parsing: Self.formula), data: ref.data,
                                   options: ModelOptions(scale: ScaleFormula(parsing: scale), nagq: 25))
        let level = frame.random[1], unit = frame.random[0]
        let model = RandomScaleModel(level: level.group, levels: level.levels.count, unit: unit.group, units: unit.levels.count,
                                     zp: unit.z, zc: level.z, x: frame.x, y: frame.y, w: frame.scaleX ?? [],
                                     correlated: kind == "correlated", nagq: 25)
        let x = ref.numbers("\(kind).test_point")
        let sums = try model.unitSums(Array(x[3..<5]))
        let value = try #require(try model.criterion(x, sums: sums, modes: [Double](repeating: 0, count: model.levels)))
        #expect(close(-value.value / 2, ref.number("\(kind).test_loglik"), 1e-9), "\(-value.value / 2) vs \(ref.number("\(kind).test_loglik"))")
    }

    @Test(arguments: ["correlated", "independent"])
    func fitMatchesTheReference(_ kind: String) throws {
        let ref = try Reference.load("random_scale")
        let fit = try fit(ref.data, scale: kind == "correlated" ? "~ session + (1 | community)" : "~ session + (1 || community)")
        let s = try #require(fit.scaleRandom)
        #expect(fit.converged && !fit.reml)
        #expect(abs(fit.logLik - ref.number("\(kind).loglik")) < 1e-6, "logLik \(fit.logLik)")
        for (a, b) in zip(fit.beta, ref.numbers("\(kind).beta")) { #expect(abs(a - b) < 1e-4, "beta \(a) vs \(b)") }
        for (a, b) in zip(try #require(fit.scale).estimates, ref.numbers("\(kind).eta")) { #expect(abs(a - b) < 1e-4, "eta \(a) vs \(b)") }
        #expect(abs(s.sd - ref.number("\(kind).sd_tau")) < 1e-4)
        #expect(abs(fit.components[0].standardDeviations[0] - ref.number("\(kind).sd_person")) < 1e-4)
        #expect(abs(fit.components[1].standardDeviations[0] - ref.number("\(kind).sd_community")) < 1e-4)
        if kind == "correlated" {
            #expect(abs(try #require(s.correlation) - ref.number("correlated.rho")) < 1e-4)
        } else {
            #expect(s.correlation == nil)
        }
        // one row per community, posterior SDs positive, the residual SD exp(η₀ + τ) near σ·exp(τ̂)
        #expect(s.levels.count == 40 && s.scaleSE.allSatisfy { $0 > 0 } && s.locationSE.allSatisfy { $0 > 0 })
        for k in s.levels.indices { #expect(abs(log(s.residualSD[k]) - (log(fit.sigma) + s.scale[k])) < 0.05) }
    }

    @Test func refusesDesignsItCannotIntegrate() throws {
        let ref = try Reference.load("random_scale")
        #expect(throws: LCError.self) { try fit(ref.data, scale: "~ session + (1 | community)", formula: "y ~ session + x + (1 | person)") }
        #expect(throws: LCError.self) { try fit(ref.data, scale: "~ session + (1 | community)", nagq: 0) }
        #expect(throws: LCError.self) { try ScaleFormula(parsing: "~ session + (1 + session | community)") }
        #expect(throws: LCError.self) { try ScaleFormula(parsing: "~ session + (1 | community) + (1 | person)") }
    }

    /// Data from a known MELS model (60 communities × 6 persons × 5 sessions) fitted back:
    /// each of β, η, σ_τ and ρ lies within 2 SE of the truth in at least 90% of the replications.
    @Test func parametersAreRecovered() throws {
        let truth = (beta: [3.0, 0.1, 0.3], eta: [-0.3, -0.08], sdPerson: 0.5, sdCommunity: 0.4, sdTau: 0.35, rho: 0.4)
        let reps = 100
        var covered = [Int](repeating: 0, count: 7)
        for r in 0..<reps {
            var rng = SplitMix64(state: UInt64(7000 + r))
            var columns = [[Double]](repeating: [], count: 5)
            for c in 0..<60 {
                let z0 = rng.normal(), z1 = rng.normal()
                let tau = truth.sdTau * z0, u = truth.sdCommunity * (truth.rho * z0 + (1 - truth.rho * truth.rho).squareRoot() * z1)
                for p in 0..<6 {
                    let b = truth.sdPerson * rng.normal()
                    for s in 0..<5 {
                        let x = rng.normal(), session = Double(s)
                        let sd = exp(truth.eta[0] + truth.eta[1] * session + tau)
                        let y = truth.beta[0] + truth.beta[1] * session + truth.beta[2] * x + u + b + sd * rng.normal()
                        for (k, v) in [Double(c), Double(c * 10 + p), session, x, y].enumerated() { columns[k].append(v) }
                    }
                }
            }
            let data = try Dataset(columns: zip(["community", "person", "session", "x", "y"], columns).map {
                Column(name: $0.0, values: .numeric(.doubles($0.1)))
            })
            let fit = try fit(data, scale: "~ session + (1 | community)", nagq: 7)
            let s = try #require(fit.scaleRandom), scale = try #require(fit.scale)
            let checks: [(Double, Double, Double)] = [
                (fit.beta[1], fit.standardErrors[1], truth.beta[1]), (fit.beta[2], fit.standardErrors[2], truth.beta[2]),
                (scale.estimates[0], scale.standardErrors[0], truth.eta[0]), (scale.estimates[1], scale.standardErrors[1], truth.eta[1]),
                (s.sd, s.sdSE, truth.sdTau), (try #require(s.correlation), try #require(s.correlationSE), truth.rho),
                (fit.beta[0], fit.standardErrors[0], truth.beta[0]),
            ]
            for (k, c) in checks.enumerated() where abs(c.0 - c.2) <= 2 * c.1 { covered[k] += 1 }
        }
        print("random scale recovery: within 2 SE in \(covered) of \(reps) (β₁, β₂, η₀, η₁, σ_τ, ρ, β₀)")
        for (k, n) in covered.enumerated() { #expect(n >= 90, "parameter \(k): within 2 SE in \(n) of \(reps)") }
    }
}
