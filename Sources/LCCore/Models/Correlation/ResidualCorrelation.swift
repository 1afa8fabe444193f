import Glibc

/// A correlation structure on the rows of a model frame: each group's rows in occasion
/// order, the lag of each row from the one before it, and the parameter on nlme's
/// unconstrained scale ψ (AR(1): φ = (e^ψ − 1)/(e^ψ + 1); CAR(1): φ = e^ψ/(1 + e^ψ);
/// CS: ρ = (e^ψ + ρ₀)/(e^ψ + 1), ρ₀ = −1/(m − 1)), so that the optimiser is unbounded.
///
/// The model is fitted on prewhitened rows (Pinheiro & Bates 2000, §5.1.1): with C_g = L_gL_g',
/// L_g⁻¹ applied to each group's y, X and Z gives independent residuals of variance σ², and
/// −2 log L gains Σ_g log|C_g|. This needs the grouping factors of the random effects to be
/// constant within each correlation group (nlme's rule that the correlation's groups are
/// nested in the random effects' groups): then a whitened row still belongs to one level of each.
struct ResidualCorrelation: Sendable {
    let structure: CorrelationStructure
    /// Frame rows, group by group, each group in occasion order: group g is `order[starts[g]..<starts[g + 1]]`.
    let order: [Int32]
    let starts: [Int]
    /// For each position of `order`: the index into `lags` of its lag from the row before it
    /// in its group, or −1 for a group's first row.
    let lagIndex: [Int32]
    /// The distinct lags, ascending, and how many rows have each.
    let lags: [Double]
    let lagCounts: [Int]
    /// The group sizes that occur, and how many groups have each.
    let sizes: [Int]
    let sizeCounts: [Int]

    init(_ structure: CorrelationStructure, frame: ModelFrame, data: Dataset) throws {
        self.structure = structure
        let (codes, labels) = try Grouping.codes(for: data.column(structure.group))
        let group = frame.rows.map { codes[$0] }
        if let bad = group.firstIndex(where: { $0 < 0 }) {
            throw LCError(.invalidArgument, "the correlation group '\(structure.group)' is missing on data row \(frame.rows[bad] + 1)")
        }
        // rows by group (a counting sort keeps the data order within each group)
        var count = [Int](repeating: 0, count: labels.count + 1)
        for g in group { count[Int(g) + 1] += 1 }
        for g in 0..<labels.count { count[g + 1] += count[g] }
        var next = count, byGroup = [Int32](repeating: 0, count: group.count)
        for (r, g) in group.enumerated() { byGroup[next[Int(g)]] = Int32(r); next[Int(g)] += 1 }
        // occasions: the column's values, or 1, 2, … in the data's order
        var occasion = [Double](repeating: 0, count: group.count)
        if let t = structure.time {
            let v = try data.numeric(t)
            for (i, r) in frame.rows.enumerated() {
                occasion[i] = v[r]
                guard v[r].isFinite else {
                    throw LCError(.invalidArgument, "the occasion '\(t)' of \(structure) is missing or not finite on data row \(r + 1)")
                }
                if case .ar1 = structure, v[r] != v[r].rounded() {
                    throw LCError(.invalidArgument, "ar1 needs whole-number occasions, but '\(t)' is \(v[r]) on data row \(r + 1); use car1(\(t) | \(structure.group)) for continuous time")
                }
            }
        } else {
            for g in 0..<labels.count { for (k, i) in byGroup[count[g]..<count[g + 1]].enumerated() { occasion[Int(i)] = Double(k + 1) } }
        }
        var order: [Int32] = [], starts = [0], lagOf: [Double] = []
        order.reserveCapacity(group.count)
        lagOf.reserveCapacity(group.count)
        for g in 0..<labels.count where count[g + 1] > count[g] {
            let rows = byGroup[count[g]..<count[g + 1]].sorted { occasion[Int($0)] < occasion[Int($1)] }
            for (k, i) in rows.enumerated() {
                let lag = k == 0 ? 0 : occasion[Int(i)] - occasion[Int(rows[k - 1])]
                if k > 0 && lag == 0 {
                    throw LCError(.invalidArgument, "\(structure): '\(structure.time ?? "")' has the value \(labelText(occasion[Int(i)])) twice in group '\(labels[g])' (data rows \(frame.rows[Int(rows[k - 1])] + 1) and \(frame.rows[Int(i)] + 1)); occasions must be unique within a group")
                }
                order.append(i)
                lagOf.append(lag)
            }
            starts.append(order.count)
        }
        try Self.checkNesting(structure, frame: frame, order: order, starts: starts, labels: labels, group: group)
        let distinct = Array(Set(lagOf.filter { $0 > 0 })).sorted()
        var index: [Double: Int32] = [:]
        for (k, l) in distinct.enumerated() { index[l] = Int32(k) }
        lagIndex = lagOf.map { $0 > 0 ? index[$0] ?? -1 : -1 }
        var lagCounts = [Int](repeating: 0, count: distinct.count)
        for k in lagIndex where k >= 0 { lagCounts[Int(k)] += 1 }
        var bySize: [Int: Int] = [:]
        for g in 0..<(starts.count - 1) { bySize[starts[g + 1] - starts[g], default: 0] += 1 }
        sizes = bySize.keys.sorted()
        sizeCounts = sizes.map { bySize[$0] ?? 0 }
        (self.order, self.starts, lags, self.lagCounts) = (order, starts, distinct, lagCounts)
        if case .compoundSymmetry = structure, (sizes.last ?? 1) < 2 {
            throw LCError(.invalidArgument, "\(structure): every group of '\(structure.group)' has one row, so there is no correlation to estimate")
        }
    }

    /// Every grouping factor of the random effects must be constant within each correlation group.
    private static func checkNesting(_ structure: CorrelationStructure, frame: ModelFrame, order: [Int32], starts: [Int],
                                     labels: [String], group: [Int32]) throws {
        for block in frame.random {
            for g in 0..<(starts.count - 1) {
                let first = Int(order[starts[g]])
                for i in order[starts[g]..<starts[g + 1]] where block.group[Int(i)] != block.group[first] {
                    throw LCError(.invalidArgument, "\(structure): group '\(labels[Int(group[first])])' of '\(structure.group)' has rows in two levels of the grouping factor \(block.term.groupName) ('\(block.levels[Int(block.group[first])])' and '\(block.levels[Int(block.group[Int(i)])])'); the correlation's groups must be nested in every grouping factor of the random effects, as nlme requires")
                }
            }
        }
    }

    var groupCount: Int { starts.count - 1 }

    /// ρ₀ = −1/(m − 1) for the largest group size m: compound symmetry's lower bound.
    private var csLower: Double { -1 / Double(max(2, sizes.last ?? 2) - 1) }

    /// nlme's starting value: φ = 0 (AR(1)), φ = 0.2 (CAR(1)), ρ = 0 (CS).
    var start: Double {
        switch structure {
        case .ar1: return 0
        case .car1: return log(0.2 / 0.8)
        case .compoundSymmetry: return log(-csLower)
        }
    }

    /// φ or ρ from ψ.
    func natural(_ psi: Double) -> Double {
        switch structure {
        case .ar1: return tanh(psi / 2)
        case .car1: return 1 / (1 + exp(-psi))
        case .compoundSymmetry:
            let e = exp(psi)
            return e.isFinite ? (e + csLower) / (e + 1) : 1
        }
    }

    /// dφ/dψ (or dρ/dψ), for the delta method.
    func derivative(_ psi: Double) -> Double {
        let v = natural(psi)
        switch structure {
        case .ar1: return (1 - v * v) / 2
        case .car1: return v * (1 - v)
        case .compoundSymmetry: return (v - csLower) * (1 - v) / (1 - csLower)
        }
    }

    /// The correlation at each distinct lag (AR(1), CAR(1)): φ^lag.
    private func lagCorrelations(_ phi: Double) -> [Double] { lags.map { pow(phi, $0) } }

    /// Σ_g log|C_g| at ψ, nil where C is not positive definite.
    /// AR(1)/CAR(1): Σ over rows with a predecessor of log(1 − ρ²), ρ = φ^lag;
    /// CS: Σ_g (n_g − 1) log(1 − ρ) + log(1 + (n_g − 1)ρ).
    func logDeterminant(_ psi: Double) -> Double? {
        let v = natural(psi)
        var sum = 0.0
        if case .compoundSymmetry = structure {
            for (n, c) in zip(sizes, sizeCounts) {
                let a = 1 - v, b = 1 + Double(n - 1) * v
                guard a > 0, b > 0 else { return nil }
                sum += Double(c) * (Double(n - 1) * log(a) + log(b))
            }
        } else {
            for (rho, c) in zip(lagCorrelations(v), lagCounts) {
                let a = 1 - rho * rho
                guard a > 0 else { return nil }
                sum += Double(c) * log(a)
            }
        }
        return sum.isFinite ? sum : nil
    }

    /// The map of a column to its whitened values L⁻¹x (`forward`) or back, Lw (`!forward`),
    /// group by group, each row kept in its place; nil where C is not positive definite.
    /// AR(1): x*₁ = x₁, x*ₜ = (xₜ − ρxₜ₋₁)/√(1 − ρ²) with ρ = φ^lag;
    /// CS: x*ᵢ = (xᵢ − γx̄)/√(1 − ρ) with γ = 1 − √((1 − ρ)/(1 + (n − 1)ρ)) (a symmetric root).
    func whitening(_ psi: Double, forward: Bool = true) -> (([Double]) -> [Double])? {
        let v = natural(psi)
        guard logDeterminant(psi) != nil else { return nil }
        let (order, starts) = (self.order, self.starts)
        if case .compoundSymmetry = structure {
            let root = (1 - v).squareRoot()
            return { x in
                var out = x
                for g in 0..<(starts.count - 1) {
                    let rows = order[starts[g]..<starts[g + 1]], n = Double(rows.count)
                    let gamma = 1 - ((1 - v) / (1 + (n - 1) * v)).squareRoot()
                    let mean = rows.reduce(0) { $0 + x[Int($1)] } / n
                    for i in rows {
                        out[Int(i)] = forward ? (x[Int(i)] - gamma * mean) / root : root * (x[Int(i)] + gamma / (1 - gamma) * mean)
                    }
                }
                return out
            }
        }
        let rho = lagCorrelations(v), scale = rho.map { (1 - $0 * $0).squareRoot() }
        let lagIndex = self.lagIndex
        return { x in
            var out = x
            for t in order.indices where lagIndex[t] >= 0 {
                let (i, before, k) = (Int(order[t]), Int(order[t - 1]), Int(lagIndex[t]))
                out[i] = forward ? (x[i] - rho[k] * x[before]) / scale[k] : scale[k] * x[i] + rho[k] * out[before]
            }
            return out
        }
    }
}
