import Glibc
import Testing
@testable import LCCore

/// Residual variance functions against nlme on univbct (`mixed_models_varfunc`):
/// δ or the SD ratios, σ, fixed effects and log-likelihood to 1e-5.
struct VarianceFunctionTests {
    /// (reference model, formula, variance function)
    static let models: [(String, String, String)] = [
        ("rs_time_varexp", "JSAT ~ TIME + (1 + TIME | SUBNUM)", "exp(TIME)"),
        ("ri_time_varident", "JSAT ~ TIME + (1 | SUBNUM)", "ident(TIME)"),
        ("cem_company_varexp", "JSAT ~ TIME + (1 + TIME | BTN:COMPANY) + (1 | SUBNUM)", "exp(TIME)"),
    ]

    @Test(arguments: models.indices, [true, false])
    func matchesNlme(_ i: Int, reml: Bool) throws {
        let (name, formula, function) = Self.models[i]
        let ref = try Reference.load("univbct")
        let base = "mixed_models_varfunc.\(name).\(reml ? "REML" : "ML")"
        let frame = try ModelFrame(Formula(parsing: formula), data: ref.data)
        let fit = try LinearMixedModel.fit(frame, reml: reml, variance: VarianceFunction(parsing: function), data: ref.data)
        let v = try #require(fit.variance)
        // Our optimum is never worse than nlme's; where it is better, nlme stopped short in a
        // flat direction and the parameters are compared to 1e-4 (1e-3 at a singular fit,
        // a correlation at -1, as the reference README advises).
        let theirs = ref.number("\(base).logLik")
        #expect(close(fit.logLik, theirs, 1e-5), "\(name) logLik \(fit.logLik) vs \(theirs)")
        #expect(fit.logLik >= theirs - 1e-10, "\(name): nlme found a higher likelihood")
        let tol = fit.singular ? 1e-3 : fit.logLik > theirs + 1e-10 ? 1e-4 : 1e-5
        let m1 = firstMismatch(fit.beta, ref.numbers("\(base).fixed.estimate"), tol)
        #expect(m1 == nil, "\(name) fixed: \(m1 ?? "")")
        #expect(close(fit.sigma, ref.number("\(base).sigma"), tol), "\(name) sigma \(fit.sigma)")
        let coef = ref.at("\(base).varStruct.coef") as? [String: Any] ?? [:]
        let want = function.hasPrefix("exp") ? [coef["expon"] as? Double ?? .nan] : v.parameters.map { coef[$0] as? Double ?? .nan }
        let m2 = firstMismatch(v.estimates, want, tol)
        #expect(m2 == nil, "\(name) variance parameters \(v.estimates) vs \(want): \(m2 ?? "")")
        #expect(v.standardErrors.allSatisfy { $0.isFinite && $0 > 0 }, "\(name) SEs \(v.standardErrors)")
    }
}

/// The consensus emergence model against nlme's likelihood-ratio test on univbct companies.
struct EmergenceTests {
    @Test(arguments: [true, false])
    func lrtMatchesNlme(_ reml: Bool) throws {
        let ref = try Reference.load("univbct")
        var data = ref.data
        // nlme's CO = paste(BTN, COMPANY, sep = "_"), as a column of its own
        let co = try Grouping(data, keys: ["BTN", "COMPANY"])
        var codes = [Int32](repeating: -1, count: data.rowCount)
        for g in 0..<co.count { for r in co.rows(of: g) { codes[Int(r)] = Int32(g) } }
        try data.add(Column(name: "CO", values: .labels(codes: codes, levels: co.labels)))
        let r = try Emergence.run(data, EmergenceSpec(group: "CO", person: "SUBNUM", time: "TIME", value: "JSAT", reml: reml))
        let base = "mixed_models_varfunc.lrt_cem_company_\(reml ? "REML" : "ML")"
        let lr = r.table.doubles("lr")![0], want = ref.number("\(base).L.Ratio")
        // both log-likelihoods within 1e-5 of nlme's (ours never lower), so the ratio within 1e-2 absolute
        let logliks = ref.numbers("\(base).logLik")
        #expect(close(r.table.doubles("loglik_null")![0], logliks[0], 1e-5) && close(r.table.doubles("loglik")![0], logliks[1], 1e-5))
        #expect(abs(lr - want) < 1e-2, "LR \(lr) vs nlme \(want)")
        #expect(abs(r.table.doubles("p_two_sided")![0] - ref.number("\(base).p")) < 1e-4)
        // delta < 0 here: consensus emerges, and the one-sided p is half the two-sided
        let delta = r.table.doubles("delta")![0]
        #expect(delta < 0)
        #expect(close(r.table.doubles("p_one_sided")![0], r.table.doubles("p_two_sided")![0] / 2, 1e-12))
        // the residual SD per occasion falls with time: σ exp(δ t)
        let sd = r.table.doubles("residual_sd")!
        #expect(zip(sd, sd.dropFirst()).allSatisfy { $0 > $1 })
    }
}

/// The one-pass parts of a variance-function fit (`RowSumParts`) against engines
/// formed from the weighted rows, for one grouping factor and for two nested ones.
struct RowSumPartsTests {
    static let formulas = ["JSAT ~ TIME + (1 + TIME | SUBNUM)", "JSAT ~ TIME + (1 + TIME | BTN:COMPANY) + (1 | SUBNUM)"]

    @Test(arguments: formulas)
    func partsEqualTheEnginesOfTheirRows(_ formula: String) throws {
        let ref = try Reference.load("univbct")
        let frame = try ModelFrame(Formula(parsing: formula), data: ref.data).mergingTermsByFactor().frame
        let order = frame.random.indices.sorted { frame.random[$0].levels.count > frame.random[$1].levels.count }
        func engine(_ f: ModelFrame) -> ProfiledDeviance {
            order.count == 1 ? CrossProducts(f, f.random[0]) : NestedCrossProducts(f, f.random[order[0]], f.random[order[1]])
        }
        let segments = order.count == 1 ? CrossProducts.rowSumSegments(frame, frame.random[0])
            : NestedCrossProducts.rowSumSegments(frame, frame.random[order[0]], frame.random[order[1]])
        let time = try VarianceModel(.exp("TIME"), frame: frame, data: ref.data).values
        let distinct = Array(Set(time)).sorted()
        let part = time.map { t in distinct.firstIndex(of: t) ?? -1 }
        let parts = RowSumParts(segments, part: part, parts: distinct.count)
        let unweighted = engine(frame).rowSumsBySegment.flatMap { $0 }
        #expect(parts.sums.count == unweighted.count * distinct.count)
        // part k holds exactly (bit for bit) the sums of the rows with value k
        for k in distinct.indices {
            let alone = engine(frame.weighted(by: part.map { $0 == k ? 1 : 0 })).rowSumsBySegment.flatMap { $0 }
            let mine = stride(from: k, to: parts.sums.count, by: distinct.count).map { parts.sums[$0] }
            #expect(mine == alone, "part \(k) of \(formula)")
        }
        // weights g(v)⁻² give the engine of the rows scaled by g(v)⁻¹, up to rounding
        let delta = -0.3
        let w = time.map { exp(-delta * $0) }
        var combined: [[Double]] = []
        parts.combine(distinct.map { exp(-2 * delta * $0) }, into: &combined)
        let direct = engine(frame.weighted(by: w)).rowSumsBySegment.flatMap { $0 }
        let m = firstMismatch(combined.flatMap { $0 }, direct, 1e-12)
        #expect(m == nil, "\(formula): \(m ?? "")")
        #expect(combined.map(\.count) == segments.map(\.count))
        #expect(engine(frame).withRowSums(combined) != nil && engine(frame).withRowSums(Array(combined.dropLast())) == nil)
    }
}
