import Glibc

/// A fitted linear mixed model (see `LinearMixedModel.fit`).
public struct LMMFit: Sendable {
    /// One random-effects term: its covariance σ²ΛΛ' and conditional modes per level.
    public struct Component: Sendable {
        public let term: RandomTerm
        public let names: [String]
        public let levels: [String]
        public let covariance: Matrix
        public let modes: [[Double]]
        /// The relative covariance factor Λ (covariance = σ²ΛΛ').
        public let lambda: Matrix
        public var standardDeviations: [Double] { (0..<covariance.rows).map { covariance[$0, $0].squareRoot() } }
        public func correlation(_ a: Int, _ b: Int) -> Double {
            covariance[a, b] / (covariance[a, a] * covariance[b, b]).squareRoot()
        }
    }

    public let frame: ModelFrame
    public let reml: Bool
    public let beta: [Double]
    /// Var(β̂) = σ² (X'V⁻¹X)⁻¹ in lme4's parametrisation.
    public let covariance: Matrix
    /// The free entries of θ: each random term's lower triangle, terms grouped by factor in the engine's order.
    public let theta: [Double]
    public let sigma: Double
    /// Random-effects terms in the formula's order.
    public let components: [Component]
    /// The criterion minimised: −2 log-likelihood (the REML criterion for REML fits).
    public let criterion: Double
    public let evaluations: Int
    public let converged: Bool
    /// Satterthwaite degrees of freedom per fixed effect (NaN where undefined, e.g. at a boundary).
    public let df: [Double]
    /// Whether a variance is at zero or a correlation at ±1 (a diagonal of some Λ at its bound).
    public let singular: Bool
    /// The pieces of Satterthwaite's df for any contrast (F tests), nil where undefined.
    let satterthwaite: Satterthwaite?
    /// wᵢ with Var(eᵢ) = σ²/wᵢ on the frame's rows (prior weights and a variance function); nil: all 1.
    public let rowWeights: [Double]?
    /// The profiled criterion over the free θ (nil with a residual model), for profiling.
    let deviance: DevianceFunction?
    /// Lower bounds of the free θ, and each component's slice of it.
    let thetaLower: [Double]
    let thetaSlices: [Range<Int>]
    /// The residual variance function, when the model has one.
    public let variance: VarianceFit?
    /// The fixed scale model log σᵢ = wᵢ'η, when the model has one.
    public let scale: ScaleFit?
    /// The residual correlation structure, when the model has one.
    public let correlation: CorrelationFit?
    /// The residual model on the frame's rows and its ψ at the estimate, for refits (ML refits of
    /// `Transfer.compare`, the bootstrap) and the transformed rows (`workingFrame`).
    let residual: ResidualModel
    let residualParameters: [Double]
    /// The random scale effect of a location-scale model (`RandomScaleModel`), when it has one.
    public internal(set) var scaleRandom: ScaleRandomFit? = nil
    /// The family, link and linear predictors of a generalized linear mixed model, when it is one.
    public internal(set) var generalized: GeneralizedFit? = nil

    public var logLik: Double { -criterion / 2 }

    /// Whether tests of the fixed effects are Wald z (df = Inf): random scale effects and
    /// generalized models, as glmmTMB and glmer report them.
    public var waldTests: Bool { scaleRandom != nil || generalized != nil }

    /// The frame on which this is an ordinary fit with residual variance σ²: rows scaled by √wᵢ
    /// (prior weights and the variance function), then whitened within the correlation's groups.
    func workingFrame() -> ModelFrame {
        let scaled = rowWeights.map { w in frame.weighted(by: w.map { $0.squareRoot() }) } ?? frame
        return residual.whitening(residualParameters).map { scaled.mapped($0) } ?? scaled
    }
    /// Fixed effects, the θ parameters, σ and the residual model's parameters.
    public var parameterCount: Int {
        beta.count + theta.count + (generalized == nil ? 1 : 0) + (generalized?.dispersion == nil ? 0 : 1)
            + residual.parameterCount + (scaleRandom?.parameterCount ?? 0)
    }
    public var aic: Double { criterion + 2 * Double(parameterCount) }
    /// lme4's BIC: log(N) for REML and ML fits alike.
    public var bic: Double { criterion + log(Double(frame.n)) * Double(parameterCount) }
    public var standardErrors: [Double] { (0..<beta.count).map { covariance[$0, $0].squareRoot() } }
    public var tValues: [Double] { zip(beta, standardErrors).map { $0 / $1 } }
    /// Two-sided p-values on the Satterthwaite df: P(|T_df| > |t|) = I_{df/(df + t²)}(df/2, 1/2).
    public var pValues: [Double] {
        zip(tValues, df).map { t, d in d.isFinite && d > 0 ? Distributions.regularizedBeta(d / (d + t * t), d / 2, 0.5) : .nan }
    }
}

/// Linear mixed models fitted as lme4 fits them (Bates, Mächler, Bolker & Walker
/// 2015, JSS 67(1)): the fixed effects and σ² are profiled out of the (RE)ML
/// deviance, which is then minimised over the relative covariance factors θ
/// (each Λ lower-triangular, diagonal ≥ 0), starting, as lme4 does, from Λ = I: by BFGS
/// on the exact gradient where the engine has one (`DevianceGradient`: three or more
/// factors), else, and near a bound, by a bounded derivative-free method.
///
/// The criterion is computed from cross-products formed once, so an evaluation
/// costs per group and parameter, not per row (`CrossProducts` for one grouping
/// factor, `NestedCrossProducts` for two, `BlockedCrossProducts` for more).
///
///     d_REML(θ) = log|L_θ|² + log|R_X|² + (n − p)(1 + log(2π r²(θ)/(n − p)))
///     d_ML(θ)   = log|L_θ|² + n(1 + log(2π r²(θ)/n))
public enum LinearMixedModel {
    public static func fit(_ frame: ModelFrame, reml: Bool = true) throws -> LMMFit {
        if frame.options.family != nil { return try GeneralizedMixedModel.fit(frame) }
        if let term = frame.options.scale?.random { return try fitRandomScale(frame, term: term) }
        return try fit(frame, reml: reml, residual: ResidualModel(variance: nil, scale: ScaleModel(frame), correlation: nil))
    }

    /// With a residual variance function on `data`'s column (Var(eᵢ) = σ²g(vᵢ)²) and/or a
    /// correlation structure within groups (`CorrelationStructure`): for their parameters ψ the
    /// model is refitted on transformed rows (`ResidualModel`); θ and ψ are optimised together.
    /// Satterthwaite df then hold ψ at its estimate.
    public static func fit(_ frame: ModelFrame, reml: Bool = true, variance: VarianceFunction? = nil,
                           correlation: CorrelationStructure? = nil, data: Dataset) throws -> LMMFit {
        if let family = frame.options.family {
            guard variance == nil, correlation == nil else {
                throw LCError(.invalidArgument, "a \(family.rawValue) model has no residual variance function or correlation structure")
            }
            return try GeneralizedMixedModel.fit(frame)
        }
        if let term = frame.options.scale?.random {
            guard variance == nil, correlation == nil else {
                throw LCError(.invalidArgument, "a random scale effect cannot be combined with a residual variance function or correlation structure yet")
            }
            return try fitRandomScale(frame, term: term)
        }
        return try fit(frame, reml: reml, residual: ResidualModel(variance: try variance.map { try VarianceModel($0, frame: frame, data: data) },
                                                           scale: ScaleModel(frame),
                                                           correlation: try correlation.map { try ResidualCorrelation($0, frame: frame, data: data) }))
    }

    /// `degreesOfFreedom: false` skips the Satterthwaite derivatives and the residual model's SEs
    /// (refits of a bootstrap, starting values); those fields are then NaN.
    static func fit(_ original: ModelFrame, reml: Bool, residual: ResidualModel, degreesOfFreedom: Bool = true) throws -> LMMFit {
        let (n, p) = (original.n, original.p)
        try validate(original)
        // prior weights (lme4's weights =): rows scaled by √wᵢ, and −2 log L gains −Σ log wᵢ
        let weighted = original.weights.map { w in original.weighted(by: w.map { $0.squareRoot() }) } ?? original
        let priorTerm = -(original.weights?.reduce(0) { $0 + log($1) } ?? 0)
        // terms of one grouping factor share the engine's block (block-diagonal Λ)
        let (frame, members) = weighted.mergingTermsByFactor()
        // the engine takes the factor with more levels first (sparser blocks)
        let order = frame.random.indices.sorted { frame.random[$0].levels.count > frame.random[$1].levels.count }
        let layout = ThetaLayout(memberSizes: order.map { b in members[b].map { original.random[$0].z.count } })
        func engine(_ f: ModelFrame) -> ProfiledDeviance { Self.engine(f, order: order) }
        func segments(_ f: ModelFrame) -> [RowSumSegment] {
            switch order.count {
            case 1: return CrossProducts.rowSumSegments(f, f.random[0])
            case 2: return NestedCrossProducts.rowSumSegments(f, f.random[order[0]], f.random[order[1]])
            default: return []          // a residual model refits the rows' engine each time
            }
        }
        try reserveMemory(frame, order: order)
        // a plain model asks again at the optimum for what its gradient search last evaluated
        let unweighted = residual.isEmpty ? RecentGradients(engine(frame)) as ProfiledDeviance : engine(frame)
        guard unweighted.xtx.cholesky(relativeTolerance: 1e-10) != nil else {
            throw LCError(.invalidArgument, "the fixed-effects columns are linearly dependent (collinear predictors): \(frame.xNames.joined(separator: ", "))")
        }
        // a response the fixed effects reproduce exactly has no residual variance: the
        // criterion falls without bound and the optimiser could only run out of steps
        if let exact = try? LeastSquares.householder(frame.x, frame.y),
           exact.rss <= 1e-20 * frame.y.reduce(0, { $0 + $1 * $1 }) {
            throw LCError(.invalidArgument, "the fixed effects reproduce the response '\(frame.formula.responseName)' exactly (no residual variance): is it also a predictor, or constant?")
        }
        var (lower, start) = layout.lowerAndStart
        let thetaCount = lower.count
        lower += [Double](repeating: -.infinity, count: residual.parameterCount)
        start += residual.start
        let engines = try residual.isEmpty ? nil : ResidualEngines(residual, frame: frame, base: unweighted, build: engine, segments: segments)
        /// The engine, the residual model's Jacobian term and θ for a parameter vector.
        func state(_ x: [Double], exact: Bool = false) -> (ProfiledDeviance, Double, [Double])? {
            let theta = layout.expand(Array(x[..<thetaCount]))
            guard let engines else { return (unweighted, 0, theta) }
            return engines.engine(Array(x[thetaCount...]), exact: exact).map { ($0.0, $0.jacobian, theta) }
        }
        let criterion = { (x: [Double]) -> Double in
            guard let (e, jacobian, theta) = state(x), let d = e.evaluate(theta, reml: reml)?.criterion, jacobian.isFinite else { return .infinity }
            return d + jacobian
        }
        // the engines (and the residual model's parts) share nothing between evaluations when the
        // rows' engine says so: finite differences may then evaluate their points at once
        let concurrent = unweighted.evaluatesConcurrently
        var result: (x: [Double], evaluations: Int, converged: Bool)
        let m = Double(reml ? n - p : n)
        if residual.scale != nil && residual.variance == nil && residual.correlation == nil {
            if let engines, let search = scaleGradientSearch(engines, layout: layout, reml: reml, m: m, from: start, lower: lower,
                                                             thetaCount: thetaCount), search.converged {
                // exact gradients (two nested factors)
                result = (search.x, search.evaluations, true)
            } else {
                // a smooth criterion in θ and η without bounds that matter (ΛΛ' is even in each column
                // of Λ): quasi-Newton steps take far fewer evaluations than the simplex
                var search = QuasiNewton(tolerance: 1e-9)
                if concurrent { search.gradientPoints = { FiniteDifferences.values(criterion, at: $0, concurrent: true) } }
                let q = search.minimize(from: start, criterion)
                result = (layout.canonical(Array(q.x[..<thetaCount])) + Array(q.x[thetaCount...]), q.evaluations, q.converged)
            }
        } else if residual.isEmpty, let search = gradientSearch(unweighted, layout: layout, reml: reml, m: m,
                                                                 from: start, lower: lower), search.converged {
            result = (search.x, search.evaluations, true)
        } else {
            result = optimize(criterion, from: start, lower: lower, concurrent: concurrent, looseSimplex: residual.isEmpty,
                              model: residual.isEmpty ? { layout.canonical($0) } : nil)
        }
        try Monitor.check()         // a cancelled call stops the simplex early; it is not a fit
        guard let (final, jacobian, theta) = state(result.x, exact: true), let at = final.evaluate(theta, reml: reml) else {
            throw LCError(.internalError, "the deviance is undefined at the optimum")
        }
        let sigma2 = at.r2 / Double(reml ? n - p : n)
        let cov = at.xtxInverse.scaled(sigma2)
        let (components, singular) = LMMFit.components(original, order: order, members: members, engine: final,
                                                       theta: theta, modes: final.conditionalModes(theta, beta: at.beta), sigma2: sigma2)
        let free = Array(result.x[..<thetaCount])
        let psi = Array(result.x[thetaCount...]), (psiVariance, eta, psiCorrelation) = residual.split(psi)
        // Var(eᵢ) = σ²/wᵢ: prior weights times the variance function's and the scale's wᵢ²
        var rowWeights = original.weights
        if let w = residual.rowWeights(psi) {
            rowWeights = (0..<n).map { (original.weights?[$0] ?? 1) * w[$0] * w[$0] }
        }
        let deviance = ExpandedTheta(base: final, layout: layout)
        let satterthwaite = degreesOfFreedom ? Satterthwaite(deviance, theta: free, sigma: sigma2.squareRoot(), n: n, reml: reml) : nil
        let slices = LMMFit.thetaSlices(original, order: order, members: members)
        // SEs of ψ from 2H⁻¹ of the criterion over (θ, ψ); with a scale formula over (θ, ψ, log σ)
        // of the criterion before σ is profiled out, which also gives log σ's (the scale's intercept)
        let logSigma = log(sigma2) / 2
        let psiCovariance: Matrix?
        if !degreesOfFreedom {
            psiCovariance = nil
        } else if residual.scale != nil {
            psiCovariance = engines.flatMap {
                scaleCovariance($0, layout: layout, reml: reml, m: m, at: result.x + [logSigma], thetaCount: thetaCount, concurrent: concurrent)
            } ?? extrapolatedCovariance(at: result.x + [logSigma], concurrent: concurrent) { z in
                guard let (e, jacobian, theta) = state(Array(z.dropLast())), let at = e.evaluate(theta, reml: reml),
                      jacobian.isFinite, let s = z.last else { return .infinity }
                return ResidualEngines.unprofiled(at, m: m, logSigma: s) + jacobian
            }
        } else {
            psiCovariance = residual.isEmpty ? nil : residualCovariance(at: result.x, concurrent: concurrent, criterion: criterion)
        }
        func se(_ k: Int) -> Double { psiCovariance.map { (2 * $0[thetaCount + k, thetaCount + k]).squareRoot() } ?? .nan }
        let varianceCount = residual.variance?.parameterCount ?? 0
        let scaleFit = residual.scale.map { scale in
            ScaleFit(formula: scale.formula, terms: ["(Intercept)"] + scale.names, estimates: [logSigma] + eta,
                     standardErrors: [se(residual.parameterCount)] + eta.indices.map { se(varianceCount + $0) })
        }
        let varianceFit = residual.variance.map {
            describe($0, psi: psiVariance, se: (0..<$0.parameterCount).map(se), sigma: sigma2.squareRoot())
        }
        let correlationFit = residual.correlation.flatMap { c in
            psiCorrelation.map { CorrelationFit(structure: c.structure, estimate: c.natural($0),
                                                standardError: se(residual.parameterCount - 1) * c.derivative($0)) }
        }
        return LMMFit(frame: original, reml: reml, beta: at.beta, covariance: cov, theta: free, sigma: sigma2.squareRoot(),
                      components: components, criterion: at.criterion + jacobian + priorTerm,
                      evaluations: result.evaluations, converged: result.converged,
                      df: satterthwaite?.coefficientDF ?? [Double](repeating: .nan, count: p), singular: singular,
                      satterthwaite: satterthwaite, rowWeights: rowWeights,
                      deviance: residual.isEmpty ? DevianceFunction(deviance) : nil, thetaLower: Array(lower[..<thetaCount]), thetaSlices: slices,
                      variance: varianceFit, scale: scaleFit, correlation: correlationFit, residual: residual, residualParameters: psi)
    }

    /// The engine of a frame whose terms are merged by factor, factors in `order` (most levels first):
    /// `CrossProducts` for one factor, `NestedCrossProducts` for two nested ones (each level of the
    /// first within one level of the second), `BlockedCrossProducts` for two crossed ones and for more.
    static func engine(_ f: ModelFrame, order: [Int]) -> ProfiledDeviance {
        switch order.count {
        case 1: return CrossProducts(f, f.random[0])
        case 2 where nests(f.random[order[0]], in: f.random[order[1]]):
            return NestedCrossProducts(f, f.random[order[0]], f.random[order[1]])
        default: return BlockedCrossProducts(f, order.map { f.random[$0] })
        }
    }

    /// Whether every level of `inner` occurs with one level of `outer` only.
    static func nests(_ inner: ModelFrame.RandomBlock, in outer: ModelFrame.RandomBlock) -> Bool {
        var parent = [Int32](repeating: -1, count: inner.levels.count)
        for (i, j) in zip(inner.group, outer.group) {
            let k = Int(i)
            if parent[k] < 0 { parent[k] = j } else if parent[k] != j { return false }
        }
        return true
    }

    /// Reserves the dense system of every factor but the largest (W'W and M, and the symbolic
    /// pattern) when there are more than two factors.
    static func reserveMemory(_ frame: ModelFrame, order: [Int]) throws {
        guard order.count > 2 else { return }
        let columns = order.dropFirst().reduce(0) { $0 + frame.random[$1].levels.count * frame.random[$1].z.count } + frame.p + 1
        try MemoryBudget.reserve(Double(columns) * Double(columns) * 17,
                                 for: "the crossed factors' system (\(columns) columns: every level of all but the largest factor)")
    }

    static func validate(_ frame: ModelFrame) throws {
        let n = frame.n
        guard !frame.random.isEmpty else {
            throw LCError(.invalidArgument, "the formula has no random-effects term; add one such as (1 | person)")
        }
        for block in frame.random {
            guard block.levels.count > 1 else {
                throw LCError(.invalidArgument, "the grouping factor \(block.term.groupName) has only one level; it needs at least two")
            }
            guard block.levels.count < n else {
                throw LCError(.invalidArgument, "the grouping factor \(block.term.groupName) has as many levels as observations (\(n))")
            }
        }
        guard frame.p < n else {
            let columns = frame.p + frame.droppedColumns.count
            throw LCError(.invalidArgument, "the model has \(columns) fixed-effect columns (\(frame.p) linearly independent) but only \(n) usable rows")
        }
    }

    /// A loose simplex phase (or with `model`, the model-based search of `modelSearch`, `model`
    /// mapping its result to canonical signs), then Newton steps on finite differences to full
    /// precision; on a bound, or where Newton cannot help or runs out of steps, the simplex
    /// finishes the job (not after a converged model search that Newton cannot improve: that is
    /// the optimum to the criterion's rounding).
    /// `upper` defaults to no bound; `initialStep` is the simplex's first step, relative (smaller
    /// when the start is already close, as in the warm starts of a profile).
    /// `concurrent`: the criterion may be called from several threads at once (the Newton steps'
    /// finite differences then run on all cores); `looseSimplex` with it: the simplex hands over
    /// to the (then cheap) Newton steps earlier.
    static func optimize(_ criterion: ([Double]) -> Double, from start: [Double], lower: [Double], upper: [Double]? = nil,
                         initialStep: Double = 0.5, warm: Bool = false, concurrent: Bool = false,
                         looseSimplex: Bool = false, model: (([Double]) -> [Double])? = nil)
        -> (x: [Double], evaluations: Int, converged: Bool) {
        if warm {
            // from a start next to the optimum (a profile's previous point), Newton steps alone
            let upperBounds = upper ?? [Double](repeating: .infinity, count: lower.count)
            var polish = NewtonPolish(lower: lower, upper: upperBounds)
            polish.concurrent = concurrent
            let newton = polish.run(start, value: criterion(start), criterion)
            if newton.converged { return (newton.x, newton.evaluations + 1, true) }
        }
        var optimizer = NelderMead(lower: lower, upper: upper ?? [Double](repeating: .infinity, count: lower.count))
        // where the Newton steps' differences run in parallel they are cheap beside the simplex's
        // steps, so the simplex hands over earlier (a looser point tolerance leaves one-parameter
        // fits where the criterion's rounding, ~1e-12 relative, hides the last Newton step)
        optimizer.tolerance = concurrent && looseSimplex ? 1e-6 : 1e-8
        optimizer.pointTolerance = 1e-3
        optimizer.initialStep = initialStep
        optimizer.maxRestarts = 0
        // the model-based search where asked; the simplex (from where the search ended) where it
        // did not converge or ended next to a bound
        let search = model.flatMap { modelSearch(criterion, from: start, lower: lower, canonical: $0) }
        let searched = search.flatMap { $0.converged ? $0 : nil }
        let simplex = searched ?? {
            let r = optimizer.minimize(from: search?.x ?? start, criterion)
            return NelderMead.Result(x: r.x, value: r.value, evaluations: r.evaluations + (search?.evaluations ?? 0), converged: r.converged)
        }()
        var polish = NewtonPolish(lower: lower, upper: optimizer.upper)
        polish.concurrent = concurrent
        let newton = polish.steps(simplex.x, value: simplex.value, criterion)
        var result = (x: newton.x, evaluations: simplex.evaluations + newton.evaluations, converged: simplex.converged)
        if newton.x.indices.contains(where: { newton.x[$0] == lower[$0] || newton.x[$0] == optimizer.upper[$0] })
            || (newton.value >= simplex.value && searched == nil) || newton.stoppedAtStepLimit {
            var fine = optimizer
            fine.initialStep = 0.05
            fine.tolerance = 1e-11
            fine.pointTolerance = 1e-7
            fine.maxRestarts = 1
            let r = fine.minimize(from: newton.x, criterion)
            result = (r.x, result.evaluations + r.evaluations, r.converged)
        }
        return result
    }

    /// The most parameters for the model-based search (its models of 66 points at 10); above, the simplex.
    static let maxModelParameters = 10

    /// The model-based search (`ModelTrustRegion`) over θ on the log scale of `LogScaleTheta`;
    /// `canonical` maps the result to the layout's signs. Not converged where it did not converge
    /// or ends near a bound: the simplex then goes on from its result; nil from a start it cannot
    /// take (zero on the diagonal, other bounds, more than `maxModelParameters`): the simplex then
    /// starts there itself.
    static func modelSearch(_ criterion: ([Double]) -> Double, from start: [Double], lower: [Double],
                            canonical: ([Double]) -> [Double]) -> NelderMead.Result? {
        guard start.count <= maxModelParameters, let scale = LogScaleTheta(start: start, lower: lower) else { return nil }
        var search = ModelTrustRegion()
        search.initialRadius = 0.2
        search.finalRadius = 1e-3        // then Newton steps: finer models meet the criterion's rounding
        let r = search.minimize(from: scale.start) { criterion(scale.theta($0)) }
        return scale.result(r.x, value: r.value, evaluations: r.evaluations, converged: r.converged, canonical: canonical)
    }

    /// BFGS on the engine's exact gradient (`DevianceGradient`), over θ on the log scale of
    /// `LogScaleTheta`; nil where the engine has no gradient. Not converged where it did not
    /// converge or ends near a bound (a variance near zero): the derivative-free path then takes over.
    static func gradientSearch(_ engine: ProfiledDeviance, layout: ThetaLayout, reml: Bool, m: Double,
                               from start: [Double], lower: [Double]) -> NelderMead.Result? {
        LogScaleTheta.minimize(from: start, lower: lower, canonical: layout.canonical) { t in
            engine.gradient(layout.expand(t), reml: reml).map { e, g in (e.criterion, layout.reduce(g.criterion(m: m, r2: e.r2))) }
        }
    }

    /// H⁻¹ of a criterion at its minimum, by central differences of its values at
    /// `FiniteDifferences.hessianSteps`; nil if H is not positive definite.
    private static func residualCovariance(at x: [Double], concurrent: Bool, criterion: ([Double]) -> Double) -> Matrix? {
        let h = FiniteDifferences.hessianSteps(x)
        let hessian = FiniteDifferences.gradientAndHessian(criterion, at: x, value: criterion(x), steps: h, concurrent: concurrent).hessian
        return hessian.cholesky()?.inverseOfProduct()
    }

    /// H⁻¹ of a criterion at its minimum, H by numDeriv's Richardson extrapolation
    /// (`FiniteDifferences.extrapolatedDerivatives`); nil if H is not positive definite.
    private static func extrapolatedCovariance(at x: [Double], concurrent: Bool, criterion: ([Double]) -> Double) -> Matrix? {
        FiniteDifferences.extrapolatedDerivatives({ [criterion($0)] }, at: x, concurrent: concurrent).hessian.cholesky()?.inverseOfProduct()
    }

    /// The variance function's estimates, with their SEs on the ψ scale carried to the ratios (exp(ψ)).
    private static func describe(_ v: VarianceModel, psi: [Double], se psiSE: [Double], sigma: Double) -> VarianceFit {
        let reported = v.reported(psi)
        let se = psi.indices.map { k in v.levels.isEmpty ? psiSE[k] : psiSE[k] * reported[k] }   // d exp(ψ)/dψ = exp(ψ)
        let sd: [(String, Double?, Double)]
        if v.levels.isEmpty {
            sd = Array(Set(v.values)).sorted().map { (labelText($0), $0, sigma * exp(psi[0] * $0)) }
        } else {
            sd = v.levels.enumerated().map { i, name in (name, nil, sigma * (i == 0 ? 1 : reported[i - 1])) }
        }
        return VarianceFit(function: v.function, parameters: v.parameterNames, estimates: reported, standardErrors: se, residualSD: sd)
    }
}

/// A fit's criterion over the free θ, kept for profiling. The engine is immutable once built
/// and its evaluation allocates its own scratch space, so sharing it between threads is safe.
final class DevianceFunction: @unchecked Sendable {
    let engine: ExpandedTheta
    init(_ engine: ExpandedTheta) { self.engine = engine }
}
