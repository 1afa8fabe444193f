import Glibc

/// What a model's residuals have beyond σ²: a variance function (Var(eᵢ) = σ²g(vᵢ)²) and a
/// correlation structure within groups (C_g), together Var(e_g) = σ² G_g C_g G_g with G = diag(g),
/// and their parameters ψ (the variance function's, then the correlation's) after θ.
///
/// For ψ the model is an ordinary linear mixed model on transformed rows: each row scaled by
/// wᵢ = 1/g(vᵢ), then each group whitened by L_g⁻¹ (C_g = L_gL_g'). −2 log L then gains the
/// Jacobian −2 log|det T| = Σ_g log|C_g| − 2 Σᵢ log wᵢ (Pinheiro & Bates 2000, §5.1).
struct ResidualModel: Sendable {
    let variance: VarianceModel?
    /// The fixed part of log σᵢ beyond its intercept (a location-scale model): wᵢ = exp(−wᵢ'η).
    var scale: ScaleModel? = nil
    let correlation: ResidualCorrelation?

    static let none = ResidualModel(variance: nil, correlation: nil)

    var isEmpty: Bool { variance == nil && scale == nil && correlation == nil }
    var parameterCount: Int { (variance?.parameterCount ?? 0) + (scale?.parameterCount ?? 0) + (correlation == nil ? 0 : 1) }
    /// nlme's starting values: g = 1, η = 0, and the correlation's own (`ResidualCorrelation.start`).
    var start: [Double] {
        [Double](repeating: 0, count: (variance?.parameterCount ?? 0) + (scale?.parameterCount ?? 0)) + (correlation.map { [$0.start] } ?? [])
    }

    /// ψ in its parts: the variance function's, the scale's η, the correlation's.
    func split(_ psi: [Double]) -> (variance: [Double], scale: [Double], correlation: Double?) {
        let k = variance?.parameterCount ?? 0, m = k + (scale?.parameterCount ?? 0)
        return (Array(psi[..<k]), Array(psi[k..<m]), correlation == nil ? nil : psi[m])
    }

    /// wᵢ = 1/g(vᵢ) · exp(−wᵢ'η) at ψ (nil without a variance function or scale).
    func rowWeights(_ psi: [Double]) -> [Double]? {
        let (v, eta, _) = split(psi)
        switch (variance?.weights(v), scale?.weights(eta)) {
        case let (a?, b?): return zip(a, b).map { $0 * $1 }
        case let (a?, nil): return a
        case let (nil, b?): return b
        case (nil, nil): return nil
        }
    }

    /// The correlation's map of a column to its whitened values at ψ (`forward: false`: back,
    /// colouring white noise); nil without a correlation structure or where C is not positive definite.
    func whitening(_ psi: [Double], forward: Bool = true) -> (([Double]) -> [Double])? {
        guard let correlation, let c = split(psi).correlation else { return nil }
        return correlation.whitening(c, forward: forward)
    }

    /// The transformed frame at ψ and its Jacobian term; nil where C is not positive definite.
    func working(_ frame: ModelFrame, _ psi: [Double]) -> (frame: ModelFrame, jacobian: Double)? {
        let (_, _, c) = split(psi)
        var out = frame, jacobian = 0.0
        if let w = rowWeights(psi) {
            out = out.weighted(by: w)
            jacobian -= 2 * w.reduce(0) { $0 + log($1) }
        }
        if let correlation, let c {
            guard let whiten = correlation.whitening(c), let det = correlation.logDeterminant(c) else { return nil }
            out = out.mapped(whiten)
            jacobian += det
        }
        return jacobian.isFinite ? (out, jacobian) : nil
    }
}

/// The engines of a residual model at each ψ: built from the transformed rows, or, where the
/// layout allows (one grouping factor, or two nested), combined from parts formed once
/// (`WeightedParts` for a variance function alone, `CorrelationParts` for a correlation alone),
/// so that an evaluation costs per group, not per row.
struct ResidualEngines {
    let model: ResidualModel
    let frame: ModelFrame
    let build: (ModelFrame) -> ProfiledDeviance
    private let weighted: WeightedParts?
    private let whitened: CorrelationParts?
    let scaled: (parts: CellParts, values: [[Double]], counts: [Double])?
    /// The parts' engines of the last few ψ: a gradient's or a Hessian's differences in θ (and
    /// log σ) share one ψ, so its parts are combined once.
    private let recent = RecentCache<ProfiledDeviance>(capacity: 4)

    init(_ model: ResidualModel, frame: ModelFrame, base: ProfiledDeviance, build: @escaping (ModelFrame) -> ProfiledDeviance,
         segments: (ModelFrame) -> [RowSumSegment]) throws {
        (self.model, self.frame, self.build) = (model, frame, build)
        let alone = (variance: model.correlation == nil && model.scale == nil, correlation: model.variance == nil && model.scale == nil)
        weighted = try alone.variance ? model.variance.flatMap { try WeightedParts($0, base: base, segments: segments(frame)) } : nil
        whitened = try alone.correlation ? model.correlation.flatMap { try CorrelationParts($0, frame: frame, base: base, segments: segments) } : nil
        scaled = try model.variance == nil && model.correlation == nil ? model.scale.flatMap { scale in
            let (cell, values, counts) = scale.cells()
            return try CellParts(segments(frame), cell: cell, cells: values.count, base: base).map { ($0, values, counts) }
        } : nil
    }

    /// The engine at ψ and the Jacobian term; `exact` builds it from the transformed rows.
    func engine(_ psi: [Double], exact: Bool = false) -> (ProfiledDeviance, jacobian: Double)? {
        let (v, eta, c) = model.split(psi)
        if !exact, let scaled {
            // a cell with scale columns w has weight exp(−2w'η); −2 Σᵢ log wᵢ = 2 Σ_cells count·w'η
            let linear = scaled.values.map { w in zip(w, eta).reduce(0) { $0 + $1.0 * $1.1 } }
            let jacobian = 2 * zip(linear, scaled.counts).reduce(0) { $0 + $1.0 * $1.1 }
            return recent.value(for: psi) { scaled.parts.engine(linear.map { exp(-2 * $0) }) }.map { ($0, jacobian) }
        }
        if !exact, let whitened, let c, let det = model.correlation?.logDeterminant(c) {
            return recent.value(for: psi) { whitened.engine(c) }.map { ($0, det) }
        }
        if !exact, let weighted, let variance = model.variance, let e = recent.value(for: psi, make: { weighted.engine(v, variance) }) {
            return (e, weighted.jacobian(v, variance))
        }
        return model.working(frame, psi).map { (build($0.frame), $0.jacobian) }
    }
}

/// The engine of row-weighted data as a weighted sum of engines, one per distinct
/// value of the variance covariate: Σ_v g(v)⁻² · sums_v (`RowSumParts`). An
/// evaluation then costs per group and value, with no pass over the rows. Used when
/// the covariate has at most `PartsEngine.maxParts` values and the engine's layout allows it.
struct WeightedParts {
    let values: [Double]
    let counts: [Double]
    let parts: PartsEngine

    init?(_ v: VarianceModel, base: ProfiledDeviance, segments: [RowSumSegment]) throws {
        let distinct = v.distinct
        guard distinct.count <= PartsEngine.maxParts else { return nil }
        var index: [Double: Int] = [:]
        for (k, d) in distinct.enumerated() { index[d] = k }
        let part = v.values.map { index[$0] ?? 0 }
        guard let parts = try PartsEngine(segments, part: part, parts: distinct.count, base: base) else { return nil }
        var counts = [Double](repeating: 0, count: distinct.count)
        for k in part { counts[k] += 1 }
        (values, self.counts, self.parts) = (distinct, counts, parts)
    }

    /// The engine at ψ.
    func engine(_ psi: [Double], _ v: VarianceModel) -> ProfiledDeviance? {
        parts.engine(values.map { let w = v.weight(at: $0, psi); return w * w })
    }

    /// −2 Σᵢ log wᵢ, by distinct value.
    func jacobian(_ psi: [Double], _ v: VarianceModel) -> Double {
        -2 * zip(values, counts).reduce(0) { $0 + $1.1 * log(v.weight(at: $1.0, psi)) }
    }
}

/// The scale formula's columns on a frame's rows (`ModelFrame.scaleX`) and their η.
struct ScaleModel: Sendable {
    let formula: ScaleFormula
    let design: [[Double]]
    let names: [String]

    init?(_ frame: ModelFrame) {
        guard let formula = frame.options.scale, let design = frame.scaleX else { return nil }
        (self.formula, self.design, names) = (formula, design, frame.scaleNames)
    }

    var parameterCount: Int { design.count }

    /// wᵢ = exp(−wᵢ'η): σᵢ = σ·exp(wᵢ'η).
    func weights(_ eta: [Double]) -> [Double] {
        var linear = [Double](repeating: 0, count: design.first?.count ?? 0)
        for (column, e) in zip(design, eta) { for i in linear.indices { linear[i] += e * column[i] } }
        return linear.map { exp(-$0) }
    }
}
