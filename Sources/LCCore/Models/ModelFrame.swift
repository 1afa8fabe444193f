/// The numbers a formula asks for, on the rows it can use: the response, the
/// fixed-effects design matrix X (with treatment contrasts for text columns,
/// first level as reference, named as lme4 names them, e.g. `groupB`), and for
/// each random term its grouping factor and its columns of Z.
///
/// Derived variables are computed on all rows first (as `ave()` would in R),
/// then rows with a missing value in any model variable are dropped and counted.
public struct ModelFrame: Sendable {
    public let formula: Formula
    /// Dataset rows used, in order.
    public let rows: [Int]
    public let y: [Double]
    /// Fixed-effects columns (column-major) and their names.
    public let x: [[Double]]
    public let xNames: [String]
    public let random: [RandomBlock]
    public let droppedRows: Int

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
    /// transformed model of a residual variance function: Var(eᵢ) = σ²/wᵢ²).
    func weighted(by w: [Double]) -> ModelFrame {
        func scale(_ c: [Double]) -> [Double] { (0..<c.count).map { c[$0] * w[$0] } }
        return ModelFrame(formula: formula, rows: rows, y: scale(y), x: x.map(scale), xNames: xNames,
                          random: random.map { RandomBlock(term: $0.term, group: $0.group, levels: $0.levels,
                                                           z: $0.z.map(scale), names: $0.names) },
                          droppedRows: droppedRows)
    }

    /// The same frame with other random blocks (see `mergingTermsByFactor`).
    func replacingRandom(_ blocks: [RandomBlock]) -> ModelFrame {
        ModelFrame(formula: formula, rows: rows, y: y, x: x, xNames: xNames, random: blocks, droppedRows: droppedRows)
    }

    private init(formula: Formula, rows: [Int], y: [Double], x: [[Double]], xNames: [String], random: [RandomBlock],
                 droppedRows: Int) {
        (self.formula, self.rows, self.y, self.x, self.xNames, self.random, self.droppedRows) =
            (formula, rows, y, x, xNames, random, droppedRows)
    }

    public init(_ formula: Formula, data: Dataset) throws {
        self.formula = formula
        for c in formula.columns { _ = try data.column(c) }
        // the response as its own predictor (lag(), within() and between() of it are fine)
        let predictors = formula.fixed + formula.random.flatMap(\.terms)
        if predictors.contains(where: { $0.factors.contains(.column(formula.response)) }) {
            throw LCError(.invalidArgument, "the response '\(formula.response)' also appears among the predictors")
        }
        var cache = VariableCache(data: data)
        let response = try cache.numeric(.column(formula.response), role: "response")
        // fixed and random design columns on all rows
        var xCols: [(String, [Double])] = formula.intercept ? [("(Intercept)", [Double](repeating: 1, count: data.rowCount))] : []
        for t in formula.fixed {
            xCols += try cache.columns(for: t)
            try ModelLimits.checkFixed(columns: xCols.count, rows: data.rowCount, what: "the model")
        }
        var zBlocks: [([(String, [Double])], Grouping, RandomTerm)] = []
        for r in formula.random {
            var cols: [(String, [Double])] = r.intercept ? [("(Intercept)", [Double](repeating: 1, count: data.rowCount))] : []
            for t in r.terms { cols += try cache.columns(for: t) }
            guard !cols.isEmpty else { throw LCError(.invalidArgument, "the random term for \(r.groupName) has no effects") }
            try ModelLimits.checkRandom(effectsPerTerm: zBlocks.map { ($0.2.groupName, $0.0.count) } + [(r.groupName, cols.count)])
            zBlocks.append((cols, try Grouping(data, keys: r.grouping), r))
        }
        // rows with everything present
        var groupOfRow = [[Int32]](repeating: [Int32](repeating: -1, count: data.rowCount), count: zBlocks.count)
        for (b, block) in zBlocks.enumerated() {
            for g in 0..<block.1.count { for r in block.1.rows(of: g) { groupOfRow[b][Int(r)] = Int32(g) } }
        }
        var used: [Int] = []
        for r in 0..<data.rowCount {
            if response[r].isNaN { continue }
            if xCols.contains(where: { $0.1[r].isNaN }) { continue }
            if zBlocks.indices.contains(where: { b in groupOfRow[b][r] < 0 || zBlocks[b].0.contains { $0.1[r].isNaN } }) { continue }
            used.append(r)
        }
        guard !used.isEmpty else { throw LCError(.invalidArgument, "no row has every variable of the model") }
        rows = used
        y = used.map { response[$0] }
        x = xCols.map { c in used.map { c.1[$0] } }
        xNames = xCols.map(\.0)
        droppedRows = data.rowCount - used.count
        random = zBlocks.enumerated().map { b, block in
            // renumber groups to those present in the used rows, keeping the sorted order
            var present = [Bool](repeating: false, count: block.1.count)
            for r in used { present[Int(groupOfRow[b][r])] = true }
            var map = [Int32](repeating: -1, count: block.1.count)
            var levels: [String] = []
            for g in 0..<block.1.count where present[g] { map[g] = Int32(levels.count); levels.append(block.1.labels[g]) }
            return RandomBlock(term: block.2, group: used.map { map[Int(groupOfRow[b][$0])] }, levels: levels,
                               z: block.0.map { c in used.map { c.1[$0] } }, names: block.0.map(\.0))
        }
    }
}

/// Evaluates variables once each on all rows of a dataset.
private struct VariableCache {
    let data: Dataset
    private var done: [Variable: [(String, [Double])]] = [:]

    init(data: Dataset) { self.data = data }

    func numeric(_ v: Variable, role: String) throws -> [Double] {
        guard case .column(let c) = v else { throw LCError(.internalError, "numeric(\(v))") }
        switch try data.column(c).values {
        case .numeric(let x):
            let d = x.doubles
            if let bad = d.firstIndex(where: { $0.isInfinite }) {
                throw LCError(.nonFinite, "column '\(c)', data row \(bad + 1): \(d[bad]) is not a finite number")
            }
            return d
        case .labels: throw LCError(.nonNumeric, "the \(role) '\(c)' must be numeric")
        }
    }

    /// The design columns of a term: products of its factors' columns (treatment contrasts for text).
    mutating func columns(for t: Term) throws -> [(String, [Double])] {
        var out: [(String, [Double])] = [("", [Double](repeating: 1, count: data.rowCount))]
        for f in t.factors {
            let cols = try columns(of: f)
            let (count, overflow) = out.count.multipliedReportingOverflow(by: cols.count)
            try ModelLimits.checkFixed(columns: overflow ? Int.max : count, rows: data.rowCount, what: "the term \(t)")
            out = out.flatMap { l in cols.map { r in
                (l.0.isEmpty ? r.0 : l.0 + ":" + r.0, zip(l.1, r.1).map { $0 * $1 })
            } }
        }
        return out
    }

    private mutating func columns(of v: Variable) throws -> [(String, [Double])] {
        if let hit = done[v] { return hit }
        let result: [(String, [Double])]
        switch v {
        case .column(let c):
            switch try data.column(c).values {
            case .numeric: result = [(c, try numeric(v, role: "predictor"))]
            case .labels:
                let (sortedCodes, sortedLevels) = try Grouping.codes(for: data.column(c))
                try ModelLimits.checkFixed(columns: sortedLevels.count - 1, rows: data.rowCount, what: "the factor '\(c)'")
                result = sortedLevels.indices.dropFirst().map { k in
                    (c + sortedLevels[k], sortedCodes.map { $0 < 0 ? .nan : ($0 == Int32(k) ? 1 : 0) })
                }
            }
        case .within(let x, let g):
            let (values, means) = try groupMeans(x, g)
            result = [(v.description, zip(values, means).map { $0 - $1 })]
        case .between(let x, let g):
            result = [(v.description, try groupMeans(x, g).1)]
        case .center(let x):
            let values = try numeric(.column(x), role: "predictor")
            let present = values.filter { !$0.isNaN }
            let mean = present.reduce(0, +) / Double(max(present.count, 1))
            result = [(v.description, values.map { $0 - mean })]
        case .lag(let x, let g, let t):
            result = [(v.description, try lagged(x, g, t))]
        }
        done[v] = result
        return result
    }

    /// x, and the mean of x's non-missing values within each group of g (R's ave with na.rm).
    private func groupMeans(_ x: String, _ g: String) throws -> ([Double], [Double]) {
        let values = try numeric(.column(x), role: "predictor")
        let groups = try Grouping(data, keys: [g])
        var means = [Double](repeating: .nan, count: data.rowCount)
        for k in 0..<groups.count {
            var s = 0.0, n = 0
            for r in groups.rows(of: k) where !values[Int(r)].isNaN { s += values[Int(r)]; n += 1 }
            let m = n > 0 ? s / Double(n) : .nan
            for r in groups.rows(of: k) { means[Int(r)] = m }
        }
        return (values, means)
    }

    /// x at occasion t − 1 of the same group; missing when that occasion is absent or missing.
    private func lagged(_ x: String, _ g: String, _ t: String) throws -> [Double] {
        let values = try numeric(.column(x), role: "predictor")
        let time = try numeric(.column(t), role: "time")
        let groups = try Grouping(data, keys: [g])
        var out = [Double](repeating: .nan, count: data.rowCount)
        for k in 0..<groups.count {
            var at: [Double: Double] = [:]
            for r in groups.rows(of: k) where !time[Int(r)].isNaN {
                if at[time[Int(r)]] != nil {
                    throw LCError(.invalidArgument, "lag(\(x), \(g), \(t)): \(g) '\(groups.labels[k])' has occasion \(labelText(time[Int(r)])) twice")
                }
                at[time[Int(r)]] = values[Int(r)]
            }
            for r in groups.rows(of: k) where !time[Int(r)].isNaN { out[Int(r)] = at[time[Int(r)] - 1] ?? .nan }
        }
        return out
    }
}
