import Glibc

/// Cross-products for any number of grouping factors, nested, crossed or partially
/// crossed (Bates et al. 2015, JSS 67(1), §3; MixedModels.jl's blocked Cholesky).
///
/// Factors are ordered by number of levels, most first. Write W = [Z₂ … Z_K X y] for
/// every column but the first factor's, T = blockdiag(Λ₂ … Λ_K, I), and
///
///     L₁₁ᵢ = chol(Λ₁'Z₁ᵢ'Z₁ᵢΛ₁ + I)                 one small block per level i of factor 1
///     Cᵢ   = T'W'Z₁ᵢΛ₁L₁₁ᵢ⁻ᵀ                        sparse: the columns level i meets
///     M    = T'W'WT + [I 0; 0 0] − Σᵢ CᵢCᵢ'           dense, then M = LL' (Cholesky)
///
/// Then log|L_θ|² = Σᵢ log|L₁₁ᵢ|² + Σ_{d<q} log L_dd², the X rows of L give R_X' and the
/// last diagonal r(θ), the penalised residual (r² = min ‖y − Xβ − ZΛu‖² + ‖u‖²).
/// M is factored in stages: each next factor whose block stays block diagonal (no two of
/// its levels meet through an earlier one: organisations whose members each belong to
/// one organisation) is eliminated level by level, with updates only where its levels
/// meet later columns (a symbolic pass at build time finds them); the rest is dense.
/// Every sum over rows is formed once; an evaluation costs per level and entry, plus
/// the dense factorisation of what is left. Used for three or more factors (one and two
/// have their own engines).
struct BlockedCrossProducts: ProfiledDeviance {
    let n: Int, p: Int
    /// Effects and levels per factor, in engine order.
    let q: [Int], levels: [Int]
    /// Where each factor k ≥ 1 starts among W's columns (index 0 unused); X starts at
    /// `randomCount`, y is the last column.
    let start: [Int]
    let randomCount: Int, dim: Int
    /// Z₁ᵢ'Z₁ᵢ per level i of factor 1, q₁×q₁ row-major at `i·q₁²`.
    let a11: [Double]
    /// W'Z₁ᵢ per level i, sparse: entries `entryStart[i] ..< entryStart[i + 1]`, each a column
    /// of W (`entryColumn`, ascending) with its q₁ values in `entryValues`.
    let entryStart: [Int], entryColumn: [Int], entryValues: [Double]
    /// W'W, dim × dim, lower triangle of a row-major array.
    let ww: [Double]
    /// The factor and first column of the level block of each random column of W.
    let factorOfColumn: [Int], blockOfColumn: [Int]
    /// Factors 2…`peeled` are eliminated level by level; `peelRows[k][l]` lists the later
    /// columns that level l of factor k meets (after the fill of earlier stages), ascending.
    let peeled: Int
    let peelRows: [[[Int]]]
    /// Where the dense stage starts (the first column of factor `peeled` + 1, or X).
    let denseFrom: Int
    /// The levels of factor 1 in the order they are eliminated: by the first column they
    /// meet, so that neighbours update the same rows of M (the result is the same).
    let eliminationOrder: [Int]
    let xtx: Matrix
    var effectsPerTerm: [Int] { q }
    var rowSumsBySegment: [[Double]] { [] }
    func withRowSums(_ sums: [[Double]]) -> ProfiledDeviance? { nil }

    init(_ f: ModelFrame, _ blocks: [ModelFrame.RandomBlock]) {
        (n, p) = (f.n, f.p)
        q = blocks.map { $0.z.count }
        levels = blocks.map { $0.levels.count }
        var start = [0], at = 0
        for k in 1..<blocks.count { start.append(at); at += levels[k] * q[k] }
        start[0] = 0
        (self.start, randomCount, dim) = (start, at, at + p + 1)
        let (q1, g1, dim) = (q[0], levels[0], at + p + 1)
        var ww = [Double](repeating: 0, count: dim * dim)
        var a11 = [Double](repeating: 0, count: g1 * q1 * q1)
        // rows by level of factor 1 (counting sort), so each level's entries are summed together
        var first = [Int](repeating: 0, count: g1 + 1)
        for r in 0..<n { first[Int(blocks[0].group[r]) + 1] += 1 }
        for i in 0..<g1 { first[i + 1] += first[i] }
        var next = first, rows = [Int](repeating: 0, count: n)
        for r in 0..<n { let i = Int(blocks[0].group[r]); rows[next[i]] = r; next[i] += 1 }
        var entryStart = [0], entryColumn: [Int] = [], entryValues: [Double] = []
        var columns: [Int] = [], values: [Double] = []
        for i in 0..<g1 {
            var slot: [Int: Int] = [:], levelColumns: [Int] = [], sums: [[Double]] = []
            for r in rows[first[i]..<first[i + 1]] {
                // the row of W: its Z columns of factors 2…K, then X and y
                (columns, values) = ([], [])
                for k in 1..<blocks.count {
                    let base = start[k] + Int(blocks[k].group[r]) * q[k]
                    for a in 0..<q[k] { columns.append(base + a); values.append(blocks[k].z[a][r]) }
                }
                for b in 0..<p { columns.append(at + b); values.append(f.x[b][r]) }
                columns.append(at + p); values.append(f.y[r])
                for (u, cu) in columns.enumerated() {
                    for (v, cv) in columns.enumerated() where cv <= cu { ww[cu * dim + cv] += values[u] * values[v] }
                }
                for a in 0..<q1 {
                    for b in 0..<q1 { a11[(i * q1 + a) * q1 + b] += blocks[0].z[a][r] * blocks[0].z[b][r] }
                }
                for (u, c) in columns.enumerated() {
                    let s: Int
                    if let found = slot[c] { s = found } else {
                        s = sums.count; slot[c] = s; levelColumns.append(c); sums.append([Double](repeating: 0, count: q1))
                    }
                    for a in 0..<q1 { sums[s][a] += values[u] * blocks[0].z[a][r] }
                }
            }
            for s in levelColumns.indices.sorted(by: { levelColumns[$0] < levelColumns[$1] }) {
                entryColumn.append(levelColumns[s]); entryValues += sums[s]
            }
            entryStart.append(entryColumn.count)
        }
        (self.ww, self.a11, self.entryStart, self.entryColumn, self.entryValues) = (ww, a11, entryStart, entryColumn, entryValues)
        xtx = FixedCrossProducts.of(f).0
        var factorOfColumn = [Int](repeating: 0, count: at), blockOfColumn = [Int](repeating: 0, count: at)
        for k in 1..<blocks.count {
            for c in start[k]..<(start[k] + levels[k] * q[k]) { factorOfColumn[c] = k; blockOfColumn[c] = c - (c - start[k]) % q[k] }
        }
        (self.factorOfColumn, self.blockOfColumn) = (factorOfColumn, blockOfColumn)
        // symbolic pass: which random columns meet, after eliminating factor 1 and each peeled factor
        var meets = [Bool](repeating: false, count: at * at)      // lower triangle over the random columns
        for r in 0..<n {
            var touched: [Int] = []
            for k in 1..<blocks.count { let base = start[k] + Int(blocks[k].group[r]) * q[k]; for a in 0..<q[k] { touched.append(base + a) } }
            for u in touched { for v in touched where v <= u { meets[u * at + v] = true } }
        }
        for i in 0..<g1 {
            let cols = entryColumn[entryStart[i]..<entryStart[i + 1]].filter { $0 < at }
            for u in cols { for v in cols where v <= u { meets[u * at + v] = true } }
        }
        var peeled = 0, peelRows: [[[Int]]] = [[]]        // (index 0: factor 1, never peeled here)
        for k in 1..<blocks.count {
            let range = start[k]..<(start[k] + levels[k] * q[k])
            var blockDiagonal = true
            for u in range { for v in range.lowerBound..<u where meets[u * at + v] && blockOfColumn[u] != blockOfColumn[v] { blockDiagonal = false } }
            guard blockDiagonal else { break }
            var rowsOfLevel: [[Int]] = []
            let qk = q[k]
            for l in 0..<levels[k] {
                let b0 = start[k] + l * qk
                var later: [Int] = []
                for r in range.upperBound..<at where (b0..<(b0 + qk)).contains(where: { meets[r * at + $0] }) { later.append(r) }
                for u in later { for v in later where v <= u { meets[u * at + v] = true } }
                rowsOfLevel.append(later + Array(at..<dim))       // X and y always
            }
            peelRows.append(rowsOfLevel)
            peeled = k
        }
        (self.peeled, self.peelRows) = (peeled, peelRows)
        denseFrom = peeled + 1 < blocks.count ? start[peeled + 1] : at
        eliminationOrder = (0..<g1).sorted { (entryColumn[entryStart[$0]], $0) < (entryColumn[entryStart[$1]], $1) }
    }

    /// The factor at θ: L₁₁ᵢ (q₁×q₁ row-major, lower), Cᵢ (entries as stored, q₁ each) and L of M.
    private struct Factor {
        /// L₁₁ᵢ of level i at `l11[i·q₁² ..< (i + 1)·q₁²]`, row-major.
        var l11: [Double], c: [Double], l: [Double]
    }

    /// Λ of every factor, row-major q×q.
    private func lambdas(_ theta: [Double]) -> [[Double]] {
        (0..<q.count).map { lambda(theta, term: $0).values }
    }

    /// x ← T'x for a column vector over W's columns (x[c] for c in 0..<dim), in place:
    /// (Λ'x)_u = Σ_{a ≥ u} Λ[a, u] x_a within each level block, u ascending.
    private func applyTransposeT(_ x: UnsafeMutablePointer<Double>, stride: Int, _ lam: [[Double]]) {
        var c = 0
        while c < randomCount {
            let k = factorOfColumn[c], qk = q[k]
            for u in 0..<qk {
                var v = 0.0
                for a in u..<qk { v += lam[k][a * qk + u] * x[(c + a) * stride] }
                x[(c + u) * stride] = v
            }
            c += qk
        }
    }

    private func factorize(_ theta: [Double]) -> Factor? {
        let lam = lambdas(theta), q1 = q[0]
        // M = T'W'WT (rows times T, then columns), then the identity on the random part
        var m = [Double](repeating: 0, count: dim * dim)
        // T's diagonal per column of W when T is diagonal (scalar Λ of factors 2…K), else empty
        let scale: [Double] = q.dropFirst().allSatisfy({ $0 == 1 })
            ? (0..<dim).map { c in c < randomCount ? lam[factorOfColumn[c]][0] : 1 } : []
        if !scale.isEmpty {
            // M[i, j] = tᵢ tⱼ W'W[i, j], lower triangle only
            let t = scale
            m.withUnsafeMutableBufferPointer { a in
                ww.withUnsafeBufferPointer { w in
                    for i in 0..<dim { let ti = t[i]; for j in 0...i { a[i * dim + j] = w[i * dim + j] * ti * t[j] } }
                }
            }
        } else {
            for i in 0..<dim { for j in 0...i { m[i * dim + j] = ww[i * dim + j]; m[j * dim + i] = ww[i * dim + j] } }
            m.withUnsafeMutableBufferPointer { a in
                guard let base = a.baseAddress else { return }
                for i in 0..<dim { applyTransposeT(base + i * dim, stride: 1, lam) }     // row i ← row i · T
                for j in 0..<dim { applyTransposeT(base + j, stride: dim, lam) }         // column j ← T' column j
            }
        }
        for d in 0..<randomCount { m[d * dim + d] += 1 }
        var l11 = [Double](repeating: 0, count: levels[0] * q1 * q1)
        var c = entryValues
        let l1 = lam[0], maxQ = q.max() ?? 1
        var scratch = [Double](repeating: 0, count: q1 * q1 + maxQ * q1 + q1)
        let ok = m.withUnsafeMutableBufferPointer { m -> Bool in
            c.withUnsafeMutableBufferPointer { c -> Bool in
                l11.withUnsafeMutableBufferPointer { l11 -> Bool in
                    scratch.withUnsafeMutableBufferPointer { scratch -> Bool in
                        l1.withUnsafeBufferPointer { l1 in
                            a11.withUnsafeBufferPointer { a11 in
                                entryColumn.withUnsafeBufferPointer { columns in
                                    scale.withUnsafeBufferPointer { scale in
                                        let s = scale.isEmpty ? nil : scale.baseAddress
                                        for i in eliminationOrder {
                                            guard eliminate(level: i, m.baseAddress!, c.baseAddress!, l11.baseAddress! + i * q1 * q1, scratch,
                                                            lam, l1.baseAddress!, s, a11.baseAddress!, columns.baseAddress!) else { return false }
                                        }
                                        return true
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard ok else { return nil }
        guard peel(&m, lam), DenseCholesky.factorLower(&m, dim, from: denseFrom) else { return nil }
        return Factor(l11: l11, c: c, l: m)
    }

    /// Eliminates level i of factor 1: L₁₁ᵢ = chol(Λ₁'A₁₁ᵢΛ₁ + I) into `l`, its entries of
    /// Cᵢ = T'W'Z₁ᵢΛ₁L₁₁ᵢ⁻ᵀ in place in `c`, and M −= CᵢCᵢ'. No allocation. `scale`: T's
    /// diagonal per column of W when T is diagonal, else nil.
    private func eliminate(level i: Int, _ m: UnsafeMutablePointer<Double>, _ c: UnsafeMutablePointer<Double>,
                           _ l: UnsafeMutablePointer<Double>, _ scratch: UnsafeMutableBufferPointer<Double>,
                           _ lam: [[Double]], _ l1: UnsafePointer<Double>, _ scale: UnsafePointer<Double>?,
                           _ a11: UnsafePointer<Double>, _ columns: UnsafePointer<Int>) -> Bool {
        let q1 = q[0]
        let mixed = scratch.baseAddress! + q1 * q1, row = mixed + (scratch.count - q1 * q1 - q1)
        // Λ₁'A₁₁ᵢΛ₁ + I, then its Cholesky factor in place
        let a = a11 + i * q1 * q1
        for x in 0..<q1 {
            for y in 0...x {
                var v = 0.0
                for u in y..<q1 { for w in x..<q1 { v += l1[u * q1 + y] * a[u * q1 + w] * l1[w * q1 + x] } }
                l[x * q1 + y] = v + (x == y ? 1 : 0)
            }
        }
        guard DenseCholesky.factorBlock(l, size: q1, stride: q1) else { return false }
        let range = entryStart[i]..<entryStart[i + 1]
        // rows of T'W'Z₁ᵢ: T' mixes the q_k rows of one level of factor k, which are adjacent entries
        if let scale {
            for e in range { let s = scale[columns[e]]; for t in 0..<q1 { c[e * q1 + t] *= s } }
        } else {
            var e = range.lowerBound
            while e < range.upperBound {
                let col = columns[e]
                if col >= randomCount { e += 1; continue }
                let k = factorOfColumn[col], qk = q[k]
                for u in 0..<(qk * q1) { mixed[u] = 0 }
                for u in 0..<qk { for a in u..<qk { for t in 0..<q1 { mixed[u * q1 + t] += lam[k][a * qk + u] * c[(e + a) * q1 + t] } } }
                for u in 0..<(qk * q1) { c[e * q1 + u] = mixed[u] }
                e += qk
            }
        }
        // · Λ₁, then · L₁₁ᵢ⁻ᵀ (solve L₁₁ᵢ x = row')
        for e in range {
            for t in 0..<q1 {
                var v = 0.0
                for a in t..<q1 { v += c[e * q1 + a] * l1[a * q1 + t] }
                row[t] = v
            }
            for t in 0..<q1 {
                var v = row[t]
                for a in 0..<t { v -= l[t * q1 + a] * row[a] }
                row[t] = v / l[t * q1 + t]
                c[e * q1 + t] = row[t]
            }
        }
        // M −= CᵢCᵢ' (lower triangle)
        for e in range {
            let base = columns[e] * dim
            for f in range.lowerBound...e {
                var v = 0.0
                for t in 0..<q1 { v += c[e * q1 + t] * c[f * q1 + t] }
                m[base + columns[f]] -= v
            }
        }
        return true
    }

    /// Eliminates factors 2…`peeled` level by level in M (lower triangle), leaving in M their
    /// columns of L and, below, the Schur complement that the dense stage factors.
    private func peel(_ m: inout [Double], _ lam: [[Double]]) -> Bool {
        guard peeled >= 1 else { return true }
        return m.withUnsafeMutableBufferPointer { a -> Bool in
            var c = [Double](repeating: 0, count: 64)
            for k in 1...peeled {
                let qk = q[k]
                for l in 0..<levels[k] {
                    let b0 = start[k] + l * qk
                    // L_l = chol of the level's block, in place
                    guard DenseCholesky.factorBlock(a.baseAddress! + b0 * dim + b0, size: qk, stride: dim) else { return false }
                    // the rows it meets: c_r = M[r, block] L_l⁻ᵀ, then M[r, s] −= c_r·c_s
                    let rows = peelRows[k][l]
                    if c.count < rows.count * qk { c = [Double](repeating: 0, count: rows.count * qk) }
                    for (x, r) in rows.enumerated() {
                        for t in 0..<qk {
                            var v = a[r * dim + b0 + t]
                            for u in 0..<t { v -= a[(b0 + t) * dim + b0 + u] * c[x * qk + u] }
                            c[x * qk + t] = v / a[(b0 + t) * dim + b0 + t]
                            a[r * dim + b0 + t] = c[x * qk + t]
                        }
                    }
                    for (x, r) in rows.enumerated() {
                        for (z, s) in rows[...x].enumerated() {
                            var v = 0.0
                            for t in 0..<qk { v += c[x * qk + t] * c[z * qk + t] }
                            a[r * dim + s] -= v
                        }
                    }
                }
            }
            return true
        }
    }

    func evaluate(_ theta: [Double], reml: Bool) -> DevianceEvaluation? {
        guard let f = factorize(theta) else { return nil }
        let q1 = q[0]
        var logDetL = 0.0
        for i in 0..<levels[0] { for a in 0..<q1 { logDetL += 2 * log(f.l11[i * q1 * q1 + a * q1 + a]) } }
        for d in 0..<randomCount { logDetL += 2 * log(f.l[d * dim + d]) }
        var lx = Matrix(rows: p, cols: p)
        for i in 0..<p { for j in 0...i { lx[i, j] = f.l[(randomCount + i) * dim + randomCount + j] } }
        let r = f.l[(dim - 1) * dim + dim - 1], r2 = r * r
        guard r2 > 0 else { return nil }
        // R_X = L_XX': β solves L_XX' β = l_yX'
        let ly = Matrix(column: (0..<p).map { f.l[(dim - 1) * dim + randomCount + $0] })
        let beta = lx.solveLowerTransposed(ly)
        let (nd, pd) = (Double(n), Double(p))
        let criterion = reml
            ? logDetL + lx.logDeterminantOfProduct + (nd - pd) * (1 + log(2 * Double.pi * r2 / (nd - pd)))
            : logDetL + nd * (1 + log(2 * Double.pi * r2 / nd))
        return DevianceEvaluation(criterion: criterion, logDetL: logDetL, r2: r2, beta: (0..<p).map { beta[$0, 0] }, xtxInverse: lx.inverseOfProduct())
    }

    /// u solves (Λ'Z'ZΛ + I)u = Λ'Z'(y − Xβ) through the blocked factor.
    func sphericalModes(_ theta: [Double], beta: [Double]) -> [[[Double]]] {
        let lam = lambdas(theta), q1 = q[0]
        guard let f = factorize(theta) else {
            return q.indices.map { k in [[Double]](repeating: [Double](repeating: .nan, count: q[k]), count: levels[k]) }
        }
        let (xAt, yAt) = (randomCount, dim - 1)
        // right sides: T'(W'y − W'Xβ) on the random columns, Λ₁'(Z₁ᵢ'y − Z₁ᵢ'Xβ) per level
        var rhs = [Double](repeating: 0, count: dim)
        for d in 0..<randomCount {
            var v = ww[yAt * dim + d]
            for b in 0..<p { v -= ww[(xAt + b) * dim + d] * beta[b] }
            rhs[d] = v
        }
        rhs.withUnsafeMutableBufferPointer { applyTransposeT($0.baseAddress!, stride: 1, lam) }
        var v1 = [[Double]](repeating: [Double](repeating: 0, count: q1), count: levels[0])
        for i in 0..<levels[0] {
            var raw = [Double](repeating: 0, count: q1)
            for e in entryStart[i]..<entryStart[i + 1] {
                let col = entryColumn[e]
                let weight = col == yAt ? 1 : col >= xAt ? -beta[col - xAt] : 0
                for t in 0..<q1 { raw[t] += weight * entryValues[e * q1 + t] }
            }
            for t in 0..<q1 { for a in t..<q1 { v1[i][t] += lam[0][a * q1 + t] * raw[a] } }
            // forward: L₁₁ᵢ v = Λ₁'(…)
            for t in 0..<q1 {
                var v = v1[i][t]
                for a in 0..<t { v -= f.l11[i * q1 * q1 + t * q1 + a] * v1[i][a] }
                v1[i][t] = v / f.l11[i * q1 * q1 + t * q1 + t]
            }
            for e in entryStart[i]..<entryStart[i + 1] where entryColumn[e] < randomCount {
                for t in 0..<q1 { rhs[entryColumn[e]] -= f.c[e * q1 + t] * v1[i][t] }
            }
        }
        // the random part of M: forward, then backward
        var u = rhs
        for d in 0..<randomCount {
            var v = u[d]
            for a in 0..<d { v -= f.l[d * dim + a] * u[a] }
            u[d] = v / f.l[d * dim + d]
        }
        for d in stride(from: randomCount - 1, through: 0, by: -1) {
            var v = u[d]
            for a in (d + 1)..<max(d + 1, randomCount) { v -= f.l[a * dim + d] * u[a] }
            u[d] = v / f.l[d * dim + d]
        }
        var modes: [[[Double]]] = [[]]
        for i in 0..<levels[0] {
            var w = v1[i]
            for e in entryStart[i]..<entryStart[i + 1] where entryColumn[e] < randomCount {
                for t in 0..<q1 { w[t] -= f.c[e * q1 + t] * u[entryColumn[e]] }
            }
            for t in stride(from: q1 - 1, through: 0, by: -1) {
                var v = w[t]
                for a in (t + 1)..<max(t + 1, q1) { v -= f.l11[i * q1 * q1 + a * q1 + t] * w[a] }
                w[t] = v / f.l11[i * q1 * q1 + t * q1 + t]
            }
            modes[0].append(w)
        }
        for k in 1..<q.count {
            modes.append((0..<levels[k]).map { l in
                Array(u[(start[k] + l * q[k])..<(start[k] + (l + 1) * q[k])])
            })
        }
        return modes
    }
}
