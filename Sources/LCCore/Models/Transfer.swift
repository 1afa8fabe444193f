/// What a transfer model is: its formula (parsed once, here) and the options of the fit.
public struct TransferSpec: Sendable {
    public var formula: Formula
    public var reml: Bool
    public var variance: VarianceFunction?
    /// The residual correlation within groups (nlme's `correlation =`).
    public var correlation: CorrelationStructure?
    public var options: ModelOptions
    public var ddf: DegreesOfFreedomMethod

    public init(formula: Formula, reml: Bool = true, variance: VarianceFunction? = nil, options: ModelOptions = ModelOptions(),
                ddf: DegreesOfFreedomMethod = .satterthwaite) {
        (self.formula, self.reml, self.variance, self.options, self.ddf) = (formula, reml, variance, options, ddf)
    }

    /// The spec of the formula written as `text` (lme4 syntax).
    public init(parsing text: String, reml: Bool = true, variance: VarianceFunction? = nil) throws {
        self.init(formula: try Formula(parsing: text), reml: reml, variance: variance)
    }

    /// The role of a column in a fit.
    public enum ColumnRole: String, Sendable {
        /// Read by the response (left of `~`).
        case response
        /// Read by the fixed or random effects or a grouping factor: what new data for predictions needs.
        case predictor
        /// The covariate of the residual variance function, a variable of the scale formula, or the
        /// occasion or group of the correlation structure.
        case variance
        /// The prior weights.
        case weights
    }

    /// Every column the fit reads, once each, with its role (the first that applies:
    /// predictor, response, variance, weights). Frontends read only these columns.
    public var columns: [(name: String, role: ColumnRole)] {
        var seen = Set<String>()
        let all = formula.predictorColumns.map { ($0, ColumnRole.predictor) } + formula.response.columns.map { ($0, .response) }
            + ([variance?.covariate].compactMap { $0 } + (options.scale?.columns ?? []) + (correlation?.columns ?? [])).map { ($0, .variance) } + [options.weights].compactMap { $0 }.map { ($0, .weights) }
        return all.filter { seen.insert($0.0).inserted }.map { (name: $0.0, role: $0.1) }
    }
}

/// How the denominator df of t and F tests are computed.
public enum DegreesOfFreedomMethod: String, Sendable, CaseIterable {
    /// lmerTest's Satterthwaite approximation.
    case satterthwaite
    /// Kenward & Roger (1997), pbkrtest.
    case kenwardRoger = "kenward-roger"
}

/// Fits a transfer model from a dataset and a formula: the pipeline parse → frame → fit.
public enum Transfer {
    public static func run(_ data: Dataset, _ spec: TransferSpec) throws -> TransferResult {
        let frame = try ModelFrame(spec.formula, data: data, options: spec.options)
        let fit = try LinearMixedModel.fit(frame, reml: spec.reml, variance: spec.variance, correlation: spec.correlation, data: data)
        return try TransferResult(fit, ddf: spec.ddf)
    }

    public static func run(_ data: Dataset, formula: String, reml: Bool = true, variance: VarianceFunction? = nil) throws -> TransferResult {
        try run(data, TransferSpec(parsing: formula, reml: reml, variance: variance))
    }

    /// Likelihood-ratio test of two nested fits of the same rows, as lme4's `anova`: with
    /// `refit` (lme4's default) REML fits are refitted by ML first; without it, only REML fits
    /// whose fixed effects differ are (their REML criteria are not comparable).
    /// Columns: `model, npar, aic, bic, loglik, deviance, chisq, df, p`.
    public static func compare(_ a: LMMFit, _ b: LMMFit, refit: Bool = true) throws -> ResultTable {
        guard a.frame.n == b.frame.n, a.frame.rows == b.frame.rows else {
            throw LCError(.invalidArgument, "the two models were fitted to different rows (\(a.frame.n) and \(b.frame.n)); compare models of the same data")
        }
        guard a.generalized?.family == b.generalized?.family, a.generalized?.link == b.generalized?.link,
              a.generalized?.nagq == b.generalized?.nagq else {
            throw LCError(.invalidArgument, "the two models differ in family, link or quadrature; their likelihoods are not comparable")
        }
        var (x, y) = a.parameterCount <= b.parameterCount ? (a, b) : (b, a)
        var note = x.reml && y.reml ? "REML fits compared (same fixed effects)" : "ML fits compared"
        if x.reml || y.reml {
            let differ = x.frame.xNames != y.frame.xNames || !(x.reml && y.reml)
            if refit || differ {
                x = x.reml ? try LinearMixedModel.fit(x.frame, reml: false, residual: x.residual) : x
                y = y.reml ? try LinearMixedModel.fit(y.frame, reml: false, residual: y.residual) : y
                note = refit ? "refitted with ML, as lme4's anova does by default (refit = TRUE)"
                             : "refitted with ML because the fixed effects differ (REML criteria are not comparable)"
            }
        }
        let chisq = max(0, x.criterion - y.criterion)
        let df = Double(y.parameterCount - x.parameterCount)
        let p = df > 0 ? Distributions.chiSquaredUpperTail(chisq, df) : .nan
        return ResultTable(columns: [
            .init("model", .text([x.frame.formula.description, y.frame.formula.description])),
            .init("npar", .int([Int64(x.parameterCount), Int64(y.parameterCount)])),
            .init("aic", .double([x.aic, y.aic])), .init("bic", .double([x.bic, y.bic])),
            .init("loglik", .double([x.logLik, y.logLik])), .init("deviance", .double([x.criterion, y.criterion])),
            .init("chisq", .double([.nan, chisq])), .init("df", .double([.nan, df])), .init("p", .double([.nan, p])),
        ], notes: [note])
    }
}
