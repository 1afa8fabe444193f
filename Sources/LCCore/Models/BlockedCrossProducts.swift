import Glibc

/// Cross-products for any number of grouping factors, nested, crossed or partially
/// crossed (Bates et al. 2015, JSS 67(1), §3; MixedModels.jl's blocked Cholesky).
///
/// Factors are ordered by number of levels, most first. Write W = [Z₂ … Z_K X y] for
/// every column but the first factor's, T = blockdiag(Λ₂ … Λ_K, I), and
///
///     L₁₁ᵢ = chol(Λ₁'Z₁ᵢ'Z₁ᵢΛ₁ + I)                 one small block per level i of factor 1
///     Cᵢ   = T'W'Z₁ᵢΛ₁L₁₁ᵢ⁻ᵀ                        sparse: the columns level i meets
///     M    = T'W'WT + [I 0; 0 0] − Σᵢ CᵢCᵢ'           then M = LL' (Cholesky)
///
/// Then log|L_θ|² = Σᵢ log|L₁₁ᵢ|² + Σ_{d<q} log L_dd², the X rows of L give R_X' and the
/// last diagonal r(θ), the penalised residual (r² = min ‖y − Xβ − ZΛu‖² + ‖u‖²).
/// M is factored in stages: each next factor whose block stays block diagonal (no two of
/// its levels meet through an earlier one: organisations whose members each belong to
/// one organisation) is eliminated level by level, with updates only where its levels
/// meet later columns (a symbolic pass at build time finds them, and `PeeledLayout` stores
/// only those); the rest is dense. Every sum over rows is formed once; an evaluation costs
/// per level and entry, plus the dense factorisation of what is left. Used for three or
/// more factors (one and two have their own engines).
struct BlockedCrossProducts: ProfiledDeviance {
    let n: Int, p: Int
    /// Effects and levels per factor, in engine order.
    let q: [Int], levels: [Int]
    /// Where each factor k ≥ 1 starts among W's columns (index 0 unused); X starts at
    /// `randomCount`, y is the last column.
    let start: [Int]
    let randomCount: Int, dim: Int
    /// Z₁ᵢ'Z₁ᵢ per level i of factor 1, q₁×q₁ row-major at `i·q₁²`.
    private(set) var a11: [Double]
    /// W'Z₁ᵢ per level i, sparse: entries `entryStart[i] ..< entryStart[i + 1]`, each a column
    /// of W (`entryColumn`, ascending) with its q₁ values in `entryValues`.
    let entryStart: [Int], entryColumn: [Int]
    private(set) var entryValues: [Double]
    /// The factor and first column of the level block of each random column of W.
    let factorOfColumn: [Int], blockOfColumn: [Int]
    /// Factors 2…`peeled` are eliminated level by level, the rest densely.
    let peeled: Int
    /// Where M's entries live, and W'W (lower triangle) in that layout.
    let layout: PeeledLayout
    private(set) var ww: [Double]
    /// Per level i of factor 1, the store indices of the entries of CᵢCᵢ' that fall in the
    /// peeled columns, in the order `eliminate` meets them: `levelSlots[levelSlotStart[i]...]`.
    let levelSlots: [Int], levelSlotStart: [Int]
    /// Per peeled block, the same for the products of its rows that fall in peeled columns.
    let peelSlots: [Int], peelSlotStart: [Int]
    /// The levels of factor 1 in the order they are eliminated: by the first dense column they
    /// meet, so that neighbours update the same part of the dense square (the result is the same).
    let eliminationOrder: [Int]
    private(set) var xtx: Matrix
    var effectsPerTerm: [Int] { q }
    var rowSumsBySegment: [[Double]] { [] }
    func withRowSums(_ sums: [[Double]]) -> ProfiledDeviance? { nil }
    /// Immutable once built; each evaluation works in its own arrays.
    var evaluatesConcurrently: Bool { true }

    init(_ f: ModelFrame, _ blocks: [ModelFrame.RandomBlock]) {
        (n, p) = (f.n, f.p)
        q = blocks.map { $0.z.count }
        levels = blocks.map { $0.levels.count }
        var start = [0], at = 0
        for k in 1..<blocks.count { start.append(at); at += levels[k] * q[k] }
        (self.start, randomCount, dim) = (start, at, at + p + 1)
        let (q1, g1, dim, q, p) = (q[0], levels[0], at + p + 1, q, p)
        func rowOfW(_ r: Int, _ columns: inout [Int], _ values: inout [Double]) {
            Self.rowOfW(r, f, blocks, start: start, q: q, &columns, &values)
        }
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
                rowOfW(r, &columns, &values)
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
        (self.a11, self.entryStart, self.entryColumn, self.entryValues) = (a11, entryStart, entryColumn, entryValues)
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
        var peeled = 0, peelBlocks: [(column: Int, size: Int, rows: [Int])] = []
        for k in 1..<blocks.count {
            let range = start[k]..<(start[k] + levels[k] * q[k])
            var blockDiagonal = true
            for u in range { for v in range.lowerBound..<u where meets[u * at + v] && blockOfColumn[u] != blockOfColumn[v] { blockDiagonal = false } }
            guard blockDiagonal else { break }
            var levelBlocks: [(column: Int, size: Int, rows: [Int])] = []
            let qk = q[k]
            for l in 0..<levels[k] {
                let b0 = start[k] + l * qk
                var later: [Int] = []
                for r in range.upperBound..<at where (b0..<(b0 + qk)).contains(where: { meets[r * at + $0] }) { later.append(r) }
                for u in later { for v in later where v <= u { meets[u * at + v] = true } }
                levelBlocks.append((b0, qk, later + Array(at..<dim)))       // X and y always
            }
            peelBlocks += levelBlocks
            peeled = k
        }
        // where each sum lands; a product the symbolic pass missed (none should) makes every column dense
        var plan = Self.plan(PeeledLayout(dim: dim, denseFrom: peeled + 1 < blocks.count ? start[peeled + 1] : at, blocks: peelBlocks),
                             entryStart: entryStart, entryColumn: entryColumn)
        if plan == nil { peeled = 0; plan = Self.plan(PeeledLayout(dim: dim, denseFrom: 0, blocks: []), entryStart: entryStart, entryColumn: entryColumn) }
        let (layout, levelSlots, levelSlotStart, peelSlots, peelSlotStart) = plan ?? (PeeledLayout(dim: dim, denseFrom: 0, blocks: []), [], [], [], [])
        (self.peeled, self.layout) = (peeled, layout)
        (self.levelSlots, self.levelSlotStart, self.peelSlots, self.peelSlotStart) = (levelSlots, levelSlotStart, peelSlots, peelSlotStart)
        // W'W in the layout, one pass over the rows
        var ww = [Double](repeating: 0, count: layout.count)
        for r in 0..<n {
            rowOfW(r, &columns, &values)
            for (u, cu) in columns.enumerated() {
                for v in 0...u { if let s = layout.slot(cu, columns[v]) { ww[s] += values[u] * values[v] } }
            }
        }
        self.ww = ww
        let firstDense = (0..<g1).map { i in entryColumn[entryStart[i]..<entryStart[i + 1]].first { $0 >= layout.denseFrom } ?? dim }
        eliminationOrder = (0..<g1).sorted { (firstDense[$0], $0) < (firstDense[$1], $1) }
    }

    /// The columns of W that row r of `f` touches, ascending (factors 2…K at `start`, X, y), and
    /// their values.
    static func rowOfW(_ r: Int, _ f: ModelFrame, _ blocks: [ModelFrame.RandomBlock], start: [Int], q: [Int],
                       _ columns: inout [Int], _ values: inout [Double]) {
        columns.removeAll(keepingCapacity: true); values.removeAll(keepingCapacity: true)
        var at = 0
        for k in 1..<blocks.count {
            let base = start[k] + Int(blocks[k].group[r]) * q[k]
            for a in 0..<q[k] { columns.append(base + a); values.append(blocks[k].z[a][r]) }
            at = start[k] + blocks[k].levels.count * q[k]
        }
        for b in 0..<f.p { columns.append(at + b); values.append(f.x[b][r]) }
        columns.append(at + f.p); values.append(f.y[r])
    }

    /// `other`'s structure with other sums (`refilled`).
    init(refilling other: BlockedCrossProducts, a11: [Double], entryValues: [Double], ww: [Double], xtx: Matrix) {
        self = other
        (self.a11, self.entryValues, self.ww, self.xtx) = (a11, entryValues, ww, xtx)
    }

    /// The store indices of the products in peeled columns, for factor 1's levels and for the
    /// peeled blocks' rows, in the order the elimination meets them; nil if one has no entry.
    private static func plan(_ layout: PeeledLayout, entryStart: [Int], entryColumn: [Int])
        -> (PeeledLayout, [Int], [Int], [Int], [Int])? {
        var levelSlots: [Int] = [], levelSlotStart: [Int] = []
        for i in 0..<(entryStart.count - 1) {
            levelSlotStart.append(levelSlots.count)
            let range = entryStart[i]..<entryStart[i + 1]
            for e in range {
                for f in range.lowerBound...e where entryColumn[f] < layout.denseFrom {
                    guard let s = layout.slot(entryColumn[e], entryColumn[f]) else { return nil }
                    levelSlots.append(s)
                }
            }
        }
        var peelSlots: [Int] = [], peelSlotStart: [Int] = []
        for rows in layout.blockColumn.indices.map({ Array(layout.rows(of: $0)) }) {
            peelSlotStart.append(peelSlots.count)
            for x in rows.indices {
                for z in 0...x where rows[z] < layout.denseFrom {
                    guard let s = layout.slot(rows[x], rows[z]) else { return nil }
                    peelSlots.append(s)
                }
            }
        }
        return (layout, levelSlots, levelSlotStart, peelSlots, peelSlotStart)
    }

    func evaluate(_ theta: [Double], reml: Bool) -> DevianceEvaluation? {
        factorize(theta).flatMap { evaluation($0, reml: reml) }
    }

    /// The criterion, r², β and (R_X'R_X)⁻¹ from the blocked factor.
    func evaluation(_ f: Factor, reml: Bool) -> DevianceEvaluation? {
        let q1 = q[0], (df, dd) = (layout.denseFrom, layout.denseSize)
        var logDetL = 0.0
        for i in 0..<levels[0] { for a in 0..<q1 { logDetL += 2 * log(f.l11[i * q1 * q1 + a * q1 + a]) } }
        for b in layout.blockColumn.indices {
            let (off, qb) = (layout.blockOffset[b], layout.blockSize[b])
            for t in 0..<qb { logDetL += 2 * log(f.l[off + t * qb + t]) }
        }
        for d in df..<randomCount { logDetL += 2 * log(f.l[(d - df) * (dd + 1)]) }
        let x0 = randomCount - df
        var lx = Matrix(rows: p, cols: p)
        for i in 0..<p { for j in 0...i { lx[i, j] = f.l[(x0 + i) * dd + x0 + j] } }
        let r = f.l[dd * dd - 1], r2 = r * r
        guard r2 > 0 else { return nil }
        // R_X = L_XX': β solves L_XX' β = l_yX'
        let ly = Matrix(column: (0..<p).map { f.l[(dd - 1) * dd + x0 + $0] })
        let beta = lx.solveLowerTransposed(ly)
        let (nd, pd) = (Double(n), Double(p))
        let criterion = reml
            ? logDetL + lx.logDeterminantOfProduct + (nd - pd) * (1 + log(2 * Double.pi * r2 / (nd - pd)))
            : logDetL + nd * (1 + log(2 * Double.pi * r2 / nd))
        return DevianceEvaluation(criterion: criterion, logDetL: logDetL, r2: r2, beta: (0..<p).map { beta[$0, 0] }, xtxInverse: lx.inverseOfProduct())
    }
}
