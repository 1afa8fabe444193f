import Foundation
import Testing
@testable import LCCore

/// Two-level models against lme4 on univbct (Bliese & Ployhart 2002): fixed
/// effects, SEs, variance components, log-likelihood to 1e-5 relative.
struct MixedModelReferenceTests {
    /// (reference model, lcstat formula)
    static let models: [(String, String)] = [
        ("null_ri", "JSAT ~ 1 + (1 | SUBNUM)"),
        ("ri_time", "JSAT ~ TIME + (1 | SUBNUM)"),
        ("rs_time", "JSAT ~ TIME + (TIME | SUBNUM)"),
        ("within_between", "JSAT ~ TIME + within(COMMIT, SUBNUM) + between(COMMIT, SUBNUM) + (1 | SUBNUM)"),
        ("within_between_crosslevel",
         "JSAT ~ TIME * AGE + within(COMMIT, SUBNUM) * between(COMMIT, SUBNUM) + (1 | SUBNUM)"),
    ]

    @Test(arguments: models.indices, [true, false])
    func matchesLme4(_ i: Int, reml: Bool) throws {
        let (name, text) = Self.models[i]
        let ref = try Reference.load("univbct")
        let base = "mixed_models.\(name).\(reml ? "REML" : "ML").lme4"
        let fit = try LinearMixedModel.fit(ModelFrame(Formula(parsing: text), data: ref.data), reml: reml)
        let tol = 1e-5
        #expect(fit.frame.n == Int(ref.number("\(base).nobs")))
        #expect(close(fit.logLik, ref.number("\(base).logLik"), tol), "\(name) logLik \(fit.logLik)")
        let m1 = firstMismatch(fit.beta, ref.numbers("\(base).fixed.estimate"), tol)
        #expect(m1 == nil, "\(name) estimates: \(m1 ?? "")")
        let m2 = firstMismatch(fit.standardErrors, ref.numbers("\(base).fixed.se"), tol)
        #expect(m2 == nil, "\(name) SEs: \(m2 ?? "")")
        #expect(close(fit.sigma, ref.number("\(base).sigma"), tol), "\(name) sigma \(fit.sigma)")
        // lme4's own optimum: θ = chol(Σ/σ²) from its reported covariance. Where our optimiser
        // goes lower on the criterion than lme4 stopped, flat directions (a slope SD) may
        // differ by more than 1e-5; then ours must be the better optimum and within 1e-4.
        let q = fit.randomCovariance.rows
        var sigmaB = Matrix(rows: q, cols: q)
        let covRows = ref.at("\(base).random.SUBNUM.cov") as? [[Double]]
        for a in 0..<q { for b in 0..<q {
            sigmaB[a, b] = (covRows?[a][b] ?? ref.numbers("\(base).random.SUBNUM.variance")[a]) / pow(ref.number("\(base).sigma"), 2)
        } }
        let l = try #require(sigmaB.cholesky())
        let theirs = (0..<q).flatMap { j in (j..<q).map { l[$0, j] } }
        let theirCriterion = try #require(CrossProducts(fit.frame, fit.frame.random[0]).evaluate(theirs, reml: reml)).criterion
        #expect(fit.criterion <= theirCriterion + 1e-8, "\(name): lme4 found a lower criterion")
        let flat = fit.criterion < theirCriterion - 1e-9
        let componentTolerance = flat ? 1e-4 : tol
        let sds = (0..<q).map { fit.randomCovariance[$0, $0].squareRoot() }
        let m3 = firstMismatch(sds, ref.numbers("\(base).random.SUBNUM.sd"), componentTolerance)
        #expect(m3 == nil, "\(name) random SDs: \(m3 ?? "")")
        #expect(close(fit.aic, ref.number("\(base).AIC"), tol) && close(fit.bic, ref.number("\(base).BIC"), tol))
        // conditional modes of the first ten persons
        let blups = fit.blups.prefix(10).map { $0[0] }
        let m4 = firstMismatch(Array(blups), ref.numbers("\(base).ranef_first10.SUBNUM.(Intercept)"), flat ? 1e-3 : tol)
        #expect(m4 == nil, "\(name) BLUPs: \(m4 ?? "")")
    }

    @Test func badModelsAreErrors() throws {
        let ref = try Reference.load("univbct")
        let cases = ["JSAT ~ TIME + (1 | nothere)", "JSAT ~ TIME + TIME2 + (1 | SUBNUM)", "JSAT ~ TIME"]
        for text in cases {
            #expect(throws: LCError.self, "\(text)") {
                try LinearMixedModel.fit(ModelFrame(Formula(parsing: text), data: ref.data))
            }
        }
        // perfectly collinear predictors
        var d = ref.data
        try d.add(Column(name: "TIME2", values: .numeric(.doubles(try ref.data.numeric("TIME").doubles.map { 2 * $0 }))))
        #expect(throws: LCError.self) {
            try LinearMixedModel.fit(ModelFrame(Formula(parsing: "JSAT ~ TIME + TIME2 + (1 | SUBNUM)"), data: d))
        }
        // a grouping factor with one level
        try d.add(Column(name: "ONE", values: .numeric(.doubles([Double](repeating: 1, count: d.rowCount)))))
        #expect(throws: LCError.self) {
            try LinearMixedModel.fit(ModelFrame(Formula(parsing: "JSAT ~ TIME + (1 | ONE)"), data: d))
        }
    }
}
