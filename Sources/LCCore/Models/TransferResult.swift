/// The tables of a fitted transfer model, in the shapes every frontend shows.
public struct TransferResult: Sendable {
    public let fit: LMMFit
    /// The Kenward–Roger adjustment when the fit asked for it (`DegreesOfFreedomMethod.kenwardRoger`).
    let kenwardRoger: KenwardRoger?

    public init(_ fit: LMMFit) { self.fit = fit; kenwardRoger = nil }

    /// Whether the fixed table and F tests use Kenward–Roger's adjustment.
    public var kenwardRogerUsed: Bool { kenwardRoger != nil }

    init(_ fit: LMMFit, ddf: DegreesOfFreedomMethod) throws {
        self.fit = fit
        kenwardRoger = ddf == .kenwardRoger ? try KenwardRoger(fit) : nil
    }

    /// `term, estimate, se, df, t, p, ci_low, ci_high`: Satterthwaite df (lmerTest), 95% t intervals;
    /// with Kenward–Roger, its adjusted SEs and df (lmerTest's `summary(fit, ddf = "Kenward-Roger")`).
    public var fixed: ResultTable {
        if let g = fit.generalized { return waldFixed(g) }
        var se = fit.standardErrors, df = fit.df
        if let kr = kenwardRoger {
            let p = fit.beta.count
            se = (0..<p).map { kr.adjusted[$0, $0].squareRoot() }
            df = (0..<p).map { c in kr.test([(0..<p).map { $0 == c ? 1 : 0 }])?.ddf ?? .nan }
        }
        let t = zip(fit.beta, se).map { $0 / $1 }
        let p = zip(t, df).map { Distributions.tTwoSided($0, $1) }
        let half = zip(se, df).map { s, d in s * Distributions.tQuantile(0.975, d) }
        return ResultTable(columns: [
            .init("term", .text(fit.frame.xNames)), .init("estimate", .double(fit.beta)), .init("se", .double(se)),
            .init("df", .double(df)), .init("t", .double(t)), .init("p", .double(p)),
            .init("ci_low", .double(zip(fit.beta, half).map { $0 - $1 })),
            .init("ci_high", .double(zip(fit.beta, half).map { $0 + $1 })),
        ], notes: [fit.scaleRandom != nil ? "Wald z tests and intervals (df = Inf); SEs from the inverse Hessian of -2 log L over every parameter"
                   : kenwardRoger == nil ? "df: Satterthwaite (as lmerTest)" : "SEs and df: Kenward-Roger (as pbkrtest and lmerTest)",
                   fit.reml ? "REML fit" : "ML fit"] + fit.frame.notes)
    }

    /// A generalized model's fixed effects as glmer's summary: `term, estimate, se, z, p, ci_low,
    /// ci_high` (Wald z, two-sided normal p, 95% Wald intervals; no df).
    private func waldFixed(_ g: GeneralizedFit) -> ResultTable {
        let se = fit.standardErrors, z = zip(fit.beta, se).map { $0 / $1 }
        let half = se.map { $0 * Distributions.normalQuantile975 }
        return ResultTable(columns: [
            .init("term", .text(fit.frame.xNames)), .init("estimate", .double(fit.beta)), .init("se", .double(se)),
            .init("z", .double(z)), .init("p", .double(z.map { Distributions.chiSquaredUpperTail($0 * $0, 1) })),
            .init("ci_low", .double(zip(fit.beta, half).map { $0 - $1 })),
            .init("ci_high", .double(zip(fit.beta, half).map { $0 + $1 })),
        ], notes: ["\(g.family.rawValue) family, \(g.link.rawValue) link: estimates on the link scale; Wald z tests and intervals",
                   g.hessianCovariance ? "SEs from the inverse Hessian of the deviance over theta and beta (as glmer's vcov)"
                                       : "SEs from (R_X'R_X)^-1 at the estimated theta (the Hessian was not positive definite)"]
                  + fit.frame.notes)
    }

    /// `group, term, sd, corr`, lme4's VarCorr order: each term's SDs, then its
    /// correlations (term `A:B`), then the residual (group `Residual`). A second
    /// term on the same grouping factor is named as lme4 names it (`person.1`).
    public var random: ResultTable {
        let parameters = fit.varianceParameters
        return ResultTable(columns: [
            .init("group", .text(parameters.map(\.group))), .init("term", .text(parameters.map(\.term))),
            .init("sd", .double(parameters.map { $0.kind == .corr ? .nan : $0.value })),
            .init("corr", .double(parameters.map { $0.kind == .corr ? $0.value : .nan })),
        ])
    }

    /// One row: `loglik, aic, bic, deviance, nobs, reml, converged, singular, evaluations,
    /// dropped_rows`, and `groups_<factor>` per grouping factor. `deviance` is the criterion
    /// minimised (lme4's REMLcrit for REML fits).
    public var summary: ResultTable {
        let r2 = fit.r2()
        var columns: [ResultTable.Column] = [
            .init("loglik", .double([fit.logLik])), .init("aic", .double([fit.aic])), .init("bic", .double([fit.bic])),
            .init("deviance", .double([fit.criterion])), .init("nobs", .int([Int64(fit.frame.n)])),
            .init("reml", .bool([fit.reml])), .init("converged", .bool([fit.converged])),
            .init("singular", .bool([fit.singular])), .init("evaluations", .int([Int64(fit.evaluations)])),
            .init("dropped_rows", .int([Int64(fit.frame.droppedRows)])),
            .init("r2_marginal", .double([r2.marginal])), .init("r2_conditional", .double([r2.conditional])),
        ]
        var factors = Set<String>()   // several terms on one factor: one column, as lme4's ngrps
        for c in fit.components where factors.insert(c.term.groupName).inserted {
            columns.append(.init("groups_" + c.term.groupName, .int([Int64(c.levels.count)])))
        }
        if let s = fit.scaleRandom { columns.append(.init("nagq", .int([Int64(s.nagq)]))) }
        if let g = fit.generalized {
            columns += [.init("family", .text([g.family.rawValue])), .init("link", .text([g.link.rawValue])),
                        .init("nagq", .int([Int64(g.nagq)]))]
            if let k = g.dispersion {
                // NB2's size k (glmmTMB's sigma()) and the SE of log k (its betad's)
                columns += [.init("dispersion", .double([k])), .init("log_dispersion_se", .double([g.logDispersionSE ?? .nan]))]
            }
        }
        var notes: [String] = []
        if fit.singular { notes.append("singular fit: a variance is at zero or a correlation at ±1") }
        if !fit.converged { notes.append("the optimiser did not converge") }
        if fit.generalized == nil, fit.residual.isEmpty, fit.sigma < 1e-5 * SampleStatistics.variance(fit.frame.y).squareRoot() {
            notes.append("the residual SD is numerically zero (\(rNumberText(fit.sigma))): the random effects reproduce the response (is it constant within a grouping factor?), so the likelihood has no maximum; lme4 stops with 'Downdated VtV is not positive definite'")
        }
        if fit.frame.droppedRows > 0 { notes.append("\(fit.frame.droppedRows) rows with a missing model variable were left out") }
        if let c = fit.correlation {
            notes.append("residual correlation \(c.structure) within \(c.structure.group), as nlme's \(c.structure.nlmeName)")
            if !fit.reml { notes.append("ML standard errors as lme4 (sigma^2 = r^2/n); nlme's summary scales them by sqrt(N/(N - p))") }
        }
        if fit.scaleRandom != nil { notes += scaleRandom.notes }
        if let g = fit.generalized {
            notes.append(g.family.hasDispersion ? "maximum likelihood by the Laplace approximation with the exact Hessian in the random effects (observed information), as glmmTMB's; the size k estimated with the other parameters"
                         : g.nagq == 1 ? "maximum likelihood by the Laplace approximation at fully converged conditional modes (glmer with tolPwrss = 1e-12 and glmmTMB agree; glmer's default tolPwrss = 1e-7 can differ by about 1e-4 in logLik)"
                                     : "maximum likelihood by adaptive Gauss-Hermite quadrature with \(g.nagq) nodes per level (glmer's nAGQ = \(g.nagq))")
            notes += g.notes
        }
        notes += fit.frame.notes
        return ResultTable(columns: columns, notes: notes)
    }

    /// `group, icc`: each grouping factor's share of the total variance, from the random
    /// intercepts: τ²_k / (Σ_k τ²_k + σ²). From an intercept-only model this is the ICC at each
    /// level (for three levels: the community share and the person share); with predictors it
    /// is conditional on them, and random slopes are left out of the total.
    public var icc: ResultTable {
        let intercepts = fit.components.map { c -> (String, Double) in
            (c.term.groupName, c.names.first == "(Intercept)" ? c.covariance[0, 0] : 0)
        }
        let residual = fit.generalized.map { $0.distributionVariance ?? .nan } ?? fit.sigma * fit.sigma
        let total = intercepts.reduce(residual) { $0 + $1.1 }
        let interceptOnly = fit.frame.xNames == ["(Intercept)"]
        var notes = [interceptOnly ? "ICC from an intercept-only model"
                                   : "conditional on the fixed effects; fit an intercept-only model for the unconditional ICC"]
        if let g = fit.generalized {
            notes.append(g.distributionVarianceNote)
        }
        return ResultTable(columns: [.init("group", .text(intercepts.map(\.0))),
                                     .init("icc", .double(intercepts.map { $0.1 / total }))], notes: notes)
    }

    /// The residual variance function: `function, covariate, parameter, estimate, se`
    /// (nlme's names: `delta` for exp, the levels for ident, whose estimates are SD
    /// ratios to the first level); empty without one.
    public var variance: ResultTable {
        let v = fit.variance
        let k = v?.estimates.count ?? 0
        return ResultTable(columns: [
            .init("function", .text([String](repeating: v?.function.name ?? "", count: k))),
            .init("covariate", .text([String](repeating: v?.function.covariate ?? "", count: k))),
            .init("parameter", .text(v?.parameters ?? [])), .init("estimate", .double(v?.estimates ?? [])),
            .init("se", .double(v?.standardErrors ?? [])),
        ], notes: v == nil ? ["no residual variance function"] : ["SEs from the inverse Hessian of the criterion over all covariance parameters"])
    }

    /// The scale formula's fixed effects on log σ: `term, estimate, se, z, p` (Wald z, two-sided
    /// normal p; `(Intercept)` is log σ); empty without one. glmmTMB's gaussian `dispformula`
    /// coefficients are on log σ², twice these.
    public var scale: ResultTable {
        let s = fit.scale
        let z = s.map { zip($0.estimates, $0.standardErrors).map { $0 / $1 } } ?? []
        return ResultTable(columns: [
            .init("term", .text(s?.terms ?? [])), .init("estimate", .double(s?.estimates ?? [])),
            .init("se", .double(s?.standardErrors ?? [])), .init("z", .double(z)),
            .init("p", .double(z.map { Distributions.chiSquaredUpperTail($0 * $0, 1) })),     // P(|Z| > |z|)
        ], notes: s.map { ["log residual SD: log sigma_i = \($0.formula.description.dropFirst(2)) (glmmTMB's dispformula coefficients are twice these)",
                           "SEs from the inverse Hessian of -2 log L over the covariance parameters, the scale and log sigma"] }
                   ?? ["no scale formula"])
    }

    /// The random scale effect: one row `group, term, sd, sd_se, corr, corr_se, nagq` (σ_τ, the SD
    /// of the levels' log residual SDs; corr with the level's location intercept, NaN when
    /// independent); empty without one.
    public var scaleRandom: ResultTable {
        let s = fit.scaleRandom
        let k = s == nil ? 0 : 1
        return ResultTable(columns: [
            .init("group", .text(s.map { [$0.group] } ?? [])), .init("term", .text([String](repeating: "(Intercept)", count: k))),
            .init("sd", .double(s.map { [$0.sd] } ?? [])), .init("sd_se", .double(s.map { [$0.sdSE] } ?? [])),
            .init("corr", .double(s.map { [$0.correlation ?? .nan] } ?? [])), .init("corr_se", .double(s.map { [$0.correlationSE ?? .nan] } ?? [])),
            .init("nagq", .int(s.map { [Int64($0.nagq)] } ?? [])),
        ], notes: s.map { s in
            ["random scale effect: log sigma_ij = w_ij'eta + tau_\(s.group), tau ~ N(0, sd^2)" + (s.correlated ? ", correlated with the \(s.group) intercept of the mean model (MELS)" : ", independent of the mean model's effects"),
             "maximum likelihood, integrating tau by adaptive Gauss-Hermite quadrature with \(s.nagq) node\(s.nagq == 1 ? " (Laplace)" : "s") per \(s.group); REML is not defined for this model",
             "SEs from the inverse Hessian of -2 log L over every parameter; sd_se and corr_se by the delta method"]
        } ?? ["no random scale effect"])
    }

    /// Both questions per level of the scale's factor (a community's climate level and its
    /// consensus): `group, level, location, location_se, scale, scale_se, residual_sd,
    /// residual_sd_se` — the location intercept's BLUP, the scale effect τ's (log SD), and the
    /// residual SD at scale covariates 0, exp(η₀ + τ), each a posterior mean with its posterior SD.
    public var scaleBlups: ResultTable {
        let s = fit.scaleRandom
        return ResultTable(columns: [
            .init("group", .text([String](repeating: s?.group ?? "", count: s?.levels.count ?? 0))),
            .init("level", .text(s?.levels ?? [])),
            .init("location", .double(s?.location ?? [])), .init("location_se", .double(s?.locationSE ?? [])),
            .init("scale", .double(s?.scale ?? [])), .init("scale_se", .double(s?.scaleSE ?? [])),
            .init("residual_sd", .double(s?.residualSD ?? [])), .init("residual_sd_se", .double(s?.residualSDSE ?? [])),
        ], notes: s == nil ? ["no random scale effect"]
                           : ["empirical Bayes: posterior means and SDs given the estimates, by the fit's quadrature (as MIXREGLS)",
                              "a lower residual_sd is more consensus; residual_sd is at the scale formula's covariates = 0"])
    }

    /// The residual correlation structure: `structure, group, parameter, estimate, se` (`ar1`,
    /// `car1` or `cs`; nlme's parameter `phi` or `rho`); empty without one.
    public var correlation: ResultTable {
        let c = fit.correlation
        let k = c == nil ? 0 : 1
        return ResultTable(columns: [
            .init("structure", .text(c.map { [$0.structure.name] } ?? [])), .init("group", .text(c.map { [$0.structure.group] } ?? [])),
            .init("parameter", .text(c.map { [$0.structure.parameter] } ?? [])),
            .init("estimate", .double(c.map { [$0.estimate] } ?? [])), .init("se", .double(c.map { [$0.standardError] } ?? [])),
        ], notes: k == 0 ? ["no residual correlation structure"]
                         : ["\(c!.structure): se from the inverse Hessian of the criterion over all covariance parameters (delta method from nlme's unconstrained scale)"])
    }

    /// Type III F tests (`LMMFit.anova`): `term, num_df, den_df, f, p`.
    public func anova() throws -> ResultTable { try fit.anova(kenwardRoger: kenwardRoger) }

    /// `marginal, conditional` (`LMMFit.r2`), one row.
    public var r2: ResultTable {
        let r = fit.r2()
        return ResultTable(columns: [.init("marginal", .double([r.marginal])), .init("conditional", .double([r.conditional]))],
                           notes: r.notes)
    }

    /// Per row of the data (1-based `row`; NaN where the row was left out): `fitted, fitted_fixed,
    /// residual, residual_fixed, pearson` (conditional with the BLUPs, marginal without; lme4's
    /// Pearson residuals, √wᵢ times the conditional residual).
    public var fitted: ResultTable {
        let rows = fit.frame.rows.count + fit.frame.droppedRows
        return ResultTable(columns: [
            .init("row", .int((0..<rows).map { Int64($0 + 1) })),
            .init("fitted", .double(fit.alignedToData(fit.fittedValues(random: true)))),
            .init("fitted_fixed", .double(fit.alignedToData(fit.fittedValues(random: false)))),
            .init("residual", .double(fit.alignedToData(fit.residualValues(random: true)))),
            .init("residual_fixed", .double(fit.alignedToData(fit.residualValues(random: false)))),
            .init("pearson", .double(fit.alignedToData(fit.residualValues(pearson: true)))),
        ] + (fit.generalized == nil ? [] : [
            .init("linear_predictor", .double(fit.alignedToData(fit.linearPredictor(random: true)))),
            .init("linear_predictor_fixed", .double(fit.alignedToData(fit.linearPredictor(random: false)))),
        ]), notes: (fit.frame.droppedRows > 0 ? ["NaN on the \(fit.frame.droppedRows) rows left out of the model"] : [])
            + (fit.generalized.map { ["fitted values and residuals on the response scale (\($0.family == .binomial ? "probabilities" : "means")); linear_predictor on the \($0.link.rawValue) scale"] } ?? []))
    }

    /// Predictions for new data: `row` (1-based), `fit` (with the random effects; zero for
    /// levels the fit did not see) and `fit_fixed` (without).
    /// Without the random part's columns in `newdata`, `fit` is NaN and a note names them.
    public func predict(_ newdata: Dataset) throws -> ResultTable {
        let randomColumns = Set(fit.frame.formula.random.flatMap { $0.effects.columns + $0.grouping })
        let missing = randomColumns.filter { !newdata.columnNames.contains($0) }.sorted()
        var notes = ["random effects of levels the fit did not see are zero (lme4's allow.new.levels = TRUE)"]
        if !missing.isEmpty { notes.append(Self.noRandomPart + missing.joined(separator: ", ")) }
        return ResultTable(columns: [
            .init("row", .int((0..<newdata.rowCount).map { Int64($0 + 1) })),
            .init("fit", .double(missing.isEmpty ? try fit.predict(newdata, random: true)
                                                 : [Double](repeating: .nan, count: newdata.rowCount))),
            .init("fit_fixed", .double(try fit.predict(newdata, random: false))),
        ] + (fit.generalized == nil ? [] : [
            .init("link", .double(missing.isEmpty ? try fit.predictLink(newdata, random: true) : [Double](repeating: .nan, count: newdata.rowCount))),
            .init("link_fixed", .double(try fit.predictLink(newdata, random: false))),
        ]), notes: notes + (fit.generalized.map { ["fit and fit_fixed on the response scale (predict(type = \"response\")); link and link_fixed on the \($0.link.rawValue) scale (glmer's default type = \"link\")"] } ?? []))
    }

    /// The start of the note `predict` leaves when the new data lack the random part's columns.
    public static let noRandomPart = "fit (with random effects) needs the columns "

    /// Conditional modes (BLUPs): `group, level`, then one column per random effect of that factor
    /// (NaN where a factor lacks that effect).
    public var blups: ResultTable {
        var names: [String] = []
        for c in fit.components { for n in c.names where !names.contains(n) { names.append(n) } }
        var group: [String] = [], level: [String] = []
        var values = [[Double]](repeating: [], count: names.count)
        for c in fit.components {
            for (k, l) in c.levels.enumerated() {
                group.append(c.term.groupName); level.append(l)
                for (e, n) in names.enumerated() {
                    values[e].append(c.names.firstIndex(of: n).map { c.modes[k][$0] } ?? .nan)
                }
            }
        }
        return ResultTable(columns: [.init("group", .text(group)), .init("level", .text(level))]
                           + names.enumerated().map { .init($0.element, .double(values[$0.offset])) })
    }
}
