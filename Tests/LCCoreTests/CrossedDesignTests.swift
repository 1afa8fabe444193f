import Testing
@testable import LCCore

/// Crossed and partially crossed designs, two and three grouping factors, against lme4 +
/// lmerTest (`Reference/crossed.json`, made by `scripts/make-reference-crossed.R`):
/// criterion no worse than lme4's, fixed effects, SEs, σ, every SD by group and term,
/// Satterthwaite df.
struct CrossedDesignTests {
    static let models: [(name: String, formula: String)] = [
        ("machines_three", "score ~ 1 + (1 | Worker) + (1 | Machine) + (1 | Worker:Machine)"),
        ("penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)"),
        ("pastes", "strength ~ 1 + (1 | sample) + (1 | batch)"),
        ("univbct_three", "JSAT ~ TIME + (1 | SUBNUM) + (1 | BTN) + (1 | COMPANY)"),
        ("univbct_three_slopes", "JSAT ~ TIME + (1 + TIME | SUBNUM) + (1 | BTN) + (1 | COMPANY)"),
    ]

    @Test(arguments: models.indices, [true, false])
    func matchesLme4(_ i: Int, reml: Bool) throws {
        let (name, formula) = Self.models[i]
        let base = "\(name).\(reml ? "REML" : "ML")"
        let dataName = try Reference.load("crossed", data: "Machines").texts("\(base).data")[0]
        let ref = try Reference.load("crossed", data: dataName)
        let fit = try LinearMixedModel.fit(ModelFrame(Formula(parsing: formula), data: ref.data), reml: reml)
        let theirs = ref.number("\(base).logLik")
        #expect(fit.logLik >= theirs - 1e-7, "\(base): lme4 found a higher likelihood (\(theirs) against \(fit.logLik))")
        // where the criterion is flat (few levels) ours may sit a little higher: looser there
        let tol = fit.logLik > theirs + 1e-9 ? 1e-3 : 1e-5
        let m1 = firstMismatch(fit.beta, ref.numbers("\(base).fixed.estimate"), tol)
        #expect(m1 == nil, "\(base) fixed: \(m1 ?? "")")
        let m2 = firstMismatch(fit.standardErrors, ref.numbers("\(base).fixed.se"), max(tol, 1e-4))
        #expect(m2 == nil, "\(base) SEs: \(m2 ?? "")")
        #expect(close(fit.sigma, ref.number("\(base).sigma"), tol))
        // every SD, found by group and term (lme4 orders the factors by levels, we by the formula)
        let groups = ref.texts("\(base).random.grp"), terms = ref.texts("\(base).random.var1")
        let partners = ref.texts("\(base).random.var2"), sds = ref.numbers("\(base).random.sd")
        for k in groups.indices where groups[k] != "Residual" && partners[k].isEmpty {
            let component = fit.components.first { $0.term.groupName == groups[k] && $0.names.contains(terms[k]) }
            let sd = try #require(component).standardDeviations[component!.names.firstIndex(of: terms[k])!]
            #expect(close(sd, sds[k], 1e-3), "\(base) SD of \(terms[k]) | \(groups[k]): \(sd) against \(sds[k])")
        }
        let m4 = firstMismatch(fit.df, ref.numbers("\(base).fixed.df"), 1e-3)
        #expect(m4 == nil, "\(base) Satterthwaite df: \(m4 ?? "")")
    }
}
