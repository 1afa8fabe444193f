import Testing
@testable import LCCore

/// Generalized linear mixed models against lme4's glmer (`Reference/glmm.json`, made by
/// `scripts/make-reference-glmm.R`): logLik no worse than glmer's and within 1e-5, fixed
/// effects and their SEs within 1e-4, every random SD, on cbpp (binomial with trials: logit,
/// probit, cloglog, nAGQ = 25; Poisson with an offset), VerbAgg (two crossed factors, a text
/// response, a random slope), grouseticks (Poisson, two factors) and W4's binary `applied`.
struct GeneralizedModelTests {
    /// (verbagg_slope, a correlated random slope on the item factor, is in the reference too; its fit
    /// takes a minute in a debug build and is checked by hand: logLik −4067.867955 as glmer's.)
    static let models = ["cbpp", "cbpp_agq25", "cbpp_probit", "cbpp_cloglog", "cbpp_poisson_offset",
                         "verbagg", "grouseticks", "w4_applied"]

    static func fit(_ name: String) throws -> (LMMFit, Reference) {
        let dataName = try Reference.load("glmm", data: "cbpp").texts("\(name).data")[0]
        let data = dataName == "w4" ? "w4_small_applied" : dataName
        let ref = try Reference.load("glmm", data: data)
        let family = try Family(named: ref.texts("\(name).family")[0])
        let options = ModelOptions(nagq: Int(ref.number("\(name).nagq")), family: family,
                                   link: try Link(named: ref.texts("\(name).link")[0], family: family))
        let fit = try LinearMixedModel.fit(ModelFrame(Formula(parsing: ref.texts("\(name).formula")[0]), data: ref.data, options: options))
        return (fit, ref)
    }

    @Test(arguments: models)
    func matchesGlmer(_ name: String) throws {
        let (fit, ref) = try Self.fit(name)
        let theirs = ref.number("\(name).logLik")
        #expect(fit.logLik >= theirs - 1e-5, "\(name): glmer found a higher likelihood (\(theirs) against \(fit.logLik))")
        #expect(abs(fit.logLik - theirs) < 1e-5 || fit.logLik > theirs, "\(name) logLik \(fit.logLik) against \(theirs)")
        // estimates within 1e-4 (absolute below 1, relative above), where glmer converged
        let converged = ref.texts("\(name).messages").isEmpty
        for (k, (a, b)) in zip(fit.beta, ref.numbers("\(name).fixed.estimate")).enumerated() {
            #expect(abs(a - b) <= (converged ? 1e-4 : 1e-3) * max(1, abs(b)), "\(name) fixed \(k): \(a) against glmer's \(b)")
        }
        // SEs: glmer's come from a finite-difference Hessian (about 3e-4 relative off glmmTMB's,
        // whose Hessian is exact): within 1e-4 of glmmTMB's and 1e-3 of glmer's. With a
        // non-canonical link glmmTMB's Laplace uses the observed information where glmer's (and
        // ours) uses the expected: a different approximation, so glmer's alone is the reference.
        // grouseticks (HEIGHT unscaled) is ill-conditioned: glmer warns, and our finite
        // differences are within 3e-3 of glmmTMB's exact Hessian.
        let tmb = ref.numbers("\(name).tmb_se")
        if !tmb.isEmpty && fit.generalized!.link == fit.generalized!.family.defaultLink {
            let m2 = firstMismatch(fit.standardErrors, tmb, converged ? 1e-4 : 3e-3)
            #expect(m2 == nil, "\(name) SEs against glmmTMB: \(m2 ?? "")")
        }
        if converged {
            let m3 = firstMismatch(fit.standardErrors, ref.numbers("\(name).fixed.se"), 1e-3)
            #expect(m3 == nil, "\(name) SEs against glmer: \(m3 ?? "")")
        }
        let groups = ref.texts("\(name).random.grp"), terms = ref.texts("\(name).random.var1")
        let partners = ref.texts("\(name).random.var2"), sds = ref.numbers("\(name).random.sd")
        for k in groups.indices where k >= partners.count || partners[k].isEmpty {   // (jsonlite writes one NA as null)
            let component = fit.components.first { $0.term.groupName == groups[k] && $0.names.contains(terms[k]) }
            let sd = try #require(component).standardDeviations[component!.names.firstIndex(of: terms[k])!]
            #expect(close(sd, sds[k], 1e-3), "\(name) SD of \(terms[k]) | \(groups[k]): \(sd) against \(sds[k])")
        }
        #expect(close(fit.aic, ref.number("\(name).aic"), 1e-6))
        // Nakagawa R² on the latent scale (binomial: the link's distribution-specific variance;
        // Poisson: ln(1 + 1/μ₀) from the null model's mean) and, for random intercepts, the
        // adjusted ICC (performance::icc: the groups' shares summed)
        let r2 = fit.r2()
        #expect(close(r2.marginal, ref.number("\(name).r2_marginal"), 1e-3), "\(name) R² marginal \(r2.marginal)")
        #expect(close(r2.conditional, ref.number("\(name).r2_conditional"), 1e-3), "\(name) R² conditional \(r2.conditional)")
        if fit.components.allSatisfy({ $0.names == ["(Intercept)"] }) {
            let icc = try #require(TransferResult(fit).icc.doubles("icc")).reduce(0, +)
            #expect(close(icc, ref.number("\(name).icc_adjusted"), 1e-3), "\(name) adjusted ICC \(icc)")
        }
        // conditional modes and their conditional SDs (glmer's ranef(condVar = TRUE)) of the first factor
        let ranef = fit.ranef
        let group = ref.texts("\(name).blups.group")[0], levels = ref.labels("\(name).blups.level")
        let values = ref.numbers("\(name).blups.value"), ses = ref.numbers("\(name).blups.se")
        let rows = try #require(ranef.texts("group")).indices.filter { ranef.texts("group")![$0] == group && ranef.texts("term")![$0] == "(Intercept)" }
        let byLevel = Dictionary(rows.map { (ranef.texts("level")![$0], $0) }, uniquingKeysWith: { a, _ in a })
        for (k, level) in levels.enumerated().prefix(20) {
            let row = try #require(byLevel[level], "\(name): no mode for \(group) \(level)")
            #expect(abs(ranef.doubles("value")![row] - values[k]) < (converged ? 1e-4 : 1e-3), "\(name) mode of \(level)")
            #expect(abs(ranef.doubles("se")![row] - ses[k]) < (converged ? 1e-4 : 1e-3), "\(name) conditional SD of \(level)")
        }
    }

    /// Profile intervals of every parameter (random SDs, fixed effects) within 2e-4 of the
    /// interval's width of lme4's `confint(method = "profile")` (`Reference/glmm_profile.json`, from
    /// `scripts/make-reference-glmm-profile.R`; lme4 interpolates a spline through its profile, on a
    /// grid four times finer than its default there: the two differ by up to 6e-5 of the width),
    /// including an SD whose interval reaches 0.
    @Test(arguments: ["cbpp", "grouseticks"])
    func profileIntervalsAreLme4s(_ name: String) throws {
        let data = name == "cbpp" ? "cbpp" : "grouseticks"
        let ref = try Reference.load("glmm_profile", data: data)
        let family = try Family(named: ref.texts("\(name).family")[0])
        let fit = try LinearMixedModel.fit(ModelFrame(Formula(parsing: ref.texts("\(name).formula")[0]), data: ref.data,
                                                      options: ModelOptions(family: family)))
        #expect(abs(fit.logLik - ref.number("\(name).logLik")) < 1e-5)
        let table = try fit.confint(method: .profile)
        let (low, high) = (try #require(table.doubles("low")), try #require(table.doubles("high")))
        let (rLow, rHigh) = (ref.numbers("\(name).low"), ref.numbers("\(name).high"))
        #expect(low.count == rLow.count)
        for k in rLow.indices where k < low.count {
            let scale = abs(rHigh[k] - rLow[k])
            #expect(abs(low[k] - rLow[k]) <= 2e-4 * scale, "\(name) \(ref.texts("\(name).parameter")[k]) low \(low[k]) vs lme4 \(rLow[k])")
            #expect(abs(high[k] - rHigh[k]) <= 2e-4 * scale, "\(name) \(ref.texts("\(name).parameter")[k]) high \(high[k]) vs lme4 \(rHigh[k])")
        }
    }

    /// Negative binomial (NB2) models against glmmTMB's `nbinom2` (`Reference/nbinom2.json`,
    /// `scripts/make-reference-nbinom2.R`): glmmTMB's Laplace approximation uses the exact Hessian
    /// in the random effects, as lcstat's observed-information weights do, so logLik agrees to 1e-6
    /// and is no lower; estimates, SEs, the size k and its log's SE, the random SDs to 1e-4; R² and
    /// the adjusted ICC (performance, with the null model's mean and the model's k) to 1e-4.
    @Test(arguments: ["salamanders", "salamanders_crossed", "grouseticks"])
    func negativeBinomialMatchesGlmmTMB(_ name: String) throws {
        let data = try Reference.load("nbinom2", data: "grouseticks").texts("\(name).data")[0]
        let ref = try Reference.load("nbinom2", data: data)
        let fit = try LinearMixedModel.fit(ModelFrame(Formula(parsing: ref.texts("\(name).formula")[0]), data: ref.data,
                                                      options: ModelOptions(family: try Family(named: "nbinom2"))))
        let theirs = ref.number("\(name).logLik")
        #expect(fit.logLik >= theirs - 1e-7 && abs(fit.logLik - theirs) < 1e-6, "\(name) logLik \(fit.logLik) against glmmTMB's \(theirs)")
        let m1 = firstMismatch(fit.beta, ref.numbers("\(name).fixed.estimate"), 1e-4)
        #expect(m1 == nil, "\(name) estimates: \(m1 ?? "")")
        let m2 = firstMismatch(fit.standardErrors, ref.numbers("\(name).fixed.se"), 1e-4)
        #expect(m2 == nil, "\(name) SEs: \(m2 ?? "")")
        let g = try #require(fit.generalized)
        #expect(close(try #require(g.dispersion), ref.number("\(name).dispersion"), 1e-4))
        #expect(close(try #require(g.logDispersionSE), ref.number("\(name).log_dispersion_se"), 1e-4))
        let sds = fit.components.map { $0.standardDeviations[0] }
        for (k, group) in ref.texts("\(name).random.grp").enumerated() {
            let c = try #require(fit.components.firstIndex { $0.term.groupName == group })
            #expect(close(sds[c], ref.numbers("\(name).random.sd")[k], 1e-4), "\(name) SD of \(group)")
        }
        #expect(fit.parameterCount == fit.beta.count + fit.theta.count + 1)
        let r2 = fit.r2()
        #expect(close(r2.marginal, ref.number("\(name).r2_marginal"), 1e-4) && close(r2.conditional, ref.number("\(name).r2_conditional"), 1e-4))
        let icc = try #require(TransferResult(fit).icc.doubles("icc")).reduce(0, +)
        #expect(close(icc, ref.number("\(name).icc_adjusted"), 1e-4), "\(name) adjusted ICC \(icc)")
    }

    /// Predictions on both scales, and the LR test of nested generalized fits.
    @Test func predictionsAndComparison() throws {
        let (fit, ref) = try Self.fit("cbpp")
        let head = ref.numbers("cbpp.fitted_head"), link = ref.numbers("cbpp.link_head")
        let fitted = fit.fittedValues(random: true), eta = fit.linearPredictor(random: true)
        for k in head.indices {
            #expect(abs(fitted[k] - head[k]) < 1e-5, "fitted \(k)")
            #expect(abs(eta[k] - link[k]) < 1e-4, "link \(k)")
            #expect(abs(fit.generalized!.link.inverse(eta[k]) - fitted[k]) < 1e-15)
        }
        let predicted = try fit.predict(ref.data, random: true)
        #expect(zip(predicted, fitted).allSatisfy { abs($0 - $1) < 1e-12 })
        let options = ModelOptions(family: .binomial)
        let null = try LinearMixedModel.fit(ModelFrame(Formula(parsing: "cbind(incidence, size - incidence) ~ 1 + (1 | herd)"), data: ref.data, options: options))
        let table = try Transfer.compare(null, fit)
        #expect(table.ints("npar") == [2, 5])
        // glmer: anova(null, fit) gives chisq 14.08 on 3 df for cbpp
        #expect(abs(table.doubles("chisq")![1] - 2 * (fit.logLik - null.logLik)) < 1e-9)
        #expect(table.doubles("df")![1] == 3)
    }

    /// Responses glmer reads: a two-level text column (first level failure), and errors that name
    /// what is wrong.
    @Test func responsesAndErrors() throws {
        let data = try Dataset(columns: [
            Column(name: "y", values: .labels(codes: [0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0], levels: ["no", "yes"])),
            Column(name: "g", values: .numeric(.doubles([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]))),
            Column(name: "count", values: .numeric(.doubles([0, 2, 1, 3, 0, 1, 2, 1.5, 0, 1, 2, 3]))),
        ])
        let frame = try ModelFrame(Formula(parsing: "y ~ 1 + (1 | g)"), data: data, options: ModelOptions(family: .binomial))
        #expect(frame.y == [0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0])
        #expect(throws: LCError.self) { try ModelFrame(Formula(parsing: "count ~ 1 + (1 | g)"), data: data, options: ModelOptions(family: .poisson)) }
        #expect(throws: LCError.self) { try ModelFrame(Formula(parsing: "cbind(count, count) ~ 1 + (1 | g)"), data: data) }
        #expect(throws: LCError.self) { try Link(named: "log", family: .binomial) }
        let two = try ModelFrame(Formula(parsing: "y ~ 1 + (1 | g)"), data: data, options: ModelOptions(nagq: 5, family: .binomial))
        #expect(throws: Never.self) { _ = try LinearMixedModel.fit(two) }
    }
}
