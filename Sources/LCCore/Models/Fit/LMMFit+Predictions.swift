/// Fitted values, residuals and predictions, as lme4's `fitted`, `residuals` and `predict`:
///
///     conditional (random = true):  ŷ = Xβ̂ + Zb̂ + offset   (lme4's re.form = NULL)
///     marginal    (random = false): ŷ = Xβ̂ + offset        (re.form = NA)
///     Pearson residual: (y − ŷ)·√wᵢ (lme4; divided by σ̂ when scaled), Var(eᵢ) = σ²/wᵢ
///
/// A generalized model's fitted values and predictions are on the response scale, μ = g⁻¹(η)
/// (lme4's `fitted`, `predict(type = "response")`), its residuals y − μ and its Pearson residuals
/// (y − μ)/√(V(μ)/wᵢ); `linearPredictor` gives η (`predict(type = "link")`).
extension LMMFit {
    /// Fitted values on the frame's rows (μ for a generalized model).
    public func fittedValues(random: Bool = true) -> [Double] {
        let eta = linearPredictor(random: random)
        return generalized.map { g in eta.map(g.link.inverse) } ?? eta
    }

    /// The linear predictor η = Xβ̂ (+ Zb̂) + offset on the frame's rows.
    public func linearPredictor(random: Bool = true) -> [Double] {
        var f = (0..<frame.n).map { i in (frame.offset?[i] ?? 0) + frame.x.indices.reduce(0) { $0 + frame.x[$1][i] * beta[$1] } }
        if random {
            for (c, block) in zip(components, frame.random) {
                for i in 0..<frame.n {
                    let b = c.modes[Int(block.group[i])]
                    for k in b.indices { f[i] += block.z[k][i] * b[k] }
                }
            }
        }
        return f
    }

    /// Residuals on the frame's rows: the response minus the fitted values. `pearson` multiplies
    /// by √wᵢ (lme4's Pearson residuals of a linear mixed model, unscaled); `scaled` divides by σ̂
    /// (lme4's `scaled = TRUE`, nlme's Pearson residuals).
    public func residualValues(pearson: Bool = false, random: Bool = true, scaled: Bool = false) -> [Double] {
        let fitted = fittedValues(random: random)
        if let g = generalized {
            return (0..<frame.n).map { i in
                let r = frame.y[i] - fitted[i]
                return pearson ? r / (g.family.variance(fitted[i]) / (frame.weights?[i] ?? 1)).squareRoot() : r
            }
        }
        return (0..<frame.n).map { i in
            var r = frame.y[i] + (frame.offset?[i] ?? 0) - fitted[i]
            if pearson { r *= (rowWeights?[i] ?? 1).squareRoot() }
            return scaled ? r / sigma : r
        }
    }

    /// Values on the frame's rows placed on the rows of the data it came from (NaN where a row was left out).
    public func alignedToData(_ values: [Double]) -> [Double] {
        var out = [Double](repeating: .nan, count: frame.rows.count + frame.droppedRows)
        for (k, r) in frame.rows.enumerated() { out[r] = values[k] }
        return out
    }

    /// Predictions for the rows of `newdata`, with the variables evaluated as on the fitted data
    /// (factor levels, `poly`, `scale` and `center` as learned there; R's safe prediction). With
    /// `random`, levels of a grouping factor that the fit did not see get zero random effects
    /// (lme4's `allow.new.levels = TRUE`). NaN where a needed value is missing.
    public func predict(_ newdata: Dataset, random: Bool = true) throws -> [Double] {
        let eta = try predictLink(newdata, random: random)
        return generalized.map { g in eta.map(g.link.inverse) } ?? eta
    }

    /// Predictions on the link scale (the same as `predict` for a linear model).
    public func predictLink(_ newdata: Dataset, random: Bool = true) throws -> [Double] {
        var evaluator = VariableEvaluator(data: newdata, fitted: frame.learned)
        let n = newdata.rowCount, terms = frame.formula.fixed
        let values = try terms.variables.map { try evaluator.value($0) }
        let choice = try frame.contrastKinds(values)
        let design = try DesignMatrix(terms, values: values, rows: n, contrasts: { choice[$0] })
        let index = Dictionary(design.names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let columns = try frame.xNames.map { name -> [Double] in
            guard let k = index[name] else { throw LCError(.internalError, "predict: the column \(name) is missing from the new design") }
            return design.columns[k]
        }
        let offsets = try terms.offsets.map { try evaluator.numeric($0) }
        var out = (0..<n).map { i in
            offsets.reduce(0) { $0 + $1[i] } + columns.indices.reduce(0) { $0 + columns[$1][i] * beta[$1] }
        }
        guard random else { return out }
        for (c, block) in zip(components, frame.random) {
            let effects = block.term.effects
            let z = try DesignMatrix(effects, values: effects.variables.map { try evaluator.value($0) }, rows: n, contrasts: { _ in nil })
            let groups = try Grouping(newdata, keys: block.term.grouping, separator: ":")
            let levelIndex = Dictionary(c.levels.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            var groupOfRow = [Int](repeating: -2, count: n)     // −2: missing key, −1: a new level
            for g in 0..<groups.count {
                let k = levelIndex[groups.labels[g]] ?? -1
                for r in groups.rows(of: g) { groupOfRow[Int(r)] = k }
            }
            for i in 0..<n {
                switch groupOfRow[i] {
                case -2: out[i] = .nan
                case -1: continue
                case let k: for e in c.modes[k].indices { out[i] += z.columns[e][i] * c.modes[k][e] }
                }
            }
        }
        return out
    }
}
