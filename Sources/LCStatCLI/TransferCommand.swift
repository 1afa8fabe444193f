import ArgumentParser
import LCCore

struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Fit a linear mixed model (lme4 formula syntax): sessions in persons in communities.")

    @Argument(help: "CSV file with a header row.")
    var file: String

    @Option(help: "Model formula, e.g. \"sharing ~ session + within(support, person) + (1 + session | person) + (1 | community)\".")
    var formula: String

    @Flag(help: "Fit by maximum likelihood instead of REML.")
    var ml = false

    @Option(help: "Residual variance function: exp(COLUMN) (SD sigma*exp(delta*v), nlme's varExp) or ident(COLUMN) (varIdent).")
    var variance: String?

    @Option(help: "Location-scale model: a formula for log sigma, e.g. \"~ session * diversity\" (glmmTMB's dispformula, whose coefficients are twice these).")
    var scale: String?

    @Option(parsing: .unconditional, help: "Adaptive Gauss-Hermite nodes per level (1: Laplace): for a random scale effect, (1 | GROUP) in --scale (default 11), or a --family model with one scalar random effect (default 1, glmer's nAGQ).")
    var nagq: Int?

    @Option(help: "Response distribution of a generalized linear mixed model (glmer): binomial (0/1, a two-level factor, or cbind(successes, failures)), poisson, or nbinom2 (negative binomial, Var = mu + mu^2/k, as glmmTMB's).")
    var family: String?

    @Option(help: "Link of --family: logit (default), probit or cloglog for binomial; log for poisson and nbinom2.")
    var link: String?

    @Option(help: "Residual correlation within groups: ar1(OCCASION | GROUP) (nlme's corAR1), car1(TIME | GROUP) (corCAR1) or cs(| GROUP) (corCompSymm).")
    var correlation: String?

    @Option(help: "Column of prior weights (lme4's weights =: residual variance sigma^2/w).")
    var weights: String?

    @Option(parsing: .singleValue,
            help: "Contrasts of a fixed-effect factor, VARIABLE=KIND with KIND treatment, sum, helmert or poly (repeatable, or comma-separated).")
    var contrasts: [String] = []

    @Option(help: "Denominator df of t and F tests: satterthwaite or kenward-roger.")
    var ddf: String = "satterthwaite"

    @Option(help: "Add intervals of every parameter to the JSON: wald, profile or bootstrap.")
    var confint: String?

    @Option(parsing: .unconditional, help: "Confidence level of --confint.")
    var level: Double = 0.95

    @Option(parsing: .unconditional, help: "Simulations of --confint bootstrap.")
    var nsim: Int = 1000

    @Option(parsing: .unconditional, help: "Seed of --confint bootstrap.")
    var seed: UInt64 = 1

    @Option(help: "Write predictions for the rows of this CSV file (row,fit,fit_fixed) instead of the fit.")
    var predict: String?

    @Option(help: "Output format: table (an lme4-like summary) or json.")
    var format: TransferFormat = .table

    @OptionGroup var reading: ReadOptions

    @OptionGroup var out: OutputOptions

    func run() throws {
        try runReporting {
            var spec = try TransferSpec(parsing: formula, reml: !ml, variance: try variance.map(VarianceFunction.init(parsing:)))
            spec.options.weights = weights
            spec.correlation = try correlation.map(CorrelationStructure.init(parsing:))
            spec.options.scale = try scale.map(ScaleFormula.init(parsing:))
            spec.options.nagq = nagq
            if let family {
                let f = try Family(named: family)
                spec.options.family = f
                spec.options.link = try link.map { try Link(named: $0, family: f) }
            } else if link != nil {
                throw LCError(.invalidArgument, "--link needs --family (binomial, poisson or nbinom2)")
            }
            for entry in contrasts.flatMap({ $0.split(separator: ",") }) {
                let parts = entry.split(separator: "=", maxSplits: 1).map { String($0.filter { $0 != " " }) }
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw LCError(.invalidArgument, "--contrasts takes VARIABLE=KIND (e.g. condition=sum), not '\(entry)'")
                }
                spec.options.contrasts[parts[0]] = try ContrastKind(parsing: parts[1])
            }
            guard let method = DegreesOfFreedomMethod(rawValue: ddf) else {
                throw LCError(.invalidArgument, "--ddf must be satterthwaite or kenward-roger, not '\(ddf)'")
            }
            spec.ddf = method
            let intervals = try confint.map { name -> IntervalMethod in
                guard let m = IntervalMethod(rawValue: name) else {
                    throw LCError(.invalidArgument, "--confint must be wald, profile or bootstrap, not '\(name)'")
                }
                return m
            }
            let data = try reading.read(file, columns: spec.columns.map(\.name))
            let result = try Transfer.run(data, spec)
            if let predict {
                let newdata = try reading.read(predict, columns: spec.formula.predictorColumns)
                let table = try result.predict(newdata)
                try out.emit(inputs: [file, predict]) { write in TableFormatter.csv(table, to: write) }
                return
            }
            let confintTable = try intervals.map { try result.fit.confint(method: $0, level: level, simulations: nsim, seed: seed) }
            let text = format == .json ? try TransferFormatter.json(result, confint: confintTable)
                                       : try TransferFormatter.text(result, confint: confintTable)
            try out.emit(inputs: [file]) { $0(text) }
        }
    }
}

enum TransferFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

/// The transfer model's output: JSON with the documented keys, or an lme4-like summary.
enum TransferFormatter {
    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        return String(d)
    }

    static func json(_ r: TransferResult, confint: ResultTable? = nil) throws -> String {
        let fit = r.fit
        // the tables as the C ABI and Python have them, through the one JSON serializer
        let fixed = TableFormatter.jsonObjects(r.fixed)
        let t = r.random
        guard let groups = t.texts("group"), let terms = t.texts("term"),
              let sds = t.doubles("sd"), let corrs = t.doubles("corr") else { return "{}\n" }
        // (a random row has its sd or, for a correlation, its corr: lme4's VarCorr layout)
        let random = groups.indices.map { k -> String in
            let head = "{\"group\": \(TableFormatter.jsonString(groups[k])), \"term\": \(TableFormatter.jsonString(terms[k])), "
            return head + (sds[k].isNaN ? "\"corr\": \(number(corrs[k]))}" : "\"sd\": \(number(sds[k]))}")
        }
        let groupCounts = fit.components.map { "\(TableFormatter.jsonString($0.term.groupName)): \($0.levels.count)" }
        let r2 = fit.r2()
        let fitObject = "{\"loglik\": \(number(fit.logLik)), \"aic\": \(number(fit.aic)), \"bic\": \(number(fit.bic)), "
            + "\"deviance\": \(number(fit.criterion)), \"nobs\": \(fit.frame.n), \"reml\": \(fit.reml), "
            + "\"converged\": \(fit.converged), \"singular\": \(fit.singular), \"groups\": {\(groupCounts.joined(separator: ", "))}, "
            + "\"r2_marginal\": \(number(r2.marginal)), \"r2_conditional\": \(number(r2.conditional)), "
            + "\"evaluations\": \(fit.evaluations), \"dropped_rows\": \(fit.frame.droppedRows)"
            + (fit.scaleRandom.map { ", \"nagq\": \($0.nagq)" } ?? "")
            + (fit.generalized.map { ", \"family\": \"\($0.family.rawValue)\", \"link\": \"\($0.link.rawValue)\", \"nagq\": \($0.nagq)" } ?? "")
            + (fit.generalized?.dispersion.map { ", \"dispersion\": \(number($0)), \"log_dispersion_se\": \(number(fit.generalized?.logDispersionSE ?? .nan))" } ?? "") + "}"
        let iccRows = TableFormatter.jsonObjects(r.icc)
        let variance = fit.variance == nil ? "" : ",\n  \"variance\": [" + TableFormatter.jsonObjects(r.variance).joined(separator: ", ") + "]"
        let scale = fit.scale == nil ? "" : ",\n  \"scale\": [" + TableFormatter.jsonObjects(r.scale).joined(separator: ", ") + "]"
        let correlation = fit.correlation == nil ? "" : ",\n  \"correlation\": [" + TableFormatter.jsonObjects(r.correlation).joined(separator: ", ") + "]"
        let scaleRandom = fit.scaleRandom == nil ? "" : ",\n  \"scale_random\": [" + TableFormatter.jsonObjects(r.scaleRandom).joined(separator: ", ") + "]"
            + ",\n  \"scale_blups\": [\n    " + TableFormatter.jsonObjects(r.scaleBlups).joined(separator: ",\n    ") + "\n  ]"
        let anova = ",\n  \"anova\": [" + TableFormatter.jsonObjects(try r.anova()).joined(separator: ", ") + "]"
        let intervals = confint.map { ",\n  \"confint\": [\n    " + TableFormatter.jsonObjects($0).joined(separator: ",\n    ") + "\n  ]" } ?? ""
        return "{\n  \"fixed\": [\n    " + fixed.joined(separator: ",\n    ") + "\n  ],\n  \"random\": [\n    "
            + random.joined(separator: ",\n    ") + "\n  ],\n  \"fit\": " + fitObject
            + ",\n  \"icc\": [" + iccRows.joined(separator: ", ") + "]" + variance + scale + correlation + scaleRandom + anova + intervals
            + ",\n  \"notes\": [" + r.summary.notes.map(TableFormatter.jsonString).joined(separator: ", ") + "]\n}\n"
    }

    static func text(_ r: TransferResult, confint: ResultTable? = nil) throws -> String {
        let fit = r.fit
        let tests = fit.waldTests ? "Wald z" : r.kenwardRogerUsed ? "Kenward-Roger df" : "Satterthwaite df"
        var out: String
        if let g = fit.generalized {
            out = "Generalized linear mixed model fit by maximum likelihood (\(g.nagq == 1 ? "Laplace Approximation" : "Adaptive Gauss-Hermite Quadrature, nAGQ = \(g.nagq)"); \(tests))\n"
            out += " Family: \(g.family.rawValue)  ( \(g.link.rawValue) )\n"
        } else {
            out = "Linear mixed model fit by \(fit.reml ? "REML" : "maximum likelihood") (\(tests))\n"
        }
        out += "Formula: \(fit.frame.formula)\n\n"
        out += "     AIC      BIC   logLik  \(fit.reml ? "REMLcrit" : "deviance")\n"
        out += [fit.aic, fit.bic, fit.logLik, fit.criterion].map { TableFormatter.fixed($0, 1) }.joined(separator: "  ") + "\n\n"
        out += "Random effects:\n" + TableFormatter.text(r.random) + "\n"
        out += "Number of obs: \(fit.frame.n), groups: "
            + fit.components.map { "\($0.term.groupName), \($0.levels.count)" }.joined(separator: "; ") + "\n\n"
        if let g = fit.generalized, let k = g.dispersion {
            out += "Dispersion parameter for \(g.family.rawValue) family (): \(TableFormatter.fixed(k, 4)) (SE of its log \(TableFormatter.fixed(g.logDispersionSE ?? .nan, 4)))\n\n"
        }
        out += "Fixed effects:\n" + TableFormatter.text(r.fixed)
        if fit.frame.xNames == ["(Intercept)"] { out += "\nIntraclass correlations:\n" + TableFormatter.text(r.icc) }
        if fit.variance != nil { out += "\nResidual variance function:\n" + TableFormatter.text(r.variance) }
        if fit.scale != nil { out += "\nScale model (log residual SD):\n" + TableFormatter.text(r.scale) }
        if fit.correlation != nil { out += "\nResidual correlation:\n" + TableFormatter.text(r.correlation) }
        if fit.scaleRandom != nil {
            out += "\nRandom scale effect:\n" + TableFormatter.text(r.scaleRandom)
            out += "\nLevel and consensus per \(fit.scaleRandom!.group) (posterior means and SDs):\n" + TableFormatter.text(r.scaleBlups)
        }
        let anova = try r.anova()
        let testsHeading = fit.waldTests ? "Type III Wald tests (den_df Inf: F times num_df is chi-squared)" : "Type III F tests"
        if anova.rowCount > 0 { out += "\n\(testsHeading):\n" + TableFormatter.text(anova) }
        let r2 = fit.r2()
        out += "\nR2 marginal \(TableFormatter.fixed(r2.marginal, 4)), conditional \(TableFormatter.fixed(r2.conditional, 4))\n"
        if let confint { out += "\nConfidence intervals:\n" + TableFormatter.text(confint) }
        for n in r.summary.notes { out += "# " + n + "\n" }
        return out
    }
}
