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
    /// The profiled criterion over the free θ (nil with a variance function), for profiling.
    let deviance: DevianceFunction?
    /// Lower bounds of the free θ, and each component's slice of it.
    let thetaLower: [Double]
    let thetaSlices: [Range<Int>]
    /// The residual variance function, when the model has one.
    public let variance: VarianceFit?
    /// The same on the frame's rows, for refits (ML refits of `Transfer.compare`).
    let varianceModel: VarianceModel?

    public var logLik: Double { -criterion / 2 }
    /// Fixed effects, the θ parameters, σ and the variance function's parameters.
    public var parameterCount: Int { beta.count + theta.count + 1 + (variance?.estimates.count ?? 0) }
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
/// (each Λ lower-triangular, diagonal ≥ 0) by a bounded derivative-free method,
/// starting, as lme4 does, from Λ = I.
///
/// The criterion is computed from cross-products formed once, so an evaluation
/// costs per group and parameter, not per row (`CrossProducts` for one grouping
/// factor, `NestedCrossProducts` for two, `BlockedCrossProducts` for more).
///
///     d_REML(θ) = log|L_θ|² + log|R_X|² + (n − p)(1 + log(2π r²(θ)/(n − p)))
///     d_ML(θ)   = log|L_θ|² + n(1 + log(2π r²(θ)/n))
public enum LinearMixedModel {
    public static func fit(_ frame: ModelFrame, reml: Bool = true) throws -> LMMFit {
        try fit(frame, reml: reml, variance: nil)
    }

    /// With a residual variance function on `data`'s column (Var(eᵢ) = σ²g(vᵢ)²): for
    /// parameters ψ the model is refitted on rows scaled by wᵢ = 1/g(vᵢ), whose
    /// criterion gains −2 Σ log wᵢ (the Jacobian of the transformation); θ and ψ are
    /// optimised together. Satterthwaite df then hold ψ at its estimate.
    public static func fit(_ frame: ModelFrame, reml: Bool = true, variance: VarianceFunction, data: Dataset) throws -> LMMFit {
        try fit(frame, reml: reml, variance: VarianceModel(variance, frame: frame, data: data))
    }

    /// `degreesOfFreedom: false` skips the Satterthwaite derivatives (refits of a bootstrap).
    static func fit(_ original: ModelFrame, reml: Bool, variance: VarianceModel?, degreesOfFreedom: Bool = true) throws -> LMMFit {
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
        func engine(_ f: ModelFrame) -> ProfiledDeviance {
            switch order.count {
            case 1: return CrossProducts(f, f.random[0])
            case 2: return NestedCrossProducts(f, f.random[order[0]], f.random[order[1]])
            default: return BlockedCrossProducts(f, order.map { f.random[$0] })
            }
        }
        func segments(_ f: ModelFrame) -> [RowSumSegment] {
            switch order.count {
            case 1: return CrossProducts.rowSumSegments(f, f.random[0])
            case 2: return NestedCrossProducts.rowSumSegments(f, f.random[order[0]], f.random[order[1]])
            default: return []          // a variance function refits the rows' engine each time
            }
        }
        if order.count > 2 {
            // the dense system of every factor but the largest (W'W and M, and the symbolic pattern)
            let columns = order.dropFirst().reduce(0) { $0 + frame.random[$1].levels.count * frame.random[$1].z.count } + frame.p + 1
            try MemoryBudget.reserve(Double(columns) * Double(columns) * 17,
                                     for: "the crossed factors' system (\(columns) columns: every level of all but the largest factor)")
        }
        let unweighted = engine(frame)
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
        if let variance {
            lower += [Double](repeating: -.infinity, count: variance.parameterCount)
            start += [Double](repeating: 0, count: variance.parameterCount)
        }
        let parts = variance.flatMap { WeightedParts($0, unweighted: unweighted, segments: segments(frame)) }
        /// The engine, weights' Jacobian term and θ for a parameter vector.
        func state(_ x: [Double], exact: Bool = false) -> (ProfiledDeviance, Double, [Double]) {
            guard let variance else { return (unweighted, 0, layout.expand(x)) }
            let psi = Array(x[thetaCount...]), theta = layout.expand(Array(x[..<thetaCount]))
            if !exact, let parts, let combined = parts.engine(psi, variance) {
                return (combined, parts.jacobian(psi, variance), theta)
            }
            let w = variance.weights(psi)
            return (engine(frame.weighted(by: w)), -2 * w.reduce(0) { $0 + log($1) }, theta)
        }
        let criterion = { (x: [Double]) -> Double in
            let (e, jacobian, theta) = state(x)
            guard let d = e.evaluate(theta, reml: reml)?.criterion, jacobian.isFinite else { return .infinity }
            return d + jacobian
        }
        let result = optimize(criterion, from: start, lower: lower)
        try Monitor.check()         // a cancelled call stops the simplex early; it is not a fit
        let (final, jacobian, theta) = state(result.x, exact: true)
        guard let at = final.evaluate(theta, reml: reml) else {
            throw LCError(.internalError, "the deviance is undefined at the optimum")
        }
        let sigma2 = at.r2 / Double(reml ? n - p : n)
        let cov = at.xtxInverse.scaled(sigma2)
        let modes = final.conditionalModes(theta, beta: at.beta)
        var components = [LMMFit.Component?](repeating: nil, count: original.random.count)
        var singular = false
        for (t, b) in order.enumerated() {
            let l = final.lambda(theta, term: t)
            for i in 0..<l.rows where l[i, i] < 1e-6 { singular = true }
            let c = (l * l.transposed).scaled(sigma2)
            // each merged term gets its diagonal block of the covariance and its columns of the modes
            var offset = 0
            for m in members[b] {
                let block = original.random[m], q = block.z.count
                var sub = Matrix(rows: q, cols: q), subLambda = Matrix(rows: q, cols: q)
                for i in 0..<q { for j in 0..<q { sub[i, j] = c[offset + i, offset + j]; subLambda[i, j] = l[offset + i, offset + j] } }
                components[m] = LMMFit.Component(term: block.term, names: block.names, levels: block.levels, covariance: sub,
                                                 modes: modes[t].map { Array($0[offset..<(offset + q)]) }, lambda: subLambda)
                offset += q
            }
        }
        let free = Array(result.x[..<thetaCount])
        // Var(eᵢ) = σ²/wᵢ: prior weights times the variance function's wᵢ²
        var rowWeights = original.weights
        if let variance {
            let w = variance.weights(Array(result.x[thetaCount...]))
            rowWeights = (0..<n).map { (original.weights?[$0] ?? 1) * w[$0] * w[$0] }
        }
        let deviance = ExpandedTheta(base: final, layout: layout)
        let satterthwaite = degreesOfFreedom ? Satterthwaite(deviance, theta: free, sigma: sigma2.squareRoot(), n: n, reml: reml) : nil
        // each component's slice of the free θ: engine blocks in order, their terms in order
        var slices = [Range<Int>](repeating: 0..<0, count: original.random.count), position = 0
        for b in order {
            for m in members[b] {
                let q = original.random[m].z.count
                slices[m] = position..<(position + q * (q + 1) / 2)
                position += q * (q + 1) / 2
            }
        }
        let varianceFit = variance.map {
            describe($0, at: result.x, thetaCount: thetaCount, sigma: sigma2.squareRoot(), criterion: criterion)
        }
        return LMMFit(frame: original, reml: reml, beta: at.beta, covariance: cov, theta: free, sigma: sigma2.squareRoot(),
                      components: components.compactMap { $0 }, criterion: at.criterion + jacobian + priorTerm,
                      evaluations: result.evaluations, converged: result.converged,
                      df: satterthwaite?.coefficientDF ?? [Double](repeating: .nan, count: p), singular: singular,
                      satterthwaite: satterthwaite, rowWeights: rowWeights,
                      deviance: variance == nil ? DevianceFunction(deviance) : nil, thetaLower: Array(lower[..<thetaCount]), thetaSlices: slices,
                      variance: varianceFit,
                      varianceModel: variance)
    }

    private static func validate(_ frame: ModelFrame) throws {
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

    /// A loose simplex phase, then Newton steps on finite differences to full precision;
    /// on a bound, or where Newton cannot help, the simplex finishes the job.
    /// `upper` defaults to no bound; `initialStep` is the simplex's first step, relative (smaller
    /// when the start is already close, as in the warm starts of a profile).
    static func optimize(_ criterion: ([Double]) -> Double, from start: [Double], lower: [Double], upper: [Double]? = nil,
                         initialStep: Double = 0.5, warm: Bool = false) -> (x: [Double], evaluations: Int, converged: Bool) {
        if warm {
            // from a start next to the optimum (a profile's previous point), Newton steps alone
            let upperBounds = upper ?? [Double](repeating: .infinity, count: lower.count)
            let newton = NewtonPolish(lower: lower, upper: upperBounds).run(start, value: criterion(start), criterion)
            if newton.converged { return (newton.x, newton.evaluations + 1, true) }
        }
        var optimizer = NelderMead(lower: lower, upper: upper ?? [Double](repeating: .infinity, count: lower.count))
        optimizer.tolerance = 1e-8
        optimizer.pointTolerance = 1e-3
        optimizer.initialStep = initialStep
        optimizer.maxRestarts = 0
        let simplex = optimizer.minimize(from: start, criterion)
        let newton = NewtonPolish(lower: lower, upper: optimizer.upper).polish(simplex.x, value: simplex.value, criterion)
        var result = (x: newton.x, evaluations: simplex.evaluations + newton.evaluations, converged: simplex.converged)
        if newton.x.indices.contains(where: { newton.x[$0] == lower[$0] || newton.x[$0] == optimizer.upper[$0] })
            || newton.value >= simplex.value {
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

    /// The variance function's estimates, with SEs from 2H⁻¹ of the criterion over (θ, ψ).
    private static func describe(_ v: VarianceModel, at x: [Double], thetaCount: Int, sigma: Double,
                                 criterion: ([Double]) -> Double) -> VarianceFit {
        let psi = Array(x[thetaCount...])
        let h = x.map { 1e-4 * max(abs($0), 0.1) }
        let hessian = FiniteDifferences.gradientAndHessian(criterion, at: x, value: criterion(x), steps: h).hessian
        let inverse = hessian.cholesky()?.inverseOfProduct()
        let reported = v.reported(psi)
        let se = psi.indices.map { k -> Double in
            guard let inverse else { return .nan }
            let s = (2 * inverse[thetaCount + k, thetaCount + k]).squareRoot()
            return v.levels.isEmpty ? s : s * reported[k]       // d exp(ψ)/dψ = exp(ψ)
        }
        let sd: [(String, Double?, Double)]
        if v.levels.isEmpty {
            sd = Array(Set(v.values)).sorted().map { (labelText($0), $0, sigma * exp(psi[0] * $0)) }
        } else {
            sd = v.levels.enumerated().map { i, name in (name, nil, sigma * (i == 0 ? 1 : reported[i - 1])) }
        }
        return VarianceFit(function: v.function, parameters: v.parameterNames, estimates: reported, standardErrors: se, residualSD: sd)
    }
}

/// The engine of row-weighted data as a weighted sum of engines, one per distinct
/// value of the variance covariate: Σ_v g(v)⁻² · sums_v (`RowSumParts`). An
/// evaluation then costs per group and value, with no pass over the rows. Used when
/// the covariate has at most 64 values and the engine's layout allows it (one
/// factor, or two nested).
struct WeightedParts {
    static let maxValues = 64
    let values: [Double]
    let parts: RowSumParts
    let counts: [Double]
    let unweighted: ProfiledDeviance
    /// The combined sums of the last evaluation, overwritten in place by the next once its
    /// engine is gone (copy-on-write keeps an engine that is still held intact).
    private final class Buffers { var sums: [[Double]] = [] }
    private let buffers = Buffers()

    init?(_ v: VarianceModel, unweighted: ProfiledDeviance, segments: [RowSumSegment]) {
        let distinct = v.distinct
        // the engine's layout must allow it and agree with the segments
        let sizes = unweighted.rowSumsBySegment.map(\.count)
        guard distinct.count <= Self.maxValues, !sizes.isEmpty, sizes == segments.map(\.count) else { return nil }
        var index: [Double: Int] = [:]
        for (k, d) in distinct.enumerated() { index[d] = k }
        let part = v.values.map { index[$0] ?? 0 }
        values = distinct
        parts = RowSumParts(segments, part: part, parts: distinct.count)
        var counts = [Double](repeating: 0, count: distinct.count)
        for k in part { counts[k] += 1 }
        self.counts = counts
        self.unweighted = unweighted
    }

    /// The engine at ψ, built in the buffers of the last call.
    func engine(_ psi: [Double], _ v: VarianceModel) -> ProfiledDeviance? {
        parts.combine(values.map { let w = v.weight(at: $0, psi); return w * w }, into: &buffers.sums)
        return unweighted.withRowSums(buffers.sums)
    }

    /// −2 Σᵢ log wᵢ, by distinct value.
    func jacobian(_ psi: [Double], _ v: VarianceModel) -> Double {
        -2 * zip(values, counts).reduce(0) { $0 + $1.1 * log(v.weight(at: $1.0, psi)) }
    }
}

/// A fit's criterion over the free θ, kept for profiling. The engine is immutable once built
/// and its evaluation allocates its own scratch space, so sharing it between threads is safe.
final class DevianceFunction: @unchecked Sendable {
    let engine: ExpandedTheta
    init(_ engine: ExpandedTheta) { self.engine = engine }
}
