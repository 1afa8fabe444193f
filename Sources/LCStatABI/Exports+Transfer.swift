import CLCStat
import LCCore

/// A fitted transfer model handed to C.
final class FitHandle: Handle, @unchecked Sendable {
    let result: TransferResult
    init(_ r: TransferResult) { result = r; super.init(kind: .fit) }
}

/// Fits a linear mixed model given as an lme4 formula (REML when reml != 0, else ML).
/// Free the result with lc_fit_free.
@c(lc_transfer)
public func lcTransfer(_ dataset: UnsafeRawPointer?, _ formula: UnsafePointer<CChar>?, _ reml: Int32,
                       _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                       _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let d = try Handles.lookup(dataset, as: DatasetHandle.self, .dataset, what: "dataset")
        let text = try string(formula, "formula")
        return FitHandle(try Transfer.run(d.dataset, formula: text, reml: reml != 0))
    }
}

/// As lc_transfer, with a residual variance function: "exp(COLUMN)" (SD σ·exp(δ·v),
/// nlme's varExp) or "ident(COLUMN)" (one SD ratio per level, nlme's varIdent);
/// NULL or "" for none. Its estimates are the fit's "variance" table.
@c(lc_transfer_with_variance)
public func lcTransferWithVariance(_ dataset: UnsafeRawPointer?, _ formula: UnsafePointer<CChar>?,
                                   _ variance: UnsafePointer<CChar>?, _ reml: Int32,
                                   _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                   _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let d = try Handles.lookup(dataset, as: DatasetHandle.self, .dataset, what: "dataset")
        let text = try string(formula, "formula")
        let function = try variance.map { try string($0, "variance") }.flatMap { $0.isEmpty ? nil : try VarianceFunction(parsing: $0) }
        return FitHandle(try Transfer.run(d.dataset, formula: text, reml: reml != 0, variance: function))
    }
}

/// One table of a fit: "fixed" (term, estimate, se, df, t, p, ci_low, ci_high),
/// "random" (group, term, sd, corr), "fit" (loglik, aic, bic, deviance, nobs, reml,
/// converged, singular, evaluations, dropped_rows, groups_<factor>...) or
/// "blups" (group, level, one column per random effect), "icc" (group, icc: each
/// factor's share of the variance from the random intercepts) or "variance"
/// (function, covariate, parameter, estimate, se). Free it with lc_table_free.
@c(lc_fit_table)
public func lcFitTable(_ fit: UnsafeRawPointer?, _ which: UnsafePointer<CChar>?,
                       _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                       _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let f = try Handles.lookup(fit, as: FitHandle.self, .fit, what: "fit")
        let name = try string(which, "which")
        let table: ResultTable
        switch name {
        case "fixed": table = f.result.fixed
        case "random": table = f.result.random
        case "fit": table = f.result.summary
        case "blups": table = f.result.blups
        case "icc": table = f.result.icc
        case "variance": table = f.result.variance
        default: throw LCError(.invalidArgument, "unknown table '\(name)'; use fixed, random, fit, blups, icc or variance")
        }
        return TableHandle(table)
    }
}

/// Likelihood-ratio test of two nested fits of the same rows (REML fits with different
/// fixed effects are refitted by ML, as lme4's anova does). Columns: model, npar, aic,
/// bic, loglik, deviance, chisq, df, p.
@c(lc_fit_compare)
public func lcFitCompare(_ a: UnsafeRawPointer?, _ b: UnsafeRawPointer?,
                         _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                         _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let x = try Handles.lookup(a, as: FitHandle.self, .fit, what: "fit")
        let y = try Handles.lookup(b, as: FitHandle.self, .fit, what: "fit")
        return TableHandle(try Transfer.compare(x.result.fit, y.result.fit))
    }
}

/// Releases a fit (NULL and already-freed handles are ignored).
@c(lc_fit_free)
public func lcFitFree(_ fit: UnsafeMutableRawPointer?) { Handles.free(fit, .fit) }

/// The consensus emergence model (Lang, Bliese & de Voogt 2018): value ~ time +
/// (1 + time | group) + (1 | group:person), with and without residual SD σ·exp(δ·time).
/// One row per distinct time: time, residual_sd, delta, se, ci_low, ci_high, sigma,
/// loglik_null, loglik, lr, df, p_two_sided, p_one_sided, converged, singular. Needs
/// one group column and the options person, time, value; "reml" ("true" by default).
@c(lc_emergence)
public func lcEmergence(_ dataset: UnsafeRawPointer?, _ spec: UnsafeRawPointer?,
                        _ out: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                        _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    analyse(dataset, spec, out, error) { d, s in
        guard s.group.count == 1, let person = s.person, let time = s.time, let value = s.value else {
            throw LCError(.invalidArgument, "emergence needs one group column and the spec options person, time and value")
        }
        let spec = EmergenceSpec(group: s.group[0], person: person, time: time, value: value, reml: s.reml)
        return try Emergence.run(d, spec).table
    }
}
