/// How a kernel forms acc + a·b: separately rounded (any x86-64) or fused in one rounding
/// (FMA, compiled for AVX2 in `LCKernelsAVX2`). Inlined into each caller, so each module's
/// copy of the kernels is compiled for that module's instruction set.
public protocol MultiplyAdd {
    static func add(_ acc: SIMD4<Double>, _ a: Double, _ b: SIMD4<Double>) -> SIMD4<Double>
}

/// acc + a·b with two roundings: what every x86-64 has (SSE2).
public enum SeparateMultiplyAdd: MultiplyAdd {
    @inlinable @inline(__always)
    public static func add(_ acc: SIMD4<Double>, _ a: Double, _ b: SIMD4<Double>) -> SIMD4<Double> { acc + a * b }
}

/// acc + a·b in one rounding: only where the CPU has FMA (without it, a library call per lane).
public enum FusedMultiplyAdd: MultiplyAdd {
    @inlinable @inline(__always)
    public static func add(_ acc: SIMD4<Double>, _ a: Double, _ b: SIMD4<Double>) -> SIMD4<Double> { acc.addingProduct(a, b) }
}

/// The rows below one panel of a right-looking blocked Cholesky factorisation (columns
/// k0..<k1 of the row-major n×n matrix at `a`), packed transposed: `packed[k·pitch + r]` is
/// row k1 + r, column k0 + k (pitch: rows rounded up to 16, the padding zero). Golub & Van
/// Loan, *Matrix Computations*, 4th ed., Alg. 4.2.4; `DenseCholesky` drives it.
@frozen public struct PackedPanel: @unchecked Sendable {
    public let a: UnsafeMutablePointer<Double>, n: Int, k0: Int, k1: Int
    public let packed: UnsafeMutablePointer<Double>
    @inlinable public var rows: Int { n - k1 }
    @inlinable public var width: Int { k1 - k0 }
    @inlinable public var pitch: Int { (rows + 15) & ~15 }

    /// The panel over `packed` (`pitch × width` values), not yet filled: `pack(blocks:)` copies
    /// the rows in, block by block (threads may pack disjoint blocks).
    @inlinable
    public init(a: UnsafeMutablePointer<Double>, n: Int, k0: Int, k1: Int, packed: UnsafeMutablePointer<Double>) {
        (self.a, self.n, self.k0, self.k1, self.packed) = (a, n, k0, k1, packed)
    }

    /// Rows of the sixteen-row blocks `blocks` into the packed copy (the padding zero).
    @inlinable @inline(__always)
    public func pack(blocks: Range<Int>) {
        let (pitch, rows, width) = (pitch, rows, width)
        for r in (blocks.lowerBound * 16)..<(blocks.upperBound * 16) {
            let row = a + (k1 + r) * n + k0
            for k in 0..<width { packed[k * pitch + r] = r < rows ? row[k] : 0 }
        }
    }

    /// L₂₁ = A₂₁L₁₁⁻ᵀ by forward substitution over the sixteen-row blocks `blocks` (rows
    /// 16b ..< 16b + 16 of the packed copy; all of them: `0 ..< pitch / 16`), four independent
    /// sums per block so that the multiply-adds overlap, into the packed copy and back into the
    /// matrix (L₁₁ is the panel's factored diagonal block). Blocks are independent: threads
    /// may solve disjoint ranges of one panel.
    @inlinable @inline(__always)
    public func solve<F: MultiplyAdd>(blocks: Range<Int>, _: F.Type) {
        let raw = UnsafeMutableRawPointer(packed), pitch = pitch
        for r0 in stride(from: blocks.lowerBound * 16, to: blocks.upperBound * 16, by: 16) {
            for k in 0..<width {
                let lk = a + (k0 + k) * n + k0, at = (k * pitch + r0) * 8
                var x0 = raw.loadUnaligned(fromByteOffset: at, as: SIMD4<Double>.self)
                var x1 = raw.loadUnaligned(fromByteOffset: at + 32, as: SIMD4<Double>.self)
                var x2 = raw.loadUnaligned(fromByteOffset: at + 64, as: SIMD4<Double>.self)
                var x3 = raw.loadUnaligned(fromByteOffset: at + 96, as: SIMD4<Double>.self)
                for t in 0..<k {
                    let l = -lk[t], from = (t * pitch + r0) * 8
                    x0 = F.add(x0, l, raw.loadUnaligned(fromByteOffset: from, as: SIMD4<Double>.self))
                    x1 = F.add(x1, l, raw.loadUnaligned(fromByteOffset: from + 32, as: SIMD4<Double>.self))
                    x2 = F.add(x2, l, raw.loadUnaligned(fromByteOffset: from + 64, as: SIMD4<Double>.self))
                    x3 = F.add(x3, l, raw.loadUnaligned(fromByteOffset: from + 96, as: SIMD4<Double>.self))
                }
                let inverse = 1 / lk[k]
                raw.storeBytes(of: x0 * inverse, toByteOffset: at, as: SIMD4<Double>.self)
                raw.storeBytes(of: x1 * inverse, toByteOffset: at + 32, as: SIMD4<Double>.self)
                raw.storeBytes(of: x2 * inverse, toByteOffset: at + 64, as: SIMD4<Double>.self)
                raw.storeBytes(of: x3 * inverse, toByteOffset: at + 96, as: SIMD4<Double>.self)
            }
        }
        storeRows(blocks: blocks)
    }

    /// Rows of the sixteen-row blocks `blocks` from the packed copy back into the matrix.
    @inlinable @inline(__always)
    public func storeRows(blocks: Range<Int>) {
        for r in (blocks.lowerBound * 16)..<min(rows, blocks.upperBound * 16) {
            let row = a + (k1 + r) * n + k0
            for k in 0..<width { row[k] = packed[k * pitch + r] }
        }
    }

    /// A[i, j] −= L₂₁[i]·L₂₁[j] for k1 ≤ j ≤ i, over the tile rows `first, first + stride, …`
    /// (4 rows each), in 4×8 tiles accumulated in eight registers (enough independent sums to
    /// keep two multiply-add units busy).
    @inlinable @inline(__always)
    public func subtractFromTrailing<F: MultiplyAdd>(tileRows first: Int, stride: Int, _: F.Type) {
        let raw = UnsafeRawPointer(packed), pitch = pitch, rows = rows, width = width
        let trailing = a + k1 * n + k1
        var i0 = first * 4
        while i0 < rows {
            var j0 = 0
            while j0 <= i0 {
                var c0 = SIMD4<Double>(), c1 = SIMD4<Double>(), c2 = SIMD4<Double>(), c3 = SIMD4<Double>()
                var d0 = SIMD4<Double>(), d1 = SIMD4<Double>(), d2 = SIMD4<Double>(), d3 = SIMD4<Double>()
                for k in 0..<width {
                    let bj = raw.loadUnaligned(fromByteOffset: (k * pitch + j0) * 8, as: SIMD4<Double>.self)
                    let bk = raw.loadUnaligned(fromByteOffset: (k * pitch + j0 + 4) * 8, as: SIMD4<Double>.self)
                    let pi = packed + k * pitch + i0
                    let (p0, p1, p2, p3) = (pi[0], pi[1], pi[2], pi[3])
                    c0 = F.add(c0, p0, bj); c1 = F.add(c1, p1, bj); c2 = F.add(c2, p2, bj); c3 = F.add(c3, p3, bj)
                    d0 = F.add(d0, p0, bk); d1 = F.add(d1, p1, bk); d2 = F.add(d2, p2, bk); d3 = F.add(d3, p3, bk)
                }
                if j0 + 7 <= i0 && i0 + 3 < rows {
                    // a whole tile below the diagonal
                    let row = UnsafeMutableRawPointer(trailing + i0 * n + j0), step = n * 8
                    @inline(__always) func subtract(_ x: Int, _ c: SIMD4<Double>, _ d: SIMD4<Double>) {
                        let r = row + x * step
                        r.storeBytes(of: r.loadUnaligned(as: SIMD4<Double>.self) - c, as: SIMD4<Double>.self)
                        (r + 32).storeBytes(of: (r + 32).loadUnaligned(as: SIMD4<Double>.self) - d, as: SIMD4<Double>.self)
                    }
                    subtract(0, c0, d0); subtract(1, c1, d1); subtract(2, c2, d2); subtract(3, c3, d3)
                } else {
                    for x in 0..<4 where i0 + x < rows {
                        let row = trailing + (i0 + x) * n
                        let (c, d) = x == 0 ? (c0, d0) : x == 1 ? (c1, d1) : x == 2 ? (c2, d2) : (c3, d3)
                        for y in 0..<8 where j0 + y <= i0 + x { row[j0 + y] -= y < 4 ? c[y] : d[y - 4] }
                    }
                }
                j0 += 8
            }
            i0 += 4 * stride
        }
    }
}
