import Glibc

/// The per-group cross-products of one grouping factor. Λ'Z'ZΛ + I is block
/// diagonal, so each evaluation is one q×q Cholesky per group.
struct CrossProducts: ProfiledDeviance {
    let n: Int, p: Int, q: Int
    var ztz: [Matrix], ztx: [Matrix], zty: [Matrix]
    var xtx: Matrix, xty: Matrix, yty = 0.0
    /// The same blocks packed contiguously for the allocation-free evaluation.
    private var packedZtZ = PackedBlocks(count: 0, size: 0), packedZtX = PackedBlocks(count: 0, size: 0)
    private var packedZty = PackedBlocks(count: 0, size: 0)
    var effectsPerTerm: [Int] { [q] }
    /// Each evaluation works in its own scratch; nothing is written to the engine.
    var evaluatesConcurrently: Bool { true }

    init(_ f: ModelFrame, _ block: ModelFrame.RandomBlock) {
        (n, p, q) = (f.n, f.p, block.z.count)
        let g = block.levels.count
        ztz = [Matrix](repeating: Matrix(rows: q, cols: q), count: g)
        ztx = [Matrix](repeating: Matrix(rows: q, cols: p), count: g)
        zty = [Matrix](repeating: Matrix(rows: q, cols: 1), count: g)
        (xtx, xty, yty) = FixedCrossProducts.of(f)
        for r in 0..<n {
            let k = Int(block.group[r])
            for a in 0..<q {
                let za = block.z[a][r]
                for b in 0..<q { ztz[k][a, b] += za * block.z[b][r] }
                for b in 0..<p { ztx[k][a, b] += za * f.x[b][r] }
                zty[k][a, 0] += za * f.y[r]
            }
        }
        (packedZtZ, packedZtX, packedZty) = (PackedBlocks(ztz), PackedBlocks(ztx), PackedBlocks(zty))
    }

    /// Groups per chunk of an evaluation. Chunks are set by the number of groups, not of
    /// threads, and summed in order, so the result does not depend on the number of threads.
    static let groupsPerChunk = 1024

    /// One pass over the groups with the block kernels (no allocation per group), in chunks
    /// that run in parallel: L_k = chol(Λ'Z_k'Z_kΛ + I), R_ZX,k = L_k⁻¹Λ'Z_k'X,
    /// c_u,k = L_k⁻¹Λ'Z_k'y; each chunk sums −R_ZX'R_ZX, −R_ZX'c_u, log|L_k| and ‖c_u‖²,
    /// then the chunks' sums reduce X'X and X'y in order and the reduced X system finishes.
    func evaluate(_ theta: [Double], reml: Bool) -> DevianceEvaluation? {
        let lam = lambda(theta, term: 0)
        let g = ztz.count, chunks = max(1, g / Self.groupsPerChunk)
        guard let parts = try? Parallel.mapRanges(count: chunks, minimumPerThread: 1, { range in
            range.map { c in eliminate(groups: (c * g / chunks)..<((c + 1) * g / chunks), lam, startingFromXtX: c == 0) }
        }).flatMap({ $0 }), parts.allSatisfy({ $0 != nil }) else { return nil }
        var xtxt = xtx, xtyt = xty, logDet = 0.0, cucu = 0.0
        for (c, part) in parts.enumerated() {
            guard let part else { return nil }
            if c == 0 { (xtxt.values, xtyt.values) = (part.xx, part.xy) } else {
                for i in 0..<(p * p) { xtxt.values[i] += part.xx[i] }
                for i in 0..<p { xtyt.values[i] += part.xy[i] }
            }
            logDet += part.logDet
            cucu += part.cucu
        }
        xtxt.values.withUnsafeMutableBufferPointer { xx in if let xx = xx.baseAddress { BlockKernels.mirrorUpper(xx, p) } }
        return finish(logDetL: 2 * logDet, xtxt: xtxt, xtyt: xtyt, yty: yty, cucu: cucu, n: n, reml: reml)
    }

    /// The sums of one chunk of groups (upper triangle of xx), starting from X'X and X'y or from zero.
    private func eliminate(groups: Range<Int>, _ lam: Matrix, startingFromXtX: Bool)
        -> (xx: [Double], xy: [Double], logDet: Double, cucu: Double)? {
        let s = Scratch()
        let (tmp, a, rzx, cu) = (s.block(q * q), s.block(q * q), s.block(q * p), s.block(q))
        var xx = startingFromXtX ? xtx.values : [Double](repeating: 0, count: p * p)
        var xy = startingFromXtX ? xty.values : [Double](repeating: 0, count: p)
        var det = LogProduct(), cucu = 0.0, ok = true
        lam.values.withUnsafeBufferPointer { l in
            packedZtZ.values.withUnsafeBufferPointer { zz in
                packedZtX.values.withUnsafeBufferPointer { zx in
                    packedZty.values.withUnsafeBufferPointer { zy in
                        xx.withUnsafeMutableBufferPointer { xx in
                            xy.withUnsafeMutableBufferPointer { xy in
                                guard let l = l.baseAddress, let zz = zz.baseAddress, let zx = zx.baseAddress,
                                      let zy = zy.baseAddress, let xx = xx.baseAddress, let xy = xy.baseAddress else { return }
                                for k in groups {
                                    guard let e = BlockKernels.eliminate(
                                        lambda: l, q: q, p: p, ztz: zz + k * q * q, ztx: zx + k * q * p, zty: zy + k * q,
                                        tmp: tmp, a: a, rzx: rzx, cu: cu, xx: xx, xy: xy, det: &det) else { ok = false; return }
                                    cucu += e
                                }
                            }
                        }
                    }
                }
            }
        }
        return ok ? (xx, xy, det.value, cucu) : nil
    }

    var rowSumsBySegment: [[Double]] {
        [packedZtZ.values, packedZtX.values, packedZty.values, xtx.values, xty.values, [yty]]
    }

    func withRowSums(_ sums: [[Double]]) -> ProfiledDeviance? {
        guard sums.map(\.count) == rowSumsBySegment.map(\.count) else { return nil }
        var out = self
        (out.packedZtZ.values, out.packedZtX.values, out.packedZty.values) = (sums[0], sums[1], sums[2])
        (out.xtx.values, out.xty.values, out.yty) = (sums[3], sums[4], sums[5][0])
        return out
    }

    /// The layout of `rowSumsBySegment` as segments: Z'Z, Z'X, Z'y per group, then X'X, X'y, y'y.
    static func rowSumSegments(_ f: ModelFrame, _ block: ModelFrame.RandomBlock) -> [RowSumSegment] {
        let (g, z) = (block.levels.count, block.z)
        return [RowSumSegment(block.group, levels: g, z, z), RowSumSegment(block.group, levels: g, z, f.x),
                RowSumSegment(block.group, levels: g, z, [f.y])] + FixedCrossProducts.segments(f)
    }

    /// u_k = L_k⁻ᵀ (c_u − R_ZX β) for every group k.
    func sphericalModes(_ theta: [Double], beta: [Double]) -> [[[Double]]] {
        let l = lambda(theta, term: 0), lt = l.transposed
        let b = Matrix(column: beta)
        return [ztz.indices.map { k in
            var a = lt * ztz[k] * l
            for i in 0..<q { a[i, i] += 1 }
            guard let lk = a.cholesky() else { return [Double](repeating: .nan, count: q) }
            let rhs = lk.solveLower(lt * zty[k]) - lk.solveLower(lt * ztx[k]) * b
            return lk.solveLowerTransposed(rhs).column(0)
        }]
    }
}

/// X'X, X'y and y'y of a model frame.
enum FixedCrossProducts {
    /// X'X, X'y and y'y as row-sum segments (the tail of every engine's `rowSumsBySegment`).
    static func segments(_ f: ModelFrame) -> [RowSumSegment] {
        [RowSumSegment(nil, f.x, f.x), RowSumSegment(nil, f.x, [f.y]), RowSumSegment(nil, [f.y], [f.y])]
    }

    static func of(_ f: ModelFrame) -> (Matrix, Matrix, Double) {
        var xtx = Matrix(rows: f.p, cols: f.p), xty = Matrix(rows: f.p, cols: 1), yty = 0.0
        for r in 0..<f.n {
            for a in 0..<f.p {
                for b in 0..<f.p { xtx[a, b] += f.x[a][r] * f.x[b][r] }
                xty[a, 0] += f.x[a][r] * f.y[r]
            }
            yty += f.y[r] * f.y[r]
        }
        return (xtx, xty, yty)
    }
}
