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

    @Option(help: "Output format: table (an lme4-like summary) or json.")
    var format: TransferFormat = .table

    @Option(help: "Cell texts that mean missing, comma-separated (default: empty and NA).")
    var na: String?

    @OptionGroup var out: OutputOptions

    func run() throws {
        try runReporting {
            let parsed = try Formula(parsing: formula)
            let function = try variance.map(VarianceFunction.init(parsing:))
            let data = try CSVReader.read(path: file, options: InputOptions.csvOptions(
                columns: parsed.columns + (function.map { [$0.covariate] } ?? []), na: na))
            let result = try Transfer.run(data, formula: formula, reml: !ml, variance: function)
            let text = format == .json ? TransferFormatter.json(result) : TransferFormatter.text(result)
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

    static func json(_ r: TransferResult) -> String {
        let fit = r.fit
        let fixed = fit.frame.xNames.indices.map { k in
            "{\"term\": \(TableFormatter.jsonString(fit.frame.xNames[k])), \"estimate\": \(number(fit.beta[k])), "
                + "\"se\": \(number(fit.standardErrors[k])), \"df\": \(number(fit.df[k])), \"t\": \(number(fit.tValues[k])), "
                + "\"p\": \(number(fit.pValues[k]))}"
        }
        let t = r.random
        guard let groups = t.texts("group"), let terms = t.texts("term"),
              let sds = t.doubles("sd"), let corrs = t.doubles("corr") else { return "{}\n" }
        let random = groups.indices.map { k -> String in
            let head = "{\"group\": \(TableFormatter.jsonString(groups[k])), \"term\": \(TableFormatter.jsonString(terms[k])), "
            return head + (sds[k].isNaN ? "\"corr\": \(number(corrs[k]))}" : "\"sd\": \(number(sds[k]))}")
        }
        let groupCounts = fit.components.map { "\(TableFormatter.jsonString($0.term.groupName)): \($0.levels.count)" }
        let fitObject = "{\"loglik\": \(number(fit.logLik)), \"aic\": \(number(fit.aic)), \"bic\": \(number(fit.bic)), "
            + "\"deviance\": \(number(fit.criterion)), \"nobs\": \(fit.frame.n), \"reml\": \(fit.reml), "
            + "\"converged\": \(fit.converged), \"singular\": \(fit.singular), \"groups\": {\(groupCounts.joined(separator: ", "))}}"
        let iccTable = r.icc
        var iccRows: [String] = []
        if let g = iccTable.texts("group"), let v = iccTable.doubles("icc") {
            iccRows = g.indices.map { "{\"group\": \(TableFormatter.jsonString(g[$0])), \"icc\": \(number(v[$0]))}" }
        }
        var variance = ""
        if let v = fit.variance {
            let rows = v.parameters.indices.map { k in
                "{\"function\": \(TableFormatter.jsonString(v.function.name)), \"covariate\": \(TableFormatter.jsonString(v.function.covariate)), "
                    + "\"parameter\": \(TableFormatter.jsonString(v.parameters[k])), \"estimate\": \(number(v.estimates[k])), "
                    + "\"se\": \(number(v.standardErrors[k]))}"
            }
            variance = ",\n  \"variance\": [" + rows.joined(separator: ", ") + "]"
        }
        return "{\n  \"fixed\": [\n    " + fixed.joined(separator: ",\n    ") + "\n  ],\n  \"random\": [\n    "
            + random.joined(separator: ",\n    ") + "\n  ],\n  \"fit\": " + fitObject
            + ",\n  \"icc\": [" + iccRows.joined(separator: ", ") + "]" + variance + "\n}\n"
    }

    static func text(_ r: TransferResult) -> String {
        let fit = r.fit
        var out = "Linear mixed model fit by \(fit.reml ? "REML" : "maximum likelihood") (Satterthwaite df)\n"
        out += "Formula: \(fit.frame.formula)\n\n"
        out += "     AIC      BIC   logLik  \(fit.reml ? "REMLcrit" : "deviance")\n"
        out += [fit.aic, fit.bic, fit.logLik, fit.criterion].map { TableFormatter.fixed($0, 1) }.joined(separator: "  ") + "\n\n"
        out += "Random effects:\n" + TableFormatter.text(r.random) + "\n"
        out += "Number of obs: \(fit.frame.n), groups: "
            + fit.components.map { "\($0.term.groupName), \($0.levels.count)" }.joined(separator: "; ") + "\n\n"
        out += "Fixed effects:\n" + TableFormatter.text(r.fixed)
        if fit.frame.xNames == ["(Intercept)"] { out += "\nIntraclass correlations:\n" + TableFormatter.text(r.icc) }
        if fit.variance != nil { out += "\nResidual variance function:\n" + TableFormatter.text(r.variance) }
        for n in r.summary.notes { out += "# " + n + "\n" }
        return out
    }
}
