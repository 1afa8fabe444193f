import Glibc

/// Virtual rows, each a linear combination of a frame's rows: row v is
/// Σ coefficients[k]·row[rows[k]] over k in starts[v]..<starts[v + 1], in the levels of its first row.
struct RowCombination {
    private(set) var starts = [0]
    private(set) var rows: [Int32] = []
    private(set) var coefficients: [Double] = []

    var count: Int { starts.count - 1 }

    mutating func append(_ terms: (row: Int32, coefficient: Double)...) { append(terms) }

    mutating func append(_ terms: some Sequence<(row: Int32, coefficient: Double)>) {
        for (r, c) in terms { rows.append(r); coefficients.append(c) }
        starts.append(rows.count)
    }

    /// The column's value on each virtual row.
    func apply(_ column: [Double]) -> [Double] {
        (0..<count).map { v in (starts[v]..<starts[v + 1]).reduce(0) { $0 + coefficients[$1] * column[Int(rows[$1])] } }
    }

    /// The row whose levels each virtual row takes.
    var leadingRows: [Int32] { starts.dropLast().map { rows[$0] } }
}

/// The cross-products of whitened rows as a weighted sum of parts formed once, so that an
/// evaluation at a new φ or ρ costs per group and part, not per row (`PartsEngine`).
///
/// AR(1)/CAR(1): a row with a predecessor adds (n − ρp)(n − ρp)'/(1 − ρ²) (n: the row, p: its
/// predecessor, ρ = φ^lag). With d = n − p and s = 2n − p that is
///     (1 − 2ρ)/(1 + ρ)·nn' + ρ(2ρ − 1)/(1 − ρ²)·dd' + ρ/(1 + ρ)·ss',
/// three parts per distinct lag (d carries the large weight as ρ → 1, without cancellation);
/// first rows add themselves. CS: C⁻¹ = (I − ρ/(1 + (n − 1)ρ)·J)/(1 − ρ), so the rows weigh
/// 1/(1 − ρ) and each group's sum −ρ/((1 − ρ)(1 + (n − 1)ρ)), one part per group size.
struct CorrelationParts {
    let correlation: ResidualCorrelation
    let engine: PartsEngine

    /// Nil when the structure has more parts than `PartsEngine.maxParts` (many distinct lags) or
    /// the engine's layout does not allow parts.
    init?(_ correlation: ResidualCorrelation, frame: ModelFrame, base: ProfiledDeviance,
          segments: (ModelFrame) -> [RowSumSegment]) throws {
        self.correlation = correlation
        var rows = RowCombination(), part: [Int] = [], count: Int
        let c = correlation
        if case .compoundSymmetry = c.structure {
            count = 1 + c.sizes.count
            guard count <= PartsEngine.maxParts else { return nil }
            var sizeIndex: [Int: Int] = [:]
            for (k, n) in c.sizes.enumerated() { sizeIndex[n] = k }
            for i in c.order { rows.append((i, 1)); part.append(0) }
            for g in 0..<c.groupCount {
                let members = c.order[c.starts[g]..<c.starts[g + 1]]
                rows.append(members.map { (row: $0, coefficient: 1.0) })
                part.append(1 + (sizeIndex[members.count] ?? 0))
            }
        } else {
            count = 1 + 3 * c.lags.count
            guard count <= PartsEngine.maxParts else { return nil }
            for t in c.order.indices {
                let i = c.order[t], k = Int(c.lagIndex[t])
                if k < 0 { rows.append((i, 1)); part.append(0); continue }
                let before = c.order[t - 1]
                rows.append((i, 1)); part.append(1 + 3 * k)
                rows.append((i, 1), (before, -1)); part.append(2 + 3 * k)
                rows.append((i, 2), (before, -1)); part.append(3 + 3 * k)
            }
        }
        guard let engine = try PartsEngine(segments(frame.combining(rows)), part: part, parts: count, base: base) else { return nil }
        self.engine = engine
    }

    /// The engine of the whitened rows at ψ; nil where C is not positive definite.
    func engine(_ psi: Double) -> ProfiledDeviance? {
        let v = correlation.natural(psi)
        var weights: [Double]
        if case .compoundSymmetry = correlation.structure {
            guard v < 1 else { return nil }
            weights = [1 / (1 - v)]
            for n in correlation.sizes {
                let b = 1 + Double(n - 1) * v
                guard b > 0 else { return nil }
                weights.append(-v / ((1 - v) * b))
            }
        } else {
            weights = [1]
            for lag in correlation.lags {
                let rho = pow(v, lag), a = 1 - rho * rho
                guard a > 0 else { return nil }
                weights += [(1 - 2 * rho) / (1 + rho), rho * (2 * rho - 1) / a, rho / (1 + rho)]
            }
        }
        return engine.engine(weights)
    }
}
