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
        let component = fit.components[0]
        let q = component.covariance.rows
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
        let sds = component.standardDeviations
        let m3 = firstMismatch(sds, ref.numbers("\(base).random.SUBNUM.sd"), componentTolerance)
        #expect(m3 == nil, "\(name) random SDs: \(m3 ?? "")")
        #expect(close(fit.aic, ref.number("\(base).AIC"), tol) && close(fit.bic, ref.number("\(base).BIC"), tol))
        // Satterthwaite df and p as lmerTest gives them
        let m5 = firstMismatch(fit.df, ref.numbers("\(base).satterthwaite.df"), 1e-3)
        #expect(m5 == nil, "\(name) Satterthwaite df: \(m5 ?? "")")
        let m6 = firstMismatch(fit.pValues, ref.numbers("\(base).satterthwaite.p"), 1e-3)
        #expect(m6 == nil, "\(name) p: \(m6 ?? "")")
        // conditional modes of the first ten persons
        let blups = component.modes.prefix(10).map { $0[0] }
        let m4 = firstMismatch(Array(blups), ref.numbers("\(base).ranef_first10.SUBNUM.(Intercept)"), flat ? 1e-3 : tol)
        #expect(m4 == nil, "\(name) BLUPs: \(m4 ?? "")")
    }

    /// A response constant within each level of the grouping factor has no residual variance: the
    /// likelihood has no maximum (lme4 stops with an error), and the result says so in a note.
    @Test func aResponseTheGroupsReproduceIsNamed() throws {
        var random = BlockedCrossProductsTests.Uniform(state: 7)
        var text = "y,x,g\n"
        for g in 0..<20 {
            let level = random.next() * 4
            for _ in 0..<5 { text += "\(level),\(random.next()),g\(g)\n" }
        }
        let data = try CSVReader.parse(bytes: Array(text.utf8))
        let result = try Transfer.run(data, formula: "y ~ x + (1 | g)")
        #expect(result.summary.notes.contains { $0.hasPrefix("the residual SD is numerically zero") })
        // an ordinary fit has no such note
        let ordinary = try Transfer.run(try Reference.load("univbct").data, formula: "JSAT ~ TIME + (1 | SUBNUM)")
        #expect(!ordinary.summary.notes.contains { $0.hasPrefix("the residual SD is numerically zero") })
    }

    @Test func badModelsAreErrors() throws {
        let ref = try Reference.load("univbct")
        let cases = ["JSAT ~ TIME + (1 | nothere)", "JSAT ~ TIME + TIME2 + (1 | SUBNUM)", "JSAT ~ TIME"]
        for text in cases {
            #expect(throws: LCError.self, "\(text)") {
                try LinearMixedModel.fit(ModelFrame(Formula(parsing: text), data: ref.data))
            }
        }
        // perfectly collinear predictors: the later column is dropped with a note, as lme4 drops it
        var d = ref.data
        try d.add(Column(name: "TIME2", values: .numeric(.doubles(try ref.data.numeric("TIME").doubles.map { 2 * $0 }))))
        let collinear = try LinearMixedModel.fit(ModelFrame(Formula(parsing: "JSAT ~ TIME + TIME2 + (1 | SUBNUM)"), data: d))
        let plain = try LinearMixedModel.fit(ModelFrame(Formula(parsing: "JSAT ~ TIME + (1 | SUBNUM)"), data: d))
        #expect(collinear.frame.droppedColumns == ["TIME2"] && collinear.frame.xNames == ["(Intercept)", "TIME"])
        #expect(collinear.frame.notes.contains { $0.contains("rank deficient so dropping 1 column") })
        #expect(collinear.beta == plain.beta && collinear.logLik == plain.logLik)
        // a grouping factor with one level
        try d.add(Column(name: "ONE", values: .numeric(.doubles([Double](repeating: 1, count: d.rowCount)))))
        #expect(throws: LCError.self) {
            try LinearMixedModel.fit(ModelFrame(Formula(parsing: "JSAT ~ TIME + (1 | ONE)"), data: d))
        }
    }
}


/// lme4's θ for one grouping factor: chol(Σ/σ²) of its reported covariance, column by column.
func lme4Theta(_ ref: Reference, _ base: String, group g: String) throws -> [Double] {
    let sds = ref.numbers("\(base).random.\(g).sd")
    let q = sds.count
    let sigma = ref.number("\(base).sigma")
    let covRows = ref.at("\(base).random.\(g).cov") as? [[Double]]
    var s = Matrix(rows: q, cols: q)
    for a in 0..<q { for b in 0..<q { s[a, b] = (covRows?[a][b] ?? sds[a] * sds[a]) / (sigma * sigma) } }
    let l = try #require(s.cholesky())
    return (0..<q).flatMap { j in (j..<q).map { l[$0, j] } }
}

/// Three-level models (occasions in persons in companies) against lme4 on univbct.
struct ThreeLevelReferenceTests {
    static let models: [(String, String, [String])] = [
        ("three_level_ri", "JSAT ~ TIME + (1 | CO) + (1 | CO:SUBNUM)", ["CO", "CO:SUBNUM"]),
        ("three_level_rs", "JSAT ~ TIME + (1 | CO) + (TIME | CO:SUBNUM)", ["CO", "CO:SUBNUM"]),
    ]

    @Test(arguments: models.indices, [true, false])
    func matchesLme4(_ i: Int, reml: Bool) throws {
        let (name, text, groups) = Self.models[i]
        let ref = try Reference.load("univbct")
        var data = ref.data
        // CO = paste(BTN, COMPANY, sep = "_"), as in the reference script
        let co = try Grouping(ref.data, keys: ["BTN", "COMPANY"])
        var codes = [Int32](repeating: -1, count: data.rowCount)
        for g in 0..<co.count { for r in co.rows(of: g) { codes[Int(r)] = Int32(g) } }
        try data.add(Column(name: "CO", values: .labels(codes: codes, levels: co.labels)))
        let base = "mixed_models.\(name).\(reml ? "REML" : "ML").lme4"
        let fit = try LinearMixedModel.fit(ModelFrame(Formula(parsing: text), data: data), reml: reml)
        // lme4's optimum evaluated by our engine (θ in engine order: the factor with more levels first)
        let frame = fit.frame
        let order = frame.random.indices.sorted { frame.random[$0].levels.count > frame.random[$1].levels.count }
        let theirs = try order.flatMap { try lme4Theta(ref, base, group: frame.random[$0].term.groupName) }
        let engine = NestedCrossProducts(frame, frame.random[order[0]], frame.random[order[1]])
        let theirCriterion = try #require(engine.evaluate(theirs, reml: reml)).criterion
        #expect(close(theirCriterion, -2 * ref.number("\(base).logLik"), 1e-9), "our criterion at lme4's θ")
        #expect(fit.criterion <= theirCriterion + 1e-8, "\(name): lme4 found a lower criterion")
        // where we stop lower than lme4 did, its flat directions may differ by more than 1e-5
        let tol = fit.criterion < theirCriterion - 1e-9 ? 1e-4 : 1e-5
        #expect(fit.frame.n == Int(ref.number("\(base).nobs")))
        #expect(close(fit.logLik, ref.number("\(base).logLik"), 1e-5), "\(name) logLik \(fit.logLik) vs \(ref.number("\(base).logLik"))")
        let m1 = firstMismatch(fit.beta, ref.numbers("\(base).fixed.estimate"), tol)
        #expect(m1 == nil, "\(name) estimates: \(m1 ?? "")")
        let m2 = firstMismatch(fit.standardErrors, ref.numbers("\(base).fixed.se"), tol)
        #expect(m2 == nil, "\(name) SEs: \(m2 ?? "")")
        #expect(close(fit.sigma, ref.number("\(base).sigma"), tol), "\(name) sigma")
        #expect(fit.components.map(\.term.groupName) == [groups[0], groups[1]])
        let m5 = firstMismatch(fit.df, ref.numbers("\(base).satterthwaite.df"), 1e-3)
        #expect(m5 == nil, "\(name) Satterthwaite df: \(m5 ?? "")")
        for (c, g) in zip(fit.components, groups) {
            let m3 = firstMismatch(c.standardDeviations, ref.numbers("\(base).random.\(g).sd"), 1e-4)
            #expect(m3 == nil, "\(name) \(g) SDs: \(m3 ?? "")")
        }
    }
}
