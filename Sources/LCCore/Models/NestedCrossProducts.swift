/// Cross-products for two grouping factors, the first with more levels (persons),
/// the second with fewer (communities), nested or crossed.
///
/// The blocked Cholesky factor of Λ'Z'ZΛ + I (MixedModels.jl's `updateL!`):
///
///     L₁₁ᵢ = chol(Λ₁'Z₁ᵢ'Z₁ᵢΛ₁ + I)                    one small block per person i
///     L₂₁ⱼᵢ = Λ₂'Z₂ⱼ'Z₁ᵢΛ₁ L₁₁ᵢ⁻ᵀ                      one block per (community, person) that meet
///     L₂₂ = chol(Λ₂'Z₂'Z₂Λ₂ + I − L₂₁L₂₁')
///
/// When every person belongs to one community (nesting) L₂₁L₂₁' is block
/// diagonal and so is L₂₂: the evaluation is linear in the number of groups.
/// Crossed factors make L₂₂ dense in the second factor's levels.
struct NestedCrossProducts: ProfiledDeviance {
    let n: Int, p: Int, q1: Int, q2: Int, g2: Int
    var a11: [Matrix], z1x: [Matrix], z1y: [Matrix]
    var a22: [Matrix], z2x: [Matrix], z2y: [Matrix]
    /// For each level i of factor 1: the levels j of factor 2 it meets and Z₂ⱼ'Z₁ᵢ.
    var pairs: [[(j: Int, block: Matrix)]]
    let nested: Bool
    var xtx: Matrix, xty: Matrix, yty: Double
    var effectsPerTerm: [Int] { [q1, q2] }
    /// Each evaluation works in its own scratch; nothing is written to the engine.
    var evaluatesConcurrently: Bool { true }
    /// Packed copies for the allocation-free nested evaluation: per person i its
    /// community `parent[i]` and Z₁ᵢ'Z₂ⱼ (q1×q2).
    private(set) var packed: Packed?
    /// Persons of community j: `members[offsets[j] ..< offsets[j + 1]]`, so that
    /// communities can be split over threads with every Schur block in one thread.
    private(set) var offsets: [Int] = [], members: [Int] = []

    struct Packed {
        let a11: PackedBlocks, z1x: PackedBlocks, z1y: PackedBlocks, a22: PackedBlocks
        let z2x: PackedBlocks, z2y: PackedBlocks, cross: PackedBlocks, parent: [Int]
    }

    init(_ f: ModelFrame, _ b1: ModelFrame.RandomBlock, _ b2: ModelFrame.RandomBlock) {
        (n, p, q1, q2) = (f.n, f.p, b1.z.count, b2.z.count)
        let g1 = b1.levels.count
        g2 = b2.levels.count
        (xtx, xty, yty) = FixedCrossProducts.of(f)
        // the sums in flat arrays, one pass over the rows in order; then the per-level matrices
        var s11 = [Double](repeating: 0, count: g1 * q1 * q1), s1x = [Double](repeating: 0, count: g1 * q1 * p)
        var s1y = [Double](repeating: 0, count: g1 * q1), s22 = [Double](repeating: 0, count: g2 * q2 * q2)
        var s2x = [Double](repeating: 0, count: g2 * q2 * p), s2y = [Double](repeating: 0, count: g2 * q2)
        // each person's communities, and the pair's Z₂'Z₁ (q2×q1) at pairAt × q2q1
        var met = [[(j: Int, at: Int)]](repeating: [], count: g1), s21: [Double] = []
        var za = [Double](repeating: 0, count: q1), zb = [Double](repeating: 0, count: q2), xr = [Double](repeating: 0, count: p)
        for r in 0..<n {
            let i = Int(b1.group[r]), j = Int(b2.group[r])
            let at: Int
            if let found = met[i].first(where: { $0.j == j }) {
                at = found.at
            } else {
                at = s21.count
                s21 += [Double](repeating: 0, count: q2 * q1)
                met[i].append((j, at))
            }
            for a in 0..<q1 { za[a] = b1.z[a][r] }
            for a in 0..<q2 { zb[a] = b2.z[a][r] }
            for b in 0..<p { xr[b] = f.x[b][r] }
            let y = f.y[r]
            for a in 0..<q1 {
                for b in 0..<q1 { s11[(i * q1 + a) * q1 + b] += za[a] * za[b] }
                for b in 0..<p { s1x[(i * q1 + a) * p + b] += za[a] * xr[b] }
                s1y[i * q1 + a] += za[a] * y
            }
            for a in 0..<q2 {
                for b in 0..<q2 { s22[(j * q2 + a) * q2 + b] += zb[a] * zb[b] }
                for b in 0..<p { s2x[(j * q2 + a) * p + b] += zb[a] * xr[b] }
                s2y[j * q2 + a] += zb[a] * y
                for b in 0..<q1 { s21[at + a * q1 + b] += zb[a] * za[b] }
            }
        }
        func blocks(_ values: [Double], _ count: Int, _ rows: Int, _ cols: Int) -> [Matrix] {
            (0..<count).map { k in Matrix(rows: rows, cols: cols, values: Array(values[(k * rows * cols)..<((k + 1) * rows * cols)])) }
        }
        (a11, z1x, z1y) = (blocks(s11, g1, q1, q1), blocks(s1x, g1, q1, p), blocks(s1y, g1, q1, 1))
        (a22, z2x, z2y) = (blocks(s22, g2, q2, q2), blocks(s2x, g2, q2, p), blocks(s2y, g2, q2, 1))
        let (rows2, cols1) = (q2, q1)
        pairs = met.map { list in list.map { ($0.j, Matrix(rows: rows2, cols: cols1, values: Array(s21[$0.at..<($0.at + rows2 * cols1)]))) } }
        nested = pairs.allSatisfy { $0.count == 1 }
        if nested {
            let parent = pairs.map { $0[0].j }
            packed = Packed(a11: PackedBlocks(size: q1 * q1, values: s11), z1x: PackedBlocks(size: q1 * p, values: s1x),
                            z1y: PackedBlocks(size: q1, values: s1y), a22: PackedBlocks(size: q2 * q2, values: s22),
                            z2x: PackedBlocks(size: q2 * p, values: s2x), z2y: PackedBlocks(size: q2, values: s2y),
                            cross: PackedBlocks(pairs.map { $0[0].block.transposed }), parent: parent)
            var counts = [Int](repeating: 0, count: g2 + 1)
            for j in parent { counts[j + 1] += 1 }
            for j in 0..<g2 { counts[j + 1] += counts[j] }
            offsets = counts
            var next = counts
            members = [Int](repeating: 0, count: parent.count)
            for (i, j) in parent.enumerated() { members[next[j]] = i; next[j] += 1 }
        }
    }

    /// Everything one factorisation at θ yields (kept only when modes are wanted).
    private struct Factor {
        var l1: [Matrix] = [], r1x: [Matrix] = [], c1: [Matrix] = [], w: [[Matrix]] = []
        var l2: [Matrix] = [], r2x: [Matrix] = [], c2: [Matrix] = []
        var logDetL = 0.0, cucu = 0.0
        var xtxt: Matrix, xtyt: Matrix
    }

    private func factorize(_ theta: [Double], keep: Bool) -> Factor? {
        let l1 = lambda(theta, term: 0), l1t = l1.transposed
        let l2 = lambda(theta, term: 1), l2t = l2.transposed
        var f = Factor(xtxt: xtx, xtyt: xty)
        // factor 2 starts from Λ₂'Z₂'Z₂Λ₂ + I and Λ₂'Z₂'[X y]
        let m = q2 * g2
        var sBlocks: [Matrix] = [], sDense = Matrix(rows: 0, cols: 0)
        if nested {
            sBlocks = a22.map { var s = l2t * $0 * l2; for d in 0..<q2 { s[d, d] += 1 }; return s }
        } else {
            guard m <= 4000 else { return nil }
            sDense = Matrix(rows: m, cols: m)
            for j in 0..<g2 {
                let s = l2t * a22[j] * l2
                for a in 0..<q2 { for b in 0..<q2 { sDense[j * q2 + a, j * q2 + b] = s[a, b] + (a == b ? 1 : 0) } }
            }
        }
        var t2x = z2x.map { l2t * $0 }, t2y = z2y.map { l2t * $0 }
        for i in a11.indices {
            var a = l1t * a11[i] * l1
            for d in 0..<q1 { a[d, d] += 1 }
            guard let li = a.cholesky() else { return nil }
            f.logDetL += li.logDeterminantOfProduct
            let r1x = li.solveLower(l1t * z1x[i]), c1 = li.solveLower(l1t * z1y[i])
            f.xtxt.subtractCrossProduct(r1x, r1x)
            f.xtyt.subtractCrossProduct(r1x, c1)
            for d in 0..<q1 { f.cucu += c1[d, 0] * c1[d, 0] }
            // W = L₁₁ᵢ⁻¹ Λ₁'Z₁ᵢ'Z₂ⱼΛ₂ (q1×q2), so L₂₁ⱼᵢ = Wᵀ
            let w = pairs[i].map { li.solveLower(l1t * $0.block.transposed * l2) }
            for (k, pair) in pairs[i].enumerated() {
                t2x[pair.j].subtractCrossProduct(w[k], r1x)
                t2y[pair.j].subtractCrossProduct(w[k], c1)
                if nested {
                    sBlocks[pair.j].subtractCrossProduct(w[k], w[k])
                } else {
                    // S[j, j'] −= W_kᵀW_k' for every two levels j, j' this person meets, in place
                    let wk = w[k].values, row = pair.j * q2
                    for (k2, other) in pairs[i].enumerated() {
                        let wk2 = w[k2].values, column = other.j * q2
                        for a in 0..<q2 {
                            for b in 0..<q2 {
                                var v = 0.0
                                for d in 0..<q1 { v += wk[d * q2 + a] * wk2[d * q2 + b] }
                                sDense.values[(row + a) * m + column + b] -= v
                            }
                        }
                    }
                }
            }
            if keep { f.l1.append(li); f.r1x.append(r1x); f.c1.append(c1); f.w.append(w) }
        }
        if nested {
            for j in 0..<g2 {
                guard let lj = sBlocks[j].cholesky() else { return nil }
                f.logDetL += lj.logDeterminantOfProduct
                let r2x = lj.solveLower(t2x[j]), c2 = lj.solveLower(t2y[j])
                f.xtxt.subtractCrossProduct(r2x, r2x)
                f.xtyt.subtractCrossProduct(r2x, c2)
                for d in 0..<q2 { f.cucu += c2[d, 0] * c2[d, 0] }
                if keep { f.l2.append(lj); f.r2x.append(r2x); f.c2.append(c2) }
            }
        } else {
            guard let l = sDense.cholesky() else { return nil }
            f.logDetL += l.logDeterminantOfProduct
            var tx = Matrix(rows: m, cols: p), ty = Matrix(rows: m, cols: 1)
            for j in 0..<g2 { for a in 0..<q2 {
                for b in 0..<p { tx[j * q2 + a, b] = t2x[j][a, b] }
                ty[j * q2 + a, 0] = t2y[j][a, 0]
            } }
            let r2x = l.solveLower(tx), c2 = l.solveLower(ty)
            f.xtxt.subtractCrossProduct(r2x, r2x)
            f.xtyt.subtractCrossProduct(r2x, c2)
            for d in 0..<m { f.cucu += c2[d, 0] * c2[d, 0] }
            if keep { f.l2 = [l]; f.r2x = [r2x]; f.c2 = [c2] }
        }
        return f
    }

    func evaluate(_ theta: [Double], reml: Bool) -> DevianceEvaluation? {
        if let packed { return evaluateNested(theta, reml: reml, packed) }
        guard let f = factorize(theta, keep: false) else { return nil }
        return finish(logDetL: f.logDetL, xtxt: f.xtxt, xtyt: f.xtyt, yty: yty, cucu: f.cucu, n: n, reml: reml)
    }

    /// The nested case with the block kernels: communities are split over the
    /// cores; within a range, each person updates its community's Schur block
    /// S_j −= WᵀW and right-hand sides, then each community gets one small Cholesky.
    /// The communities are cut into a fixed number of chunks whose partial sums
    /// are added in chunk order, so the result is the same bit for bit whatever
    /// the number of cores.
    private func evaluateNested(_ theta: [Double], reml: Bool, _ b: Packed) -> DevianceEvaluation? {
        let (l1m, l2m) = (lambda(theta, term: 0), lambda(theta, term: 1))
        let chunks = min(16, g2)
        let perThread = try? Parallel.mapRanges(count: chunks, minimumPerThread: g2 >= 256 ? 1 : chunks) { r in
            r.map { c in nestedRange((c * g2 / chunks)..<((c + 1) * g2 / chunks), l1m, l2m, b) }
        }
        guard let parts = perThread?.flatMap({ $0 }), parts.allSatisfy({ $0 != nil }) else { return nil }
        var xtxt = xtx, xtyt = xty, logDetL = 0.0, cucu = 0.0
        for part in parts.compactMap({ $0 }) {
            xtxt = xtxt - part.xx
            xtyt = xtyt - part.xy
            logDetL += part.logDet
            cucu += part.cucu
        }
        return finish(logDetL: logDetL, xtxt: xtxt, xtyt: xtyt, yty: yty, cucu: cucu, n: n, reml: reml)
    }

    private struct Partial { var xx: Matrix, xy: Matrix, logDet = 0.0, cucu = 0.0 }

    /// Communities `range` and their persons: what they subtract from X'X and X'y, and add to log|L|² and ‖c_u‖².
    private func nestedRange(_ range: Range<Int>, _ l1m: Matrix, _ l2m: Matrix, _ b: Packed) -> Partial? {
        let s = Scratch()
        let (tmp1, a, r1x, c1) = (s.block(q1 * q1), s.block(q1 * q1), s.block(q1 * p), s.block(q1))
        let (m, w, tmp2) = (s.block(q1 * q2), s.block(q1 * q2), s.block(q2 * q2))
        let (sj, t2x, t2y) = (s.block(q2 * q2), s.block(q2 * p), s.block(q2))
        var part = Partial(xx: Matrix(rows: p, cols: p), xy: Matrix(rows: p, cols: 1))
        var ok = true, det = LogProduct()
        func run(_ l1: UnsafePointer<Double>, _ l2: UnsafePointer<Double>, _ a11: UnsafePointer<Double>, _ z1x: UnsafePointer<Double>,
                 _ z1y: UnsafePointer<Double>, _ a22: UnsafePointer<Double>, _ z2x: UnsafePointer<Double>,
                 _ z2y: UnsafePointer<Double>, _ cross: UnsafePointer<Double>,
                 _ xx: UnsafeMutablePointer<Double>, _ xy: UnsafeMutablePointer<Double>) {
            for j in range {
                // the community starts from Λ₂'Z₂ⱼ'Z₂ⱼΛ₂ + I and Λ₂'Z₂ⱼ'[X y]
                BlockKernels.sandwichPlusIdentity(l2, a22 + j * q2 * q2, q2, tmp2, sj)
                BlockKernels.lambdaTransposeTimes(l2, q2, z2x + j * q2 * p, p, t2x)
                BlockKernels.lambdaTransposeTimes(l2, q2, z2y + j * q2, 1, t2y)
                for i in members[offsets[j]..<offsets[j + 1]] {
                    guard let e = BlockKernels.eliminate(
                        lambda: l1, q: q1, p: p, ztz: a11 + i * q1 * q1, ztx: z1x + i * q1 * p, zty: z1y + i * q1,
                        tmp: tmp1, a: a, rzx: r1x, cu: c1, xx: xx, xy: xy, det: &det) else { ok = false; return }
                    part.cucu += e
                    // W = L⁻¹ Λ₁' (Z₁ᵢ'Z₂ⱼ) Λ₂
                    let cb = cross + i * q1 * q2
                    if q1 == 2 && q2 == 1 {
                        BlockKernels.coupleTwoToOne(lambda: l1, lambda2: l2[0], cross: cb, p: p, a: a, rzx: r1x, cu: c1,
                                                    t2x: t2x, t2y: t2y, s: sj)
                        continue
                    }
                    for r in 0..<q1 {
                        for c in 0..<q2 {
                            var acc = 0.0
                            for k in c..<q2 { acc += cb[r * q2 + k] * l2[k * q2 + c] }
                            m[r * q2 + c] = acc
                        }
                    }
                    BlockKernels.lambdaTransposeTimes(l1, q1, m, q2, w)
                    BlockKernels.forwardSolve(a, q1, w, q2)
                    BlockKernels.subtractCrossProduct(w, q2, r1x, p, q1, t2x)
                    BlockKernels.subtractCrossProduct(w, q2, c1, 1, q1, t2y)
                    BlockKernels.subtractCrossProduct(w, q2, w, q2, q1, sj)
                }
                guard BlockKernels.cholesky(sj, q2) else { ok = false; return }
                BlockKernels.multiplyDiagonal(sj, q2, into: &det)
                BlockKernels.forwardSolve(sj, q2, t2x, p)
                BlockKernels.forwardSolve(sj, q2, t2y, 1)
                BlockKernels.subtractGramUpper(t2x, p, q2, xx)
                BlockKernels.subtractCrossProduct(t2x, p, t2y, 1, q2, xy)
                for d in 0..<q2 { part.cucu += t2y[d] * t2y[d] }
            }
        }
        // the partial collects the subtractions as positive sums (X'X − Σ is formed by the caller)
        var negXX = Matrix(rows: p, cols: p), negXY = Matrix(rows: p, cols: 1)
        l1m.values.withUnsafeBufferPointer { l1 in l2m.values.withUnsafeBufferPointer { l2 in
        b.a11.values.withUnsafeBufferPointer { a11 in b.z1x.values.withUnsafeBufferPointer { z1x in
        b.z1y.values.withUnsafeBufferPointer { z1y in b.a22.values.withUnsafeBufferPointer { a22 in
        b.z2x.values.withUnsafeBufferPointer { z2x in b.z2y.values.withUnsafeBufferPointer { z2y in
        b.cross.values.withUnsafeBufferPointer { cross in
        negXX.values.withUnsafeMutableBufferPointer { xx in negXY.values.withUnsafeMutableBufferPointer { xy in
            guard let l1 = l1.baseAddress, let l2 = l2.baseAddress, let a11 = a11.baseAddress, let z1x = z1x.baseAddress,
                  let z1y = z1y.baseAddress, let a22 = a22.baseAddress, let z2x = z2x.baseAddress, let z2y = z2y.baseAddress,
                  let cross = cross.baseAddress, let xx = xx.baseAddress, let xy = xy.baseAddress else { ok = false; return }
            run(l1, l2, a11, z1x, z1y, a22, z2x, z2y, cross, xx, xy)
            BlockKernels.mirrorUpper(xx, p)
        } } } } } } } } } } }
        guard ok else { return nil }
        part.logDet = 2 * det.value
        // run() subtracted into zero matrices: negate to get the sums to subtract
        part.xx = Matrix(rows: p, cols: p) - negXX
        part.xy = Matrix(rows: p, cols: 1) - negXY
        return part
    }

    /// The nested layout only (the crossed path reads the unpacked blocks).
    var rowSumsBySegment: [[Double]] {
        guard let b = packed else { return [] }
        return [b.a11, b.z1x, b.z1y, b.a22, b.z2x, b.z2y, b.cross].map(\.values) + [xtx.values, xty.values, [yty]]
    }

    func withRowSums(_ sums: [[Double]]) -> ProfiledDeviance? {
        guard let b = packed, sums.map(\.count) == rowSumsBySegment.map(\.count) else { return nil }
        func with(_ blocks: PackedBlocks, _ values: [Double]) -> PackedBlocks {
            var c = blocks
            c.values = values
            return c
        }
        var out = self
        out.packed = Packed(a11: with(b.a11, sums[0]), z1x: with(b.z1x, sums[1]), z1y: with(b.z1y, sums[2]),
                            a22: with(b.a22, sums[3]), z2x: with(b.z2x, sums[4]), z2y: with(b.z2y, sums[5]),
                            cross: with(b.cross, sums[6]), parent: b.parent)
        (out.xtx.values, out.xty.values, out.yty) = (sums[7], sums[8], sums[9][0])
        return out
    }

    /// The layout of `rowSumsBySegment` (nested factors) as segments: per person Z₁'Z₁, Z₁'X, Z₁'y,
    /// per community Z₂'Z₂, Z₂'X, Z₂'y, per person Z₁'Z₂, then X'X, X'y, y'y.
    static func rowSumSegments(_ f: ModelFrame, _ b1: ModelFrame.RandomBlock, _ b2: ModelFrame.RandomBlock) -> [RowSumSegment] {
        let (g1, g2, z1, z2) = (b1.levels.count, b2.levels.count, b1.z, b2.z)
        return [RowSumSegment(b1.group, levels: g1, z1, z1), RowSumSegment(b1.group, levels: g1, z1, f.x),
                RowSumSegment(b1.group, levels: g1, z1, [f.y]),
                RowSumSegment(b2.group, levels: g2, z2, z2), RowSumSegment(b2.group, levels: g2, z2, f.x),
                RowSumSegment(b2.group, levels: g2, z2, [f.y]),
                RowSumSegment(b1.group, levels: g1, z1, z2)] + FixedCrossProducts.segments(f)
    }

    /// u₂ = L₂₂⁻ᵀ(c₂ − R₂ₓβ), u₁ᵢ = L₁₁ᵢ⁻ᵀ(c₁ᵢ − R₁ₓᵢβ − Σⱼ Wⱼ u₂ⱼ) (b = Λu).
    func sphericalModes(_ theta: [Double], beta: [Double]) -> [[[Double]]] {
        guard let f = factorize(theta, keep: true) else { return [[], []] }
        let b = Matrix(column: beta)
        var u2: [Matrix]
        if nested {
            u2 = (0..<g2).map { j in f.l2[j].solveLowerTransposed(f.c2[j] - f.r2x[j] * b) }
        } else {
            let u = f.l2[0].solveLowerTransposed(f.c2[0] - f.r2x[0] * b)
            u2 = (0..<g2).map { j in Matrix(column: (0..<q2).map { u[j * q2 + $0, 0] }) }
        }
        let modes1: [[Double]] = a11.indices.map { i in
            var rhs = f.c1[i] - f.r1x[i] * b
            for (k, pair) in pairs[i].enumerated() { rhs = rhs - f.w[i][k] * u2[pair.j] }
            return f.l1[i].solveLowerTransposed(rhs).column(0)
        }
        return [modes1, u2.map { $0.column(0) }]
    }
}
