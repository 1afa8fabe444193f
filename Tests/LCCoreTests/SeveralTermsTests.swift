import Foundation
import Testing
@testable import LCCore

/// Several random-effects terms on one grouping factor (uncorrelated intercept and
/// slope), alone and with a second factor, against lme4 + lmerTest on univbct
/// (`Reference/univbct_uncorrelated.json`, made by `scripts/make-reference-uncorrelated.R`).
struct SeveralTermsTests {
    static let models: [(String, String)] = [
        ("uncorrelated_slope", "JSAT ~ TIME + (1 | SUBNUM) + (0 + TIME | SUBNUM)"),
        ("uncorrelated_slope_company", "JSAT ~ TIME + (1 | SUBNUM) + (0 + TIME | SUBNUM) + (1 | BTN:COMPANY)"),
    ]

    @Test(arguments: models.indices, [true, false])
    func matchesLme4(_ i: Int, reml: Bool) throws {
        let (name, formula) = Self.models[i]
        let ref = try Reference.load("univbct_uncorrelated", data: "univbct")
        let base = "\(name).\(reml ? "REML" : "ML")"
        let fit = try LinearMixedModel.fit(ModelFrame(Formula(parsing: formula), data: ref.data), reml: reml)
        let theirs = ref.number("\(base).logLik")
        #expect(close(fit.logLik, theirs, 1e-5), "\(name) logLik \(fit.logLik) vs \(theirs)")
        #expect(fit.logLik >= theirs - 1e-9, "\(name): lme4 found a higher likelihood")
        let tol = fit.logLik > theirs + 1e-9 ? 1e-4 : 1e-5
        let m1 = firstMismatch(fit.beta, ref.numbers("\(base).fixed.estimate"), tol)
        #expect(m1 == nil, "\(name) fixed: \(m1 ?? "")")
        let m2 = firstMismatch(fit.standardErrors, ref.numbers("\(base).fixed.se"), tol)
        #expect(m2 == nil, "\(name) SEs: \(m2 ?? "")")
        #expect(close(fit.sigma, ref.number("\(base).sigma"), tol))
        // one component per term, in the formula's order, with lme4's SDs
        let sds = fit.components.flatMap(\.standardDeviations)
        let m3 = firstMismatch(sds, Array(ref.numbers("\(base).random.sd").dropLast()), 1e-4)
        #expect(m3 == nil, "\(name) SDs: \(m3 ?? "")")
        #expect(fit.components.count == (i == 0 ? 2 : 3))
        let m4 = firstMismatch(fit.df, ref.numbers("\(base).fixed.df"), 1e-3)
        #expect(m4 == nil, "\(name) Satterthwaite df: \(m4 ?? "")")
        // the free parameters only: one per term here
        #expect(fit.theta.count == (i == 0 ? 2 : 3))
    }
}
