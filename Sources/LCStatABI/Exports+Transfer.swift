import CLCStat
import LCCore

/// Fits a linear mixed model given as an lme4 formula (REML when reml != 0, else ML).
/// Free the result with lc_fit_free.
@c(lc_transfer)
public func lcTransfer(_ dataset: UnsafePointer<lc_dataset>?, _ formula: UnsafePointer<CChar>?, _ reml: Int32,
                       _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_fit>?>?,
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
public func lcTransferWithVariance(_ dataset: UnsafePointer<lc_dataset>?, _ formula: UnsafePointer<CChar>?,
                                   _ variance: UnsafePointer<CChar>?, _ reml: Int32,
                                   _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_fit>?>?,
                                   _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let d = try Handles.lookup(dataset, as: DatasetHandle.self, .dataset, what: "dataset")
        let text = try string(formula, "formula")
        let function = try variance.map { try string($0, "variance") }.flatMap { $0.isEmpty ? nil : try VarianceFunction(parsing: $0) }
        return FitHandle(try Transfer.run(d.dataset, formula: text, reml: reml != 0, variance: function))
    }
}

/// Fills `options` with the defaults (REML, no variance function or weights, R's default
/// contrasts, Satterthwaite df) and sets `struct_size`.
@c(lc_transfer_options_init)
public func lcTransferOptionsInit(_ options: UnsafeMutablePointer<lc_transfer_options>?) -> Int32 {
    guarded(nil) {
        guard let options else { throw LCError(.invalidArgument, "options is NULL") }
        options.pointee = lc_transfer_options(struct_size: UInt32(MemoryLayout<lc_transfer_options>.size), reml: 1, variance: nil,
                                              weights: nil, contrast_names: nil, contrast_kinds: nil, n_contrasts: 0,
                                              ddf: LC_DDF_SATTERTHWAITE, correlation: nil, scale: nil, nagq: 0,
                                              family: nil, link: nil)
    }
}

/// The spec of a C formula and options (NULL for the defaults).
private func transferSpec(_ formula: UnsafePointer<CChar>?, _ options: UnsafePointer<lc_transfer_options>?) throws -> TransferSpec {
    var spec = try TransferSpec(parsing: try string(formula, "formula"))
    guard let o = options?.pointee else { return spec }
    // the layouts before `correlation` (and `scale`), before `nagq` and before `family` (and `link`)
    // were added are read without them
    let full = MemoryLayout<lc_transfer_options>.size
    let beforeCorrelation = MemoryLayout<lc_transfer_options>.offset(of: \.correlation) ?? full
    let beforeNagq = MemoryLayout<lc_transfer_options>.offset(of: \.nagq) ?? full
    let beforeFamily = MemoryLayout<lc_transfer_options>.offset(of: \.family) ?? full
    guard [full, beforeCorrelation, beforeNagq, beforeFamily].contains(Int(o.struct_size)) else {
        throw LCError(.invalidArgument,
            "lc_transfer_options.struct_size is \(o.struct_size), expected \(full): call lc_transfer_options_init")
    }
    if Int(o.struct_size) > beforeNagq {
        guard o.nagq >= 0 else { throw LCError(.invalidArgument, "nagq is \(o.nagq); 0 (the model's default) or 1 to 25") }
        spec.options.nagq = o.nagq == 0 ? nil : Int(o.nagq)
    }
    if o.struct_size == UInt32(full), let name = try o.family.map({ try string($0, "family") }), !name.isEmpty {
        let family = try Family(named: name)
        spec.options.family = family
        spec.options.link = try o.link.map { try string($0, "link") }.flatMap { $0.isEmpty ? nil : try Link(named: $0, family: family) }
    } else if o.struct_size == UInt32(full), let link = o.link, !(try string(link, "link")).isEmpty {
        throw LCError(.invalidArgument, "link needs family (binomial, poisson or nbinom2)")
    }
    if Int(o.struct_size) >= beforeNagq {
        spec.correlation = try o.correlation.map { try string($0, "correlation") }.flatMap { $0.isEmpty ? nil : try CorrelationStructure(parsing: $0) }
        spec.options.scale = try o.scale.map { try string($0, "scale") }.flatMap { $0.isEmpty ? nil : try ScaleFormula(parsing: $0) }
    }
    spec.reml = o.reml != 0
    spec.variance = try o.variance.map { try string($0, "variance") }.flatMap { $0.isEmpty ? nil : try VarianceFunction(parsing: $0) }
    spec.options.weights = try o.weights.map { try string($0, "weights") }.flatMap { $0.isEmpty ? nil : $0 }
    let names = try strings(o.contrast_names, o.n_contrasts, "contrast_names")
    let kinds = try strings(o.contrast_kinds, o.n_contrasts, "contrast_kinds")
    for (name, kind) in zip(names, kinds) { spec.options.contrasts[name] = try ContrastKind(parsing: kind) }
    switch o.ddf {
    case LC_DDF_SATTERTHWAITE: spec.ddf = .satterthwaite
    case LC_DDF_KENWARD_ROGER: spec.ddf = .kenwardRoger
    default: throw LCError(.invalidArgument, "ddf must be LC_DDF_SATTERTHWAITE or LC_DDF_KENWARD_ROGER, not \(o.ddf)")
    }
    return spec
}

/// Fits a linear mixed model given as an lme4 formula, with the options in `options`
/// (NULL for the defaults; see lc_transfer_options). Free the result with lc_fit_free.
@c(lc_transfer_fit)
public func lcTransferFit(_ dataset: UnsafePointer<lc_dataset>?, _ formula: UnsafePointer<CChar>?,
                          _ options: UnsafePointer<lc_transfer_options>?,
                          _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_fit>?>?,
                          _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let d = try Handles.lookup(dataset, as: DatasetHandle.self, .dataset, what: "dataset")
        return FitHandle(try Transfer.run(d.dataset, try transferSpec(formula, options)))
    }
}

/// The columns lc_transfer_fit would read for `formula` and `options` (NULL for the
/// defaults), without data: one row per column, in order, with its role. Columns: column,
/// role ("predictor": fixed or random effects or a grouping factor, what lc_fit_predict's
/// new data needs; "response"; "variance": the variance covariate or the correlation's
/// occasion and group; "weights"). A frontend reads only these.
@c(lc_transfer_columns)
public func lcTransferColumns(_ formula: UnsafePointer<CChar>?, _ options: UnsafePointer<lc_transfer_options>?,
                              _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                              _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {                    // not trivial: parsing a deep formula needs the library's own stack
        let columns = try transferSpec(formula, options).columns
        return TableHandle(ResultTable(columns: [.init("column", .text(columns.map(\.name))),
                                                 .init("role", .text(columns.map(\.role.rawValue)))]))
    }
}

/// Intervals of every parameter of a fit: method "wald", "profile" or "bootstrap" (with
/// nsim simulations from seed), at level (e.g. 0.95). Columns: parameter (sd, corr, sigma,
/// fixed), group, term, estimate, low, high. Free it with lc_table_free.
@c(lc_fit_confint)
public func lcFitConfint(_ fit: UnsafePointer<lc_fit>?, _ method: UnsafePointer<CChar>?, _ level: Double, _ nsim: Int64,
                         _ seed: UInt64, _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                         _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let f = try Handles.lookup(fit, as: FitHandle.self, .fit, what: "fit")
        let name = try string(method, "method")
        guard let m = IntervalMethod(rawValue: name) else {
            throw LCError(.invalidArgument, "unknown interval method '\(name)'; use wald, profile or bootstrap")
        }
        return TableHandle(try f.result.fit.confint(method: m, level: level, simulations: Int(clamping: nsim), seed: seed))
    }
}

/// Predictions of a fit for the rows of `newdata`: row (1-based), fit (with the random
/// effects, zero for unseen levels), fit_fixed (without). Free it with lc_table_free.
@c(lc_fit_predict)
public func lcFitPredict(_ fit: UnsafePointer<lc_fit>?, _ newdata: UnsafePointer<lc_dataset>?,
                         _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                         _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let f = try Handles.lookup(fit, as: FitHandle.self, .fit, what: "fit")
        let d = try Handles.lookup(newdata, as: DatasetHandle.self, .dataset, what: "newdata")
        return TableHandle(try f.result.predict(d.dataset))
    }
}

/// Likelihood-ratio test of two nested fits of the same rows, as lme4's anova: with refit
/// != 0 (lme4's default) REML fits are refitted by ML; with 0 only REML fits whose fixed
/// effects differ. Columns: model, npar, aic, bic, loglik, deviance, chisq, df, p.
@c(lc_fit_compare_refit)
public func lcFitCompareRefit(_ a: UnsafePointer<lc_fit>?, _ b: UnsafePointer<lc_fit>?, _ refit: Int32,
                              _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                              _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let x = try Handles.lookup(a, as: FitHandle.self, .fit, what: "fit")
        let y = try Handles.lookup(b, as: FitHandle.self, .fit, what: "fit")
        return TableHandle(try Transfer.compare(x.result.fit, y.result.fit, refit: refit != 0))
    }
}

/// One table of a fit: "fixed" (term, estimate, se, df, t, p, ci_low, ci_high),
/// "random" (group, term, sd, corr), "fit" (loglik, aic, bic, deviance, nobs, reml,
/// converged, singular, evaluations, dropped_rows, groups_<factor>...) or
/// "blups" (group, level, one column per random effect), "icc" (group, icc: each
/// factor's share of the variance from the random intercepts), "variance"
/// (function, covariate, parameter, estimate, se), "anova" (term, num_df, den_df, f, p:
/// type III F tests), "ranef" (group, level, term, value, se: conditional modes and SDs),
/// "correlation" (structure, group, parameter, estimate, se: the residual correlation),
/// "scale" (term, estimate, se, z, p: the scale formula's effects on log sigma),
/// "scale_random" (group, term, sd, sd_se, corr, corr_se, nagq: a random scale effect),
/// "scale_blups" (group, level, location, location_se, scale, scale_se, residual_sd,
/// residual_sd_se: each level's climate level and consensus under a random scale effect),
/// "r2" (marginal, conditional) or "fitted" (row, fitted, fitted_fixed, residual,
/// residual_fixed, pearson, per data row). Free it with lc_table_free.
@c(lc_fit_table)
public func lcFitTable(_ fit: UnsafePointer<lc_fit>?, _ which: UnsafePointer<CChar>?,
                       _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
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
        case "correlation": table = f.result.correlation
        case "scale_random": table = f.result.scaleRandom
        case "scale_blups": table = f.result.scaleBlups
        case "scale": table = f.result.scale
        case "anova": table = try f.result.anova()
        case "ranef": table = f.result.fit.ranef
        case "r2": table = f.result.r2
        case "fitted": table = f.result.fitted
        default: throw LCError(.invalidArgument, "unknown table '\(name)'; use fixed, random, fit, blups, icc, variance, scale, correlation, scale_random, scale_blups, anova, ranef, r2 or fitted")
        }
        return TableHandle(table)
    }
}

/// Likelihood-ratio test of two nested fits of the same rows (REML fits with different
/// fixed effects are refitted by ML, as lme4's anova does). Columns: model, npar, aic,
/// bic, loglik, deviance, chisq, df, p.
@c(lc_fit_compare)
public func lcFitCompare(_ a: UnsafePointer<lc_fit>?, _ b: UnsafePointer<lc_fit>?,
                         _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                         _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let x = try Handles.lookup(a, as: FitHandle.self, .fit, what: "fit")
        let y = try Handles.lookup(b, as: FitHandle.self, .fit, what: "fit")
        return TableHandle(try Transfer.compare(x.result.fit, y.result.fit))
    }
}

/// Releases a fit (NULL and already-freed handles are ignored).
@c(lc_fit_free)
public func lcFitFree(_ fit: UnsafeMutablePointer<lc_fit>?) { Handles.free(fit, .fit) }
