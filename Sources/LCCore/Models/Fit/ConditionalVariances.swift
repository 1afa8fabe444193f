/// Conditional variances of the random effects given the data at the estimates, as lme4's
/// `ranef(condVar = TRUE)` gives them (Bates et al. 2015, §3.2):
///
///     Var(b | y) = σ² Λ (Λ'Z'WZΛ + I)⁻¹ Λ',
///
/// its diagonal block for each level of each grouping factor. With one factor the matrix is
/// block diagonal. With two, ordered [f₁ (more levels); f₂], the blocks of the inverse come
/// from the Schur complement S = C − Σ_k B_k'A_k⁻¹B_k (A_k: f₁ level k's block, B_k: its
/// coupling to f₂, C: f₂'s block-diagonal part): f₂'s blocks are those of S⁻¹, f₁'s are
/// A_k⁻¹ + A_k⁻¹B_k S⁻¹ B_k'A_k⁻¹. β̂ is held fixed, as in lme4.
enum ConditionalVariances {
    /// f₂'s effects (levels × effects) up to which S is inverted densely.
    static let maxDense = 2_000

    /// For each component, each level, each effect: the conditional SD. Nil when the second
    /// factor is too large for a dense Schur complement.
    static func standardDeviations(_ fit: LMMFit) -> [[[Double]]]? {
        // components by grouping factor (terms of one factor share it: block-diagonal Λ)
        let factors = fit.frame.termsByFactor
        guard factors.count <= 2 else { return nil }
        let working = fit.workingFrame()     // weights and correlation in the rows: W = I
        let parts = factors.map { Part(fit, members: $0, frame: working) }
        let s2 = fit.sigma * fit.sigma
        var blocks: [[Matrix]]     // per factor, per level: Var(b | y)/σ² before Λ
        if parts.count == 1 {
            blocks = [parts[0].diagonal().map { ($0.cholesky()?.inverseOfProduct()) ?? Matrix(rows: $0.rows, cols: $0.cols, repeating: .nan) }]
        } else {
            let (f1, f2) = parts[0].levels >= parts[1].levels ? (0, 1) : (1, 0)
            guard let inner = schur(fit, parts[f1], parts[f2]) else { return nil }
            blocks = [[], []]
            blocks[f1] = inner.first
            blocks[f2] = inner.second
        }
        // back to b: σ² Λ M Λ', split among the factor's terms
        var out = [[[Double]]](repeating: [], count: fit.components.count)
        for (f, part) in parts.enumerated() {
            var perLevel: [[Double]] = []
            for m in blocks[f] {
                let v = part.lambda * m * part.lambda.transposed
                perLevel.append((0..<v.rows).map { (s2 * v[$0, $0]).squareRoot() })
            }
            var offset = 0
            for c in part.members {
                let q = fit.components[c].names.count
                out[c] = perLevel.map { Array($0[offset..<(offset + q)]) }
                offset += q
            }
        }
        return out
    }

    /// One grouping factor's effects: Λ and Z of its terms side by side.
    struct Part {
        let members: [Int]
        let lambda: Matrix
        let z: [[Double]]
        let group: [Int32]
        let levels: Int
        var q: Int { lambda.rows }

        init(_ fit: LMMFit, members: [Int], frame: ModelFrame) {
            self.members = members
            let sizes = members.map { fit.components[$0].names.count }
            var l = Matrix(rows: sizes.reduce(0, +), cols: sizes.reduce(0, +))
            var offset = 0
            for (c, size) in zip(members, sizes) {
                for i in 0..<size { for j in 0..<size { l[offset + i, offset + j] = fit.components[c].lambda[i, j] } }
                offset += size
            }
            lambda = l
            z = members.flatMap { frame.random[$0].z }
            group = frame.random[members[0]].group
            levels = fit.components[members[0]].levels.count
        }

        /// Λ'Z_k'Z_kΛ + I for each level k, on the working frame's rows (W and C whitened into them).
        func diagonal() -> [Matrix] {
            var zz = [Matrix](repeating: Matrix(rows: q, cols: q), count: levels)
            for i in group.indices {
                let k = Int(group[i])
                for a in 0..<q { for b in 0..<q { zz[k][a, b] += z[a][i] * z[b][i] } }
            }
            return zz.map { lambda.transposed * $0 * lambda + .identity(q) }
        }
    }

    private static func schur(_ fit: LMMFit, _ p1: Part, _ p2: Part) -> (first: [Matrix], second: [Matrix])? {
        let (q1, q2) = (p1.q, p2.q)
        guard p2.levels * q2 <= maxDense else { return nil }
        let aInverse = p1.diagonal().map { $0.cholesky()?.inverseOfProduct() ?? Matrix(rows: q1, cols: q1, repeating: .nan) }
        // B_k: Λ₁'Z₁ₖ'WZ₂Λ₂, kept per co-occurring level of f₂
        var coupling = [[Int: Matrix]](repeating: [:], count: p1.levels)
        for i in p1.group.indices {
            let k = Int(p1.group[i]), j = Int(p2.group[i])
            var m = coupling[k][j] ?? Matrix(rows: q1, cols: q2)
            for a in 0..<q1 { for b in 0..<q2 { m[a, b] += p1.z[a][i] * p2.z[b][i] } }
            coupling[k][j] = m
        }
        for k in coupling.indices { for (j, m) in coupling[k] { coupling[k][j] = p1.lambda.transposed * m * p2.lambda } }
        // S = C − Σ_k B_k'A_k⁻¹B_k
        let size = p2.levels * q2
        var s = Matrix(rows: size, cols: size)
        for (j, c) in p2.diagonal().enumerated() { for a in 0..<q2 { for b in 0..<q2 { s[j * q2 + a, j * q2 + b] = c[a, b] } } }
        for k in coupling.indices {
            for (j, bj) in coupling[k] {
                let left = bj.transposed * aInverse[k]
                for (j2, bj2) in coupling[k] {
                    let m = left * bj2
                    for a in 0..<q2 { for b in 0..<q2 { s[j * q2 + a, j2 * q2 + b] -= m[a, b] } }
                }
            }
        }
        guard let sInverse = s.cholesky()?.inverseOfProduct() else { return nil }
        func block(_ j: Int, _ j2: Int) -> Matrix {
            var m = Matrix(rows: q2, cols: q2)
            for a in 0..<q2 { for b in 0..<q2 { m[a, b] = sInverse[j * q2 + a, j2 * q2 + b] } }
            return m
        }
        let second = (0..<p2.levels).map { block($0, $0) }
        let first = coupling.indices.map { k -> Matrix in
            var inner = Matrix(rows: q1, cols: q1)
            for (j, bj) in coupling[k] { for (j2, bj2) in coupling[k] { inner = inner + bj * block(j, j2) * bj2.transposed } }
            return aInverse[k] + aInverse[k] * inner * aInverse[k]
        }
        return (first, second)
    }
}

extension LMMFit {
    /// The conditional modes in long form with their conditional SDs, as lme4's
    /// `as.data.frame(ranef(fit, condVar = TRUE))`: `group, level, term, value, se`.
    public var ranef: ResultTable {
        let sds = ConditionalVariances.standardDeviations(self)
        var group: [String] = [], level: [String] = [], term: [String] = [], value: [Double] = [], se: [Double] = []
        for (c, comp) in components.enumerated() {
            for (e, name) in comp.names.enumerated() {
                for (k, l) in comp.levels.enumerated() {
                    group.append(comp.term.groupName); level.append(l); term.append(name)
                    value.append(comp.modes[k][e]); se.append(sds?[c][k][e] ?? .nan)
                }
            }
        }
        return ResultTable(columns: [.init("group", .text(group)), .init("level", .text(level)), .init("term", .text(term)),
                                     .init("value", .double(value)), .init("se", .double(se))],
                           notes: sds == nil ? ["conditional SDs need a dense block of at most \(ConditionalVariances.maxDense) effects for the second grouping factor"]
                                             : ["se: conditional SDs given the data at the estimates (lme4's condVar)"])
    }
}
