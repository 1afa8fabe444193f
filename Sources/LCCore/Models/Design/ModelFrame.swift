/// Options of a model beyond its formula.
public struct ModelOptions: Sendable, Equatable {
    /// lme4's prior weights: Var(eᵢ) = σ²/wᵢ (a column of positive numbers).
    public var weights: String?
    /// Contrasts for factors of the fixed part, by variable (`Machine`, `factor(session)`).
    /// Factors without an entry use treatment contrasts (polynomial when ordered), as R.
    public var contrasts: [String: ContrastKind]
    /// The fixed part of a location-scale model's log σ (`ScaleFormula`); its variables take
    /// part in dropping rows with missing values, as the model's other variables do.
    public var scale: ScaleFormula?
    /// Adaptive Gauss–Hermite nodes per level (1: Laplace's approximation), for a random scale
    /// effect or a generalized model; nil: the model's default (`scaleNodes`, `glmmNodes`).
    public var nagq: Int?
    /// The response's distribution (nil: a linear mixed model) and its link (nil: the family's default).
    public var family: Family?
    public var link: Link?

    public init(weights: String? = nil, contrasts: [String: ContrastKind] = [:], scale: ScaleFormula? = nil, nagq: Int? = nil,
                family: Family? = nil, link: Link? = nil) {
        self.weights = weights
        self.contrasts = contrasts
        self.scale = scale
        self.nagq = nagq
        self.family = family
        self.link = link
    }

    /// Nodes for a random scale effect: by default 11, within 1e-6 of 40 nodes in logLik on the
    /// reference (7: 8e-6).
    public var scaleNodes: Int { nagq ?? 11 }
    /// Nodes for a generalized linear mixed model: by default 1 (Laplace), glmer's default.
    public var glmmNodes: Int { nagq ?? 1 }
}

/// The numbers a formula asks for, on the rows it can use: the response, the
/// fixed-effects design matrix X as R's `model.matrix` builds it (`DesignMatrix`), and
/// for each random term its grouping factor and its columns of Z.
///
/// Variables are evaluated on all rows first (as R's `model.frame` does), then rows with
/// a missing value in any model variable, grouping factor, offset or weight are dropped
/// and counted, factors keep the levels present on the remaining rows, and columns of X
/// that depend linearly on earlier ones are dropped with a note, as lme4 does.
public struct ModelFrame: Sendable {
    public let formula: Formula
    public let options: ModelOptions
    /// Dataset rows used, in order.
    public let rows: [Int]
    /// The response minus any offset; for a generalized model (`options.family`) the response
    /// on the family's scale (`FamilyResponse`), the offset kept apart.
    public let y: [Double]
    /// Fixed-effects columns (column-major) and their names.
    public let x: [[Double]]
    public let xNames: [String]
    /// For each column of X the index of its term in `formula.fixed.terms` (−1: intercept).
    public let xAssign: [Int]
    public let random: [RandomBlock]
    public let droppedRows: Int
    /// Columns of X dropped because they depend linearly on earlier columns (lme4's rule).
    public let droppedColumns: [String]
    /// The offset on each used row (nil without `offset()`).
    public let offset: [Double]?
    /// The prior weights on each used row (nil without weights); a binomial `cbind` response's
    /// trials multiply them, as R's binomial family does.
    public let weights: [Double]?
    /// The scale formula's model matrix on the used rows, its intercept dropped (nil without one).
    public let scaleX: [[Double]]?
    public let scaleNames: [String]
    /// What the data-dependent variables learned (factor levels, `poly`, `scale`), for predictions.
    let learned: [Expression: LearnedTransform]
    /// Conventions used where lcstat and R may differ.
    public let notes: [String]
    /// The data the frame was made from (shared storage, not a copy), to evaluate its
    /// variables again: the fixed part under other contrasts (F tests), or new data.
    let data: Dataset

    public struct RandomBlock: Sendable {
        public let term: RandomTerm
        /// Group index of each used row (0..<levels.count), levels in R's sorted order.
        public let group: [Int32]
        public let levels: [String]
        /// Columns of this term's random effects (column-major), one per effect name.
        public let z: [[Double]]
        public let names: [String]
    }

    public var n: Int { y.count }
    public var p: Int { x.count }

    /// The same frame with every row of y, X and Z multiplied by `w[row]` (the
    /// transformed model of Var(eᵢ) = σ²/wᵢ²: a variance function or prior weights).
    func weighted(by w: [Double]) -> ModelFrame {
        mapped { c in (0..<c.count).map { c[$0] * w[$0] } }
    }

    /// The same frame with y and every column of X and Z mapped by `map`, a linear map of the
    /// rows that keeps each row's levels (whitening within groups nested in every grouping factor).
    func mapped(_ map: ([Double]) -> [Double]) -> ModelFrame {
        with(y: map(y), x: x.map(map), random: random.map {
            RandomBlock(term: $0.term, group: $0.group, levels: $0.levels, z: $0.z.map(map), names: $0.names)
        })
    }

    /// A frame of virtual rows, linear combinations of this frame's rows in the levels of their
    /// first row. Only its y, X and Z are meaningful: it is for cross-products (`CorrelationParts`).
    func combining(_ rows: RowCombination) -> ModelFrame {
        let leading = rows.leadingRows
        return with(y: rows.apply(y), x: x.map(rows.apply), random: random.map { b in
            RandomBlock(term: b.term, group: leading.map { b.group[Int($0)] }, levels: b.levels, z: b.z.map(rows.apply), names: b.names)
        })
    }

    /// The same frame with other random blocks (see `mergingTermsByFactor`).
    func replacingRandom(_ blocks: [RandomBlock]) -> ModelFrame { with(y: y, x: x, random: blocks) }

    /// The same frame with another response (parametric bootstrap, profiling).
    func replacingResponse(_ response: [Double]) -> ModelFrame { with(y: response, x: x, random: random) }

    /// The same rows, response, random terms, offset and weights with an intercept as the only
    /// fixed effect: the null model of Nakagawa's R² (insight's `null_model`).
    func interceptOnly() -> ModelFrame {
        ModelFrame(formula: formula, options: options, rows: rows, y: y, x: [[Double](repeating: 1, count: y.count)],
                   xNames: ["(Intercept)"], xAssign: [-1], random: random, droppedRows: droppedRows, droppedColumns: [], offset: offset,
                   weights: weights, scaleX: scaleX, scaleNames: scaleNames, learned: learned, notes: notes, data: data)
    }

    private func with(y: [Double], x: [[Double]], random: [RandomBlock]) -> ModelFrame {
        ModelFrame(formula: formula, options: options, rows: rows, y: y, x: x, xNames: xNames, xAssign: xAssign,
                   random: random, droppedRows: droppedRows, droppedColumns: droppedColumns, offset: offset,
                   weights: weights, scaleX: scaleX, scaleNames: scaleNames, learned: learned, notes: notes, data: data)
    }

    private init(formula: Formula, options: ModelOptions, rows: [Int], y: [Double], x: [[Double]], xNames: [String],
                 xAssign: [Int], random: [RandomBlock], droppedRows: Int, droppedColumns: [String], offset: [Double]?,
                 weights: [Double]?, scaleX: [[Double]]?, scaleNames: [String], learned: [Expression: LearnedTransform],
                 notes: [String], data: Dataset) {
        (self.formula, self.options, self.rows, self.y, self.x, self.xNames, self.xAssign) =
            (formula, options, rows, y, x, xNames, xAssign)
        (self.scaleX, self.scaleNames) = (scaleX, scaleNames)
        (self.random, self.droppedRows, self.droppedColumns, self.offset, self.weights, self.learned, self.notes, self.data) =
            (random, droppedRows, droppedColumns, offset, weights, learned, notes, data)
    }

    public init(_ formula: Formula, data: Dataset, options: ModelOptions = ModelOptions()) throws {
        self.formula = formula
        self.options = options
        self.data = data
        for c in formula.columns + (options.weights.map { [$0] } ?? []) + (options.scale?.columns ?? []) { _ = try data.column(c) }
        // the response as its own predictor (lag(), within() and between() of it are fine)
        if formula.fixed.variables.contains(formula.response) || formula.random.contains(where: { $0.effects.variables.contains(formula.response) }) {
            throw LCError(.invalidArgument, "the response '\(formula.responseName)' also appears among the predictors")
        }
        let contrastOf = try ModelFrame.contrastChoice(options.contrasts, formula.fixed)
        var evaluator = VariableEvaluator(data: data)
        if case .call("cbind", _) = formula.response.unparenthesised, options.family != .binomial {
            throw LCError(.invalidArgument, "the response \(formula.responseName) counts successes and failures: fit it with the binomial family (--family binomial, family=\"binomial\")")
        }
        let familyResponse = try options.family.map { try FamilyResponse(formula.response, family: $0, evaluator: &evaluator) }
        let response = try familyResponse?.y ?? evaluator.numeric(formula.response)
        let offsets = try formula.fixed.offsets.map { try evaluator.numeric($0) }
        let weightColumn = try options.weights.map { try evaluator.numeric(.name($0)) }
        let fixedValues = try formula.fixed.variables.map { try evaluator.value($0) }
        let randomValues = try formula.random.map { r in try r.effects.variables.map { try evaluator.value($0) } }
        let scaleValues = try options.scale?.terms.variables.map { try evaluator.value($0) } ?? []
        let groupings = try formula.random.map { try evaluator.grouping($0.grouping) }
        var groupOfRow = [[Int32]](repeating: [Int32](repeating: -1, count: data.rowCount), count: groupings.count)
        for (b, g) in groupings.enumerated() {
            for k in 0..<g.count { for r in g.rows(of: k) { groupOfRow[b][Int(r)] = Int32(k) } }
        }
        // rows with everything present
        var used: [Int] = []
        let allValues = fixedValues + randomValues.flatMap { $0 } + scaleValues
        for r in 0..<data.rowCount {
            if response[r].isNaN || offsets.contains(where: { $0[r].isNaN }) || (weightColumn?[r].isNaN ?? false) { continue }
            if familyResponse?.trials?[r].isNaN ?? false { continue }
            if allValues.contains(where: { $0.isMissing(r) }) || groupOfRow.contains(where: { $0[r] < 0 }) { continue }
            used.append(r)
        }
        guard !used.isEmpty else { throw LCError(.invalidArgument, "no row has every variable of the model") }
        rows = used
        droppedRows = data.rowCount - used.count
        let offsetSum = offsets.isEmpty ? nil : used.map { r in offsets.reduce(0) { $0 + $1[r] } }
        offset = offsetSum
        y = options.family != nil ? used.map { response[$0] } : used.enumerated().map { k, r in response[r] - (offsetSum?[k] ?? 0) }
        let prior = try weightColumn.map { w in
            try used.map { r in
                guard w[r] > 0 else {
                    throw LCError(.invalidArgument, "weights '\(options.weights ?? "")': data row \(r + 1) has \(w[r]); prior weights must be positive")
                }
                return w[r]
            }
        }
        if let trials = familyResponse?.trials {
            weights = used.enumerated().map { k, r in (prior?[k] ?? 1) * trials[r] }
        } else {
            weights = prior
        }
        // factors keep the levels present on the used rows; their levels are learned for predictions
        var learned = evaluator.learned
        func restrict(_ variables: [Expression], _ values: [VariableValue]) -> [VariableValue] {
            zip(variables, values).map { e, v in
                let kept = v.restricted(to: used)
                if case .factor(let f) = kept { learned[e] = .levels(f.levels, ordered: f.ordered) }
                return kept
            }
        }
        let design = try DesignMatrix(formula.fixed, values: restrict(formula.fixed.variables, fixedValues), rows: used.count,
                                      contrasts: contrastOf)
        let dependent = Set(DesignMatrix.dependentColumns(design.columns))
        let keep = design.columns.indices.filter { !dependent.contains($0) }
        x = keep.map { design.columns[$0] }
        xNames = keep.map { design.names[$0] }
        xAssign = keep.map { design.assign[$0] }
        droppedColumns = dependent.sorted().map { design.names[$0] }
        var random: [RandomBlock] = []
        for (b, term) in formula.random.enumerated() {
            let z = try DesignMatrix(term.effects, values: restrict(term.effects.variables, randomValues[b]), rows: used.count,
                                     contrasts: { _ in nil })
            try ModelLimits.checkRandom(effectsPerTerm: random.map { ($0.term.groupName, $0.z.count) } + [(term.groupName, z.columns.count)])
            // groups numbered among those present on the used rows, in sorted order
            let present = Factor(codes: groupOfRow[b], levels: groupings[b].labels, ordered: false).restricted(to: used)
            random.append(RandomBlock(term: term, group: present.codes, levels: present.levels, z: z.columns, names: z.names))
        }
        self.random = random
        if let scale = options.scale {
            let w = try DesignMatrix(scale.terms, values: scaleValues.map { $0.restricted(to: used) }, rows: used.count, contrasts: { _ in nil })
            guard DesignMatrix.dependentColumns(w.columns).isEmpty else {
                throw LCError(.invalidArgument, "the scale formula's columns are linearly dependent: \(w.names.joined(separator: ", "))")
            }
            (scaleX, scaleNames) = (Array(w.columns.dropFirst()), Array(w.names.dropFirst()))
        } else {
            (scaleX, scaleNames) = (nil, [])
        }
        self.learned = learned
        var notes = evaluator.notes
        if !droppedColumns.isEmpty {
            notes.append("fixed-effect model matrix is rank deficient so dropping \(droppedColumns.count) column\(droppedColumns.count == 1 ? "" : "s") / coefficient\(droppedColumns.count == 1 ? "" : "s"): \(droppedColumns.joined(separator: ", ")) (as lme4)")
        }
        self.notes = notes
    }

    /// The fixed part's variables on the frame's rows, evaluated again with what they learned.
    func fixedValues() throws -> [VariableValue] {
        var evaluator = VariableEvaluator(data: data, fitted: learned)
        return try formula.fixed.variables.map { try evaluator.value($0).restricted(to: rows) }
    }

    /// The contrasts of the fixed part's factor variables as the frame coded them.
    func contrastKinds(_ values: [VariableValue]) throws -> [ContrastKind?] {
        let choice = try ModelFrame.contrastChoice(options.contrasts, formula.fixed)
        return values.indices.map { v in
            guard case .factor(let f) = values[v] else { return nil }
            return choice(v) ?? (f.ordered ? .poly : .treatment)
        }
    }

    /// The contrasts for each fixed-part variable, matched by the variable's name as printed
    /// (`factor(session)`) or by its column; a name that matches no variable is an error.
    private static func contrastChoice(_ chosen: [String: ContrastKind], _ terms: ModelTerms) throws -> DesignMatrix.ContrastChoice {
        var byVariable: [Int: ContrastKind] = [:]
        for (name, kind) in chosen {
            let matches = terms.variables.indices.filter { v in
                terms.variables[v].description == name || terms.variables[v] == .name(name)
            }
            guard !matches.isEmpty else {
                throw LCError(.invalidArgument, "contrasts are given for '\(name)', which is not a variable of the fixed effects (\(terms.variables.map(\.description).joined(separator: ", ")))")
            }
            for v in matches { byVariable[v] = kind }
        }
        return { byVariable[$0] }
    }
}
