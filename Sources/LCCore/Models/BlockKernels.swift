import Glibc

/// Allocation-free kernels on small row-major blocks, for the inner loop of the
/// deviance (one call per group per evaluation). `UnsafeMutablePointer`s into
/// scratch owned by the caller; sizes are the model's q (random effects per
/// group) and p (fixed effects), so loops are short and bounds are by construction.
enum BlockKernels {
    /// out (q×q) = Λᵀ M Λ + I, for lower-triangular Λ (q×q) and M (q×q).
    @inline(__always)
    static func sandwichPlusIdentity(_ lambda: UnsafePointer<Double>, _ m: UnsafePointer<Double>, _ q: Int,
                                     _ tmp: UnsafeMutablePointer<Double>, _ out: UnsafeMutablePointer<Double>) {
        // tmp = M Λ
        for i in 0..<q {
            for j in 0..<q {
                var s = 0.0
                for k in j..<q { s += m[i * q + k] * lambda[k * q + j] }
                tmp[i * q + j] = s
            }
        }
        // out = Λᵀ tmp
        for i in 0..<q {
            for j in 0..<q {
                var s = 0.0
                for k in i..<q { s += lambda[k * q + i] * tmp[k * q + j] }
                out[i * q + j] = s + (i == j ? 1 : 0)
            }
        }
    }

    /// out (q×c) = Λᵀ M, for M (q×c). Rows of M are streamed whole (vectorisable over c).
    @inline(__always)
    static func lambdaTransposeTimes(_ lambda: UnsafePointer<Double>, _ q: Int, _ m: UnsafePointer<Double>, _ c: Int,
                                     _ out: UnsafeMutablePointer<Double>) {
        out.update(repeating: 0, count: q * c)
        for i in 0..<q {
            let row = out + i * c
            for k in i..<q {
                let lki = lambda[k * q + i], mk = m + k * c
                for j in 0..<c { row[j] += lki * mk[j] }
            }
        }
    }

    /// In-place Cholesky of a (q×q): the lower triangle becomes L; false unless positive definite.
    @inline(__always)
    static func cholesky(_ a: UnsafeMutablePointer<Double>, _ q: Int) -> Bool {
        for j in 0..<q {
            var d = a[j * q + j]
            for k in 0..<j { d -= a[j * q + k] * a[j * q + k] }
            guard d > 0, d.isFinite else { return false }
            let ljj = d.squareRoot()
            a[j * q + j] = ljj
            for i in (j + 1)..<max(j + 1, q) {
                var s = a[i * q + j]
                for k in 0..<j { s -= a[i * q + k] * a[j * q + k] }
                a[i * q + j] = s / ljj
            }
        }
        return true
    }

    /// Multiplies the diagonal of L (q×q) into `det`, so that log|L|² = 2 log Π Lᵢᵢ
    /// costs one logarithm per many groups instead of q per group.
    @inline(__always)
    static func multiplyDiagonal(_ l: UnsafePointer<Double>, _ q: Int, into det: inout LogProduct) {
        for i in 0..<q { det.multiply(by: l[i * q + i]) }
    }

    /// Solves L X = B in place for B (q×c), L lower-triangular (q×q), row by row of B.
    @inline(__always)
    static func forwardSolve(_ l: UnsafePointer<Double>, _ q: Int, _ b: UnsafeMutablePointer<Double>, _ c: Int) {
        for i in 0..<q {
            let row = b + i * c
            for k in 0..<i {
                let lik = l[i * q + k], bk = b + k * c
                for j in 0..<c { row[j] -= lik * bk[j] }
            }
            let lii = l[i * q + i]
            for j in 0..<c { row[j] /= lii }
        }
    }

    /// out (ca×cb) −= Aᵀ B for A (r×ca), B (r×cb): one rank-1 update per row k (vectorisable over cb).
    @inline(__always)
    static func subtractCrossProduct(_ a: UnsafePointer<Double>, _ ca: Int, _ b: UnsafePointer<Double>, _ cb: Int, _ r: Int,
                                     _ out: UnsafeMutablePointer<Double>) {
        for k in 0..<r {
            let ak = a + k * ca, bk = b + k * cb
            for i in 0..<ca {
                let aki = ak[i], row = out + i * cb
                for j in 0..<cb { row[j] -= aki * bk[j] }
            }
        }
    }

    /// The upper triangle (j ≥ i) of out (c×c) −= Aᵀ A for A (r×c); `mirrorUpper` completes it.
    @inline(__always)
    static func subtractGramUpper(_ a: UnsafePointer<Double>, _ c: Int, _ r: Int, _ out: UnsafeMutablePointer<Double>) {
        for k in 0..<r {
            let ak = a + k * c
            for i in 0..<c {
                let aki = ak[i], row = out + i * c
                for j in i..<c { row[j] -= aki * ak[j] }
            }
        }
    }

    /// Copies the upper triangle of a (c×c) into its lower triangle.
    static func mirrorUpper(_ a: UnsafeMutablePointer<Double>, _ c: Int) {
        for i in 0..<c { for j in 0..<i { a[i * c + j] = a[j * c + i] } }
    }
}

/// log Π xᵢ for factors xᵢ ≥ 1 (Cholesky diagonals of Λ'Z'ZΛ + I, whose eigenvalues
/// are ≥ 1), kept as a running product that is folded into a logarithm before it
/// could overflow.
struct LogProduct {
    private var logarithm = 0.0, product = 1.0
    @inline(__always)
    mutating func multiply(by x: Double) {
        let y = product * x
        if y < 1e250 { product = y } else { logarithm += log(product) + log(x); product = 1 }
    }
    var value: Double { logarithm + log(product) }
}

extension BlockKernels {
    /// Eliminates one group's block of the penalized least-squares system:
    /// a = chol(ΛᵀMΛ + I), rzx = a⁻¹Λᵀ(Z'X), cu = a⁻¹Λᵀ(Z'y), then xx −= rzxᵀrzx and
    /// xy −= rzxᵀcu. Leaves a, rzx and cu in their scratch blocks for the caller and
    /// multiplies a's diagonal into `det` and returns ‖cu‖², or nil when the block is not
    /// positive definite. Only the upper triangle of xx is updated (see `mirrorUpper`).
    @inline(__always)
    static func eliminate(lambda: UnsafePointer<Double>, q: Int, p: Int, ztz: UnsafePointer<Double>,
                          ztx: UnsafePointer<Double>, zty: UnsafePointer<Double>, tmp: UnsafeMutablePointer<Double>,
                          a: UnsafeMutablePointer<Double>, rzx: UnsafeMutablePointer<Double>, cu: UnsafeMutablePointer<Double>,
                          xx: UnsafeMutablePointer<Double>, xy: UnsafeMutablePointer<Double>, det: inout LogProduct) -> Double? {
        if q == 2 {
            return eliminateTwo(lambda: lambda, p: p, ztz: ztz, ztx: ztx, zty: zty, a: a, rzx: rzx, cu: cu, xx: xx, xy: xy, det: &det)
        }
        sandwichPlusIdentity(lambda, ztz, q, tmp, a)
        guard cholesky(a, q) else { return nil }
        lambdaTransposeTimes(lambda, q, ztx, p, rzx)
        forwardSolve(a, q, rzx, p)
        lambdaTransposeTimes(lambda, q, zty, 1, cu)
        forwardSolve(a, q, cu, 1)
        subtractGramUpper(rzx, p, q, xx)
        subtractCrossProduct(rzx, p, cu, 1, q, xy)
        var cucu = 0.0
        for m in 0..<q { cucu += cu[m] * cu[m] }
        multiplyDiagonal(a, q, into: &det)
        return cucu
    }
}

/// Scratch blocks for one evaluation, allocated once and freed at the end.
final class Scratch {
    private var blocks: [UnsafeMutablePointer<Double>] = []
    func block(_ n: Int) -> UnsafeMutablePointer<Double> {
        let p = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
        p.initialize(repeating: 0, count: max(n, 1))
        blocks.append(p)
        return p
    }
    deinit { blocks.forEach { $0.deallocate() } }
}

/// Per-group blocks stored contiguously: block k of `size` doubles at `k * size`.
struct PackedBlocks: Sendable {
    let size: Int
    var values: [Double]
    init(count: Int, size: Int) {
        self.size = size
        values = [Double](repeating: 0, count: count * size)
    }
    init(_ blocks: [Matrix]) {
        size = blocks.first.map { $0.rows * $0.cols } ?? 0
        values = blocks.flatMap(\.values)
    }
    /// Blocks of `size` already stored one after another.
    init(size: Int, values: [Double]) { (self.size, self.values) = (size, values) }

}
