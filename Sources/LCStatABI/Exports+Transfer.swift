import CLCStat
import LCCore

/// A fitted transfer model handed to C.
final class FitHandle: Handle {
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

/// One table of a fit: "fixed" (term, estimate, se, df, t, p, ci_low, ci_high),
/// "random" (group, term, sd, corr), "fit" (loglik, aic, bic, deviance, nobs, reml,
/// converged, singular, evaluations, dropped_rows, groups_<factor>...) or
/// "blups" (group, level, one column per random effect) or "icc" (group, icc: each
/// factor's share of the variance from the random intercepts). Free it with lc_table_free.
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
        default: throw LCError(.invalidArgument, "unknown table '\(name)'; use fixed, random, fit, blups or icc")
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
