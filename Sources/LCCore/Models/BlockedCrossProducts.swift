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
/// Every sum over rows is formed once; an evaluation costs per level and entry, plus
/// the dense factorisation of M, whose size is the levels of factors 2…K times their
/// effects, plus p + 1. Used for three or more factors (one and two have their own engines).
struct BlockedCrossProducts: ProfiledDeviance {
    let n: Int, p: Int
    /// Effects and levels per factor, in engine order.
    let q: [Int], levels: [Int]
    /// Where each factor k ≥ 1 starts among W's columns (index 0 unused); X starts at
    /// `randomCount`, y is the last column.
    let start: [Int]
    let randomCount: Int, dim: Int
    /// Z₁ᵢ'Z₁ᵢ per level i of factor 1, q₁×q₁ row-major.
    let a11: [[Double]]
    /// W'Z₁ᵢ per level i, sparse: entries `entryStart[i] ..< entryStart[i + 1]`, each a column
    /// of W (`entryColumn`, ascending) with its q₁ values in `entryValues`.
    let entryStart: [Int], entryColumn: [Int], entryValues: [Double]
    /// W'W, dim × dim, lower triangle of a row-major array.
    let ww: [Double]
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
        var a11 = [[Double]](repeating: [Double](repeating: 0, count: q1 * q1), count: g1)
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
                    for b in 0..<q1 { a11[i][a * q1 + b] += blocks[0].z[a][r] * blocks[0].z[b][r] }
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
    }

    /// The factor at θ: L₁₁ᵢ (q₁×q₁ row-major, lower), Cᵢ (entries as stored, q₁ each) and L of M.
    private struct Factor {
        var l11: [[Double]], c: [Double], l: [Double]
    }

    /// Λ of every factor, row-major q×q.
    private func lambdas(_ theta: [Double]) -> [[Double]] {
        (0..<q.count).map { lambda(theta, term: $0).values }
    }

    /// Which factor and level a random column of W belongs to, and its effect: the column
    /// block is `start[k] + level·q[k] ..< + q[k]`.
    private func factorOf(_ column: Int) -> Int {
        var k = q.count - 1
        while k > 1 && column < start[k] { k -= 1 }
        return k
    }

    /// x ← T'x for a column vector over W's columns (x[c] for c in 0..<dim).
    private func applyTransposeT(_ x: inout [Double], _ lam: [[Double]]) {
        var c = 0
        while c < randomCount {
            let k = factorOf(c), qk = q[k]
            var block = [Double](repeating: 0, count: qk)
            for u in 0..<qk { for a in u..<qk { block[u] += lam[k][a * qk + u] * x[c + a] } }   // (Λ'x)_u = Σ_a Λ[a,u] x_a
            for u in 0..<qk { x[c + u] = block[u] }
            c += qk
        }
    }

    private func factorize(_ theta: [Double]) -> Factor? {
        let lam = lambdas(theta), q1 = q[0]
        // M = T'W'WT, full symmetric, then the identity on the random part
        var m = [Double](repeating: 0, count: dim * dim)
        for i in 0..<dim { for j in 0...i { m[i * dim + j] = ww[i * dim + j]; m[j * dim + i] = ww[i * dim + j] } }
        var column = [Double](repeating: 0, count: dim)
        for j in 0..<dim {          // M ← T'M, column by column
            for i in 0..<dim { column[i] = m[i * dim + j] }
            applyTransposeT(&column, lam)
            for i in 0..<dim { m[i * dim + j] = column[i] }
        }
        for i in 0..<dim {          // M ← MT, row by row (T'(T'M)' = (T'M)T by symmetry of the result)
            for j in 0..<dim { column[j] = m[i * dim + j] }
            applyTransposeT(&column, lam)
            for j in 0..<dim { m[i * dim + j] = column[j] }
        }
        for d in 0..<randomCount { m[d * dim + d] += 1 }
        var l11 = [[Double]](repeating: [], count: levels[0])
        var c = entryValues
        let l1 = lam[0]
        for i in 0..<levels[0] {
            // L₁₁ᵢ = chol(Λ₁'A₁₁ᵢΛ₁ + I)
            var s = [Double](repeating: 0, count: q1 * q1)
            for a in 0..<q1 {
                for b in 0..<q1 {
                    var v = 0.0
                    for u in 0..<q1 { for w in 0..<q1 { v += l1[u * q1 + a] * a11[i][u * q1 + w] * l1[w * q1 + b] } }
                    s[a * q1 + b] = v + (a == b ? 1 : 0)
                }
            }
            guard let chol = Matrix(rows: q1, cols: q1, values: s).cholesky() else { return nil }
            l11[i] = chol.values
            let range = entryStart[i]..<entryStart[i + 1]
            // rows of T'W'Z₁ᵢ: T' mixes the q_k rows of one level of factor k, which are adjacent entries
            var e = range.lowerBound
            while e < range.upperBound {
                let col = entryColumn[e]
                if col >= randomCount { e += 1; continue }
                let k = factorOf(col), qk = q[k]
                var mixed = [Double](repeating: 0, count: qk * q1)
                for u in 0..<qk { for a in u..<qk { for t in 0..<q1 { mixed[u * q1 + t] += lam[k][a * qk + u] * c[(e + a) * q1 + t] } } }
                for u in 0..<qk { for t in 0..<q1 { c[(e + u) * q1 + t] = mixed[u * q1 + t] } }
                e += qk
            }
            // · Λ₁, then · L₁₁ᵢ⁻ᵀ (solve L₁₁ᵢ x = row')
            for e in range {
                var row = [Double](repeating: 0, count: q1)
                for t in 0..<q1 { for a in t..<q1 { row[t] += c[e * q1 + a] * l1[a * q1 + t] } }
                for t in 0..<q1 {
                    var v = row[t]
                    for a in 0..<t { v -= l11[i][t * q1 + a] * row[a] }
                    row[t] = v / l11[i][t * q1 + t]
                }
                for t in 0..<q1 { c[e * q1 + t] = row[t] }
            }
            // M −= CᵢCᵢ' (lower triangle)
            for e in range {
                let ce = entryColumn[e]
                for f in range.lowerBound...e {
                    var v = 0.0
                    for t in 0..<q1 { v += c[e * q1 + t] * c[f * q1 + t] }
                    m[ce * dim + entryColumn[f]] -= v
                }
            }
        }
        guard DenseCholesky.factorLower(&m, dim) else { return nil }
        return Factor(l11: l11, c: c, l: m)
    }

    func evaluate(_ theta: [Double], reml: Bool) -> DevianceEvaluation? {
        guard let f = factorize(theta) else { return nil }
        let q1 = q[0]
        var logDetL = 0.0
        for block in f.l11 { for a in 0..<q1 { logDetL += 2 * log(block[a * q1 + a]) } }
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
        return DevianceEvaluation(criterion: criterion, r2: r2, beta: (0..<p).map { beta[$0, 0] }, xtxInverse: lx.inverseOfProduct())
    }

    /// u solves (Λ'Z'ZΛ + I)u = Λ'Z'(y − Xβ) through the blocked factor; b = Λu.
    func conditionalModes(_ theta: [Double], beta: [Double]) -> [[[Double]]] {
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
        applyTransposeT(&rhs, lam)
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
                for a in 0..<t { v -= f.l11[i][t * q1 + a] * v1[i][a] }
                v1[i][t] = v / f.l11[i][t * q1 + t]
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
                for a in (t + 1)..<max(t + 1, q1) { v -= f.l11[i][a * q1 + t] * w[a] }
                w[t] = v / f.l11[i][t * q1 + t]
            }
            modes[0].append(Self.times(lam[0], w, q1))
        }
        for k in 1..<q.count {
            modes.append((0..<levels[k]).map { l in
                Self.times(lam[k], Array(u[(start[k] + l * q[k])..<(start[k] + (l + 1) * q[k])]), q[k])
            })
        }
        return modes
    }

    /// Λu for a row-major q×q Λ.
    private static func times(_ lam: [Double], _ u: [Double], _ q: Int) -> [Double] {
        (0..<q).map { a in (0..<q).reduce(0) { $0 + lam[a * q + $1] * u[$1] } }
    }
}

/// The Cholesky factor of a dense symmetric positive-definite matrix, in place.
enum DenseCholesky {
    /// Overwrites the lower triangle of the row-major n×n `m` with L (M = LL'), row by row
    /// so that every inner product runs over contiguous memory; false if M is not positive definite.
    static func factorLower(_ m: inout [Double], _ n: Int) -> Bool {
        m.withUnsafeMutableBufferPointer { a in
            for i in 0..<n {
                let ri = i * n
                for j in 0...i {
                    let rj = j * n
                    var s = a[ri + j]
                    for k in 0..<j { s -= a[ri + k] * a[rj + k] }
                    if i == j {
                        guard s > 0, s.isFinite else { return false }
                        a[ri + i] = s.squareRoot()
                    } else {
                        a[ri + j] = s / a[rj + j]
                    }
                }
            }
            return true
        }
    }
}
