import Foundation
import Testing
@testable import LCCore

/// Location-scale models with a fixed scale formula against glmmTMB's gaussian `dispformula`
/// (`Reference/scale.json`, made by `scripts/make-reference-scale.R`; η = its coefficients / 2):
/// logLik, location and scale estimates and SEs, REML and ML.
struct ScaleModelTests {
    @Test(arguments: ["univbct_time", "univbct_time_factor", "w4_small"], [true, false])
    func matchesGlmmTMB(_ name: String, reml: Bool) throws {
        let base = "\(name).\(reml ? "REML" : "ML")"
        let dataName = try Reference.load("scale", data: "univbct").texts("\(base).data")[0]
        let ref = try Reference.load("scale", data: dataName)
        let options = ModelOptions(scale: try ScaleFormula(parsing: ref.texts("\(base).scale")[0]))
        let frame = try ModelFrame(Formula(parsing: ref.texts("\(base).formula")[0]), data: ref.data, options: options)
        let fit = try LinearMixedModel.fit(frame, reml: reml)
        let tol = expectLikelihoodAndFixed(fit, ref, base, slack: 1e-6, relative: 1e-7, higher: 1e-6)
        // lcstat's fixed-effect SEs are lme4's, given the covariance parameters; glmmTMB's come from
        // the joint Hessian, where a scale model couples β and η: a few parts in 1000 apart
        let m2 = firstMismatch(fit.standardErrors, ref.numbers("\(base).fixed.se"), 5e-3)
        #expect(m2 == nil, "\(base) SEs: \(m2 ?? "")")
        let s = try #require(fit.scale)
        #expect(s.terms == ref.texts("\(base).scale_coef.term"))
        let m3 = firstMismatch(s.estimates, ref.numbers("\(base).scale_coef.estimate"), max(tol, 1e-4))
        #expect(m3 == nil, "\(base) scale: \(m3 ?? "")")
        let m4 = firstMismatch(s.standardErrors, ref.numbers("\(base).scale_coef.se"), 1e-5)
        #expect(m4 == nil, "\(base) scale SEs: \(m4 ?? "")")
        let m5 = firstMismatch(fit.components.flatMap(\.standardDeviations), ref.numbers("\(base).random_sd"), max(tol, 1e-4))
        #expect(m5 == nil, "\(base) random SDs: \(m5 ?? "")")
    }

    /// The residual engines of W4 (small) with the scale formula `~ session * diversity`.
    static func scaleEngines(_ formula: String) throws -> (ResidualEngines, order: [Int], frame: ModelFrame) {
        let ref = try Reference.load("scale", data: "w4_small_scale")
        let frame = try ModelFrame(Formula(parsing: formula), data: ref.data,
                                   options: ModelOptions(scale: ScaleFormula(parsing: "~ session * diversity")))
        let (merged, _) = frame.mergingTermsByFactor()
        let order = merged.random.indices.sorted { merged.random[$0].levels.count > merged.random[$1].levels.count }
        let build: (ModelFrame) -> ProfiledDeviance = { f in
            order.count == 1 ? CrossProducts(f, f.random[0]) : NestedCrossProducts(f, f.random[order[0]], f.random[order[1]])
        }
        let segments: (ModelFrame) -> [RowSumSegment] = { f in
            order.count == 1 ? CrossProducts.rowSumSegments(f, f.random[0])
                             : NestedCrossProducts.rowSumSegments(f, f.random[order[0]], f.random[order[1]])
        }
        let model = ResidualModel(variance: nil, scale: ScaleModel(merged), correlation: nil)
        return (try ResidualEngines(model, frame: merged, base: build(merged), build: build, segments: segments), order, merged)
    }

    /// The exact gradient of a fixed scale model in (θ, η), and in log σ before σ is profiled out
    /// (cell derivatives of the nested engine's row-sum gradient), against central differences of
    /// the criterion, REML and ML.
    @Test func scaleGradientMatchesDifferences() throws {
        let (engines, _, frame) = try Self.scaleEngines("sharing ~ session + lgo + (1 + session | person) + (1 | community)")
        let (theta, eta, s) = ([0.9, -0.1, 0.3, 0.5], [-0.1, 0.3, 0.2], -0.4)
        for reml in [true, false] {
            let m = Double(reml ? frame.n - frame.p : frame.n)
            func value(_ t: [Double], _ e: [Double], _ logSigma: Double?) throws -> Double {
                let (engine, jacobian) = try #require(engines.engine(e))
                let at = try #require(engine.evaluate(t, reml: reml))
                return (logSigma.map { ResidualEngines.unprofiled(at, m: m, logSigma: $0) } ?? at.criterion) + jacobian
            }
            for logSigma in [nil, s] {
                let g = try #require(engines.scaleGradient(theta: theta, eta: eta, reml: reml, m: m, logSigma: logSigma))
                #expect(abs(g.value - (try value(theta, eta, logSigma))) < 1e-9 * abs(g.value))
                let h = 1e-5
                for j in 0..<(theta.count + eta.count + (logSigma == nil ? 0 : 1)) {
                    var (tu, td, eu, ed, su, sd) = (theta, theta, eta, eta, logSigma, logSigma)
                    if j < theta.count { tu[j] += h; td[j] -= h }
                    else if j < theta.count + eta.count { eu[j - theta.count] += h; ed[j - theta.count] -= h }
                    else { su = s + h; sd = s - h }
                    let difference = (try value(tu, eu, su) - value(td, ed, sd)) / (2 * h)
                    let analytic = j < theta.count ? g.theta[j] : j < theta.count + eta.count ? g.eta[j - theta.count] : g.logSigma
                    #expect(abs(analytic - difference) < 1e-6 * max(1, abs(difference)),
                            "REML \(reml), σ profiled \(logSigma == nil), parameter \(j): \(analytic) against \(difference)")
                }
            }
        }
    }

    /// The engine combined from rows kept by level and scale cell (no pass over the rows) and the
    /// engine of the weighted rows agree, with one grouping factor and with two nested.
    @Test(arguments: ["sharing ~ session + lgo + (1 + session | person)", "sharing ~ session + lgo + (1 | person) + (1 | community)"])
    func cellPartsAgreeWithWeightedRows(_ formula: String) throws {
        let (engines, order, _) = try Self.scaleEngines(formula)
        let theta = order.count == 1 ? [0.9, 0.1, 0.3] : [0.9, 0.4]
        for eta in [[0.0, 0.0, 0.0], [-0.1, 0.3, 0.2], [0.05, -0.4, 0.1]] {
            let fast = try #require(engines.engine(eta)), exact = try #require(engines.engine(eta, exact: true))
            #expect(abs(fast.jacobian - exact.jacobian) < 1e-8 * max(1, abs(exact.jacobian)))
            let a = try #require(fast.0.evaluate(theta, reml: true)), b = try #require(exact.0.evaluate(theta, reml: true))
            #expect(close(a.criterion, b.criterion, 1e-10), "at η = \(eta): \(a.criterion) vs \(b.criterion)")
        }
    }

    /// The one-covariate scale model is nlme's varExp: the same fit as `exp(TIME)`.
    @Test func oneCovariateIsVarExp() throws {
        let ref = try Reference.load("univbct")
        let formula = try Formula(parsing: "JSAT ~ TIME + (1 + TIME | SUBNUM)")
        let scaled = try LinearMixedModel.fit(ModelFrame(formula, data: ref.data, options: ModelOptions(scale: ScaleFormula(parsing: "~ TIME"))))
        let varExp = try LinearMixedModel.fit(ModelFrame(formula, data: ref.data), variance: .exp("TIME"), data: ref.data)
        #expect(abs(scaled.logLik - varExp.logLik) < 1e-7)
        #expect(abs((scaled.scale?.estimates[1] ?? .nan) - (varExp.variance?.estimates[0] ?? .nan)) < 1e-4)
        #expect(abs((scaled.scale?.estimates[0] ?? .nan) - log(varExp.sigma)) < 1e-4)
    }

    @Test(arguments: [("~ TIME + (1 + TIME | SUBNUM)", "is not (1 | group)"), ("~ TIME + (1 | a) + (1 | b)", "it can have one"), ("~ 0 + TIME", "drops the intercept"),
                      ("~ 1", "has no term")])
    func unfittableScaleFormulasAreErrors(_ text: String, _ message: String) {
        #expect { try ScaleFormula(parsing: text) } throws: { ($0 as? LCError)?.message.contains(message) == true }
    }
}
