/// `PackedPanel.subtractFromTrailing` and `SymmetricPanelProduct.multiply` on eight-lane vectors
/// with fused multiply-adds, in tiles twice as wide. Each entry is the same sum in the same order
/// (over k, one rounding per step) as in the four-lane kernels with `FusedMultiplyAdd`, so the
/// results are the same bits. Compiled for AVX-512 in `LCKernelsAVX512`: call only from there
/// (elsewhere eight-lane fused multiply-adds are emulated).
extension PackedPanel {
    /// `solve(blocks:)` on eight-lane vectors, two sixteen-row blocks at a time (four independent
    /// sums of eight rows: twice the multiply-adds in flight), a last odd block alone. Each row's
    /// sum is the same steps in the same order as in the four-lane kernel with `FusedMultiplyAdd`.
    @inlinable @inline(__always)
    public func solveWide(blocks: Range<Int>) {
        let raw = UnsafeMutableRawPointer(packed), pitch = pitch
        var r0 = blocks.lowerBound * 16
        let end = blocks.upperBound * 16
        while r0 < end {
            let pair = r0 + 32 <= end
            for k in 0..<width {
                let lk = a + (k0 + k) * n + k0, at = (k * pitch + r0) * 8, inverse = 1 / lk[k]
                var x0 = raw.loadUnaligned(fromByteOffset: at, as: SIMD8<Double>.self)
                var x1 = raw.loadUnaligned(fromByteOffset: at + 64, as: SIMD8<Double>.self)
                if pair {
                    var x2 = raw.loadUnaligned(fromByteOffset: at + 128, as: SIMD8<Double>.self)
                    var x3 = raw.loadUnaligned(fromByteOffset: at + 192, as: SIMD8<Double>.self)
                    for t in 0..<k {
                        let l = -lk[t], from = (t * pitch + r0) * 8
                        x0 = x0.addingProduct(l, raw.loadUnaligned(fromByteOffset: from, as: SIMD8<Double>.self))
                        x1 = x1.addingProduct(l, raw.loadUnaligned(fromByteOffset: from + 64, as: SIMD8<Double>.self))
                        x2 = x2.addingProduct(l, raw.loadUnaligned(fromByteOffset: from + 128, as: SIMD8<Double>.self))
                        x3 = x3.addingProduct(l, raw.loadUnaligned(fromByteOffset: from + 192, as: SIMD8<Double>.self))
                    }
                    raw.storeBytes(of: x2 * inverse, toByteOffset: at + 128, as: SIMD8<Double>.self)
                    raw.storeBytes(of: x3 * inverse, toByteOffset: at + 192, as: SIMD8<Double>.self)
                } else {
                    for t in 0..<k {
                        let l = -lk[t], from = (t * pitch + r0) * 8
                        x0 = x0.addingProduct(l, raw.loadUnaligned(fromByteOffset: from, as: SIMD8<Double>.self))
                        x1 = x1.addingProduct(l, raw.loadUnaligned(fromByteOffset: from + 64, as: SIMD8<Double>.self))
                    }
                }
                raw.storeBytes(of: x0 * inverse, toByteOffset: at, as: SIMD8<Double>.self)
                raw.storeBytes(of: x1 * inverse, toByteOffset: at + 64, as: SIMD8<Double>.self)
            }
            r0 += pair ? 32 : 16
        }
        storeRows(blocks: blocks)
    }

    /// A[i, j] −= L₂₁[i]·L₂₁[j] for k1 ≤ j ≤ i, over the tile rows `first, first + stride, …`
    /// (8 rows each), in 8×16 tiles accumulated in sixteen eight-lane registers.
    @inlinable @inline(__always)
    public func subtractFromTrailingWide(tileRows first: Int, stride: Int) {
        let raw = UnsafeRawPointer(packed), pitch = pitch, rows = rows, width = width
        let trailing = a + k1 * n + k1
        var i0 = first * 8
        while i0 < rows {
            var j0 = 0
            // j0 and i0 are multiples of 8, so j0 ≤ i0 is every tile meeting row i0 + 7's triangle;
            // the pitch (a multiple of 16, zero-padded) covers the 16 columns and 8 rows read
            while j0 <= i0 {
                var c0 = SIMD8<Double>(), c1 = SIMD8<Double>(), c2 = SIMD8<Double>(), c3 = SIMD8<Double>()
                var c4 = SIMD8<Double>(), c5 = SIMD8<Double>(), c6 = SIMD8<Double>(), c7 = SIMD8<Double>()
                var d0 = SIMD8<Double>(), d1 = SIMD8<Double>(), d2 = SIMD8<Double>(), d3 = SIMD8<Double>()
                var d4 = SIMD8<Double>(), d5 = SIMD8<Double>(), d6 = SIMD8<Double>(), d7 = SIMD8<Double>()
                for k in 0..<width {
                    let bj = raw.loadUnaligned(fromByteOffset: (k * pitch + j0) * 8, as: SIMD8<Double>.self)
                    let bk = raw.loadUnaligned(fromByteOffset: (k * pitch + j0 + 8) * 8, as: SIMD8<Double>.self)
                    let pi = packed + k * pitch + i0
                    let (p0, p1, p2, p3, p4, p5, p6, p7) = (pi[0], pi[1], pi[2], pi[3], pi[4], pi[5], pi[6], pi[7])
                    c0 = c0.addingProduct(p0, bj); c1 = c1.addingProduct(p1, bj); c2 = c2.addingProduct(p2, bj); c3 = c3.addingProduct(p3, bj)
                    c4 = c4.addingProduct(p4, bj); c5 = c5.addingProduct(p5, bj); c6 = c6.addingProduct(p6, bj); c7 = c7.addingProduct(p7, bj)
                    d0 = d0.addingProduct(p0, bk); d1 = d1.addingProduct(p1, bk); d2 = d2.addingProduct(p2, bk); d3 = d3.addingProduct(p3, bk)
                    d4 = d4.addingProduct(p4, bk); d5 = d5.addingProduct(p5, bk); d6 = d6.addingProduct(p6, bk); d7 = d7.addingProduct(p7, bk)
                }
                let whole = j0 + 15 <= i0 && i0 + 7 < rows    // a whole tile below the diagonal
                @inline(__always) func subtract(_ x: Int, _ c: SIMD8<Double>, _ d: SIMD8<Double>) {
                    guard i0 + x < rows else { return }
                    let row = trailing + (i0 + x) * n + j0
                    if whole {
                        let r = UnsafeMutableRawPointer(row)
                        r.storeBytes(of: r.loadUnaligned(as: SIMD8<Double>.self) - c, as: SIMD8<Double>.self)
                        (r + 64).storeBytes(of: (r + 64).loadUnaligned(as: SIMD8<Double>.self) - d, as: SIMD8<Double>.self)
                    } else {
                        for y in 0..<16 where j0 + y <= i0 + x { row[y] -= y < 8 ? c[y] : d[y - 8] }
                    }
                }
                subtract(0, c0, d0); subtract(1, c1, d1); subtract(2, c2, d2); subtract(3, c3, d3)
                subtract(4, c4, d4); subtract(5, c5, d5); subtract(6, c6, d6); subtract(7, c7, d7)
                j0 += 16
            }
            i0 += 8 * stride
        }
    }
}

extension SymmetricPanelProduct {
    /// `multiply` (out = −Z B P, rows of sixteen) in 8×16 tiles: two eight-lane registers per row.
    @inlinable @inline(__always)
    public static func multiplyWide(_ z: UnsafePointer<Double>, stride: Int, rows: Int, columns: Int,
                                    _ b: UnsafePointer<Double>, times p: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let raw = UnsafeRawPointer(b), outRaw = UnsafeMutableRawPointer(out), pRaw = UnsafeRawPointer(p)
        var r0 = 0
        while r0 < rows {
            let count = min(8, rows - r0)
            // rows past the end read the last row again (their sums are not stored)
            @inline(__always) func row(_ x: Int) -> UnsafePointer<Double> { z + (r0 + min(x, count - 1)) * stride }
            let (z0, z1, z2, z3, z4, z5, z6, z7) = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
            var c0 = SIMD8<Double>(), c1 = SIMD8<Double>(), c2 = SIMD8<Double>(), c3 = SIMD8<Double>()
            var c4 = SIMD8<Double>(), c5 = SIMD8<Double>(), c6 = SIMD8<Double>(), c7 = SIMD8<Double>()
            var d0 = SIMD8<Double>(), d1 = SIMD8<Double>(), d2 = SIMD8<Double>(), d3 = SIMD8<Double>()
            var d4 = SIMD8<Double>(), d5 = SIMD8<Double>(), d6 = SIMD8<Double>(), d7 = SIMD8<Double>()
            for s in 0..<columns {
                let bl = raw.loadUnaligned(fromByteOffset: s * 128, as: SIMD8<Double>.self)
                let bh = raw.loadUnaligned(fromByteOffset: s * 128 + 64, as: SIMD8<Double>.self)
                let (p0, p1, p2, p3, p4, p5, p6, p7) = (z0[s], z1[s], z2[s], z3[s], z4[s], z5[s], z6[s], z7[s])
                c0 = c0.addingProduct(p0, bl); c1 = c1.addingProduct(p1, bl); c2 = c2.addingProduct(p2, bl); c3 = c3.addingProduct(p3, bl)
                c4 = c4.addingProduct(p4, bl); c5 = c5.addingProduct(p5, bl); c6 = c6.addingProduct(p6, bl); c7 = c7.addingProduct(p7, bl)
                d0 = d0.addingProduct(p0, bh); d1 = d1.addingProduct(p1, bh); d2 = d2.addingProduct(p2, bh); d3 = d3.addingProduct(p3, bh)
                d4 = d4.addingProduct(p4, bh); d5 = d5.addingProduct(p5, bh); d6 = d6.addingProduct(p6, bh); d7 = d7.addingProduct(p7, bh)
            }
            // the row (c, d) times −P, in registers
            @inline(__always) func store(_ x: Int, _ c: SIMD8<Double>, _ d: SIMD8<Double>) {
                var low = SIMD8<Double>(), high = SIMD8<Double>()
                for u in 0..<16 {
                    let v = -(u < 8 ? c[u] : d[u - 8])
                    low = low.addingProduct(v, pRaw.loadUnaligned(fromByteOffset: u * 128, as: SIMD8<Double>.self))
                    high = high.addingProduct(v, pRaw.loadUnaligned(fromByteOffset: u * 128 + 64, as: SIMD8<Double>.self))
                }
                outRaw.storeBytes(of: low, toByteOffset: (r0 + x) * 128, as: SIMD8<Double>.self)
                outRaw.storeBytes(of: high, toByteOffset: (r0 + x) * 128 + 64, as: SIMD8<Double>.self)
            }
            store(0, c0, d0)
            if count > 1 { store(1, c1, d1) }
            if count > 2 { store(2, c2, d2) }
            if count > 3 { store(3, c3, d3) }
            if count > 4 { store(4, c4, d4) }
            if count > 5 { store(5, c5, d5) }
            if count > 6 { store(6, c6, d6) }
            if count > 7 { store(7, c7, d7) }
            r0 += 8
        }
    }

    /// `subtractTransposedProduct` in halves of eight rows of S (sixteen eight-lane accumulators);
    /// each entry the same steps in the same order.
    @inlinable @inline(__always)
    public static func subtractTransposedProductWide(_ b: UnsafePointer<Double>, _ y: UnsafePointer<Double>, rows: Int,
                                                     from s: UnsafeMutablePointer<Double>) {
        let yRaw = UnsafeRawPointer(y), sRaw = UnsafeMutableRawPointer(s)
        for a0 in stride(from: 0, to: 16, by: 8) {
            @inline(__always) func load(_ x: Int, _ at: Int) -> SIMD8<Double> { sRaw.loadUnaligned(fromByteOffset: (a0 + x) * 128 + at, as: SIMD8<Double>.self) }
            var c0 = load(0, 0), c1 = load(1, 0), c2 = load(2, 0), c3 = load(3, 0), c4 = load(4, 0), c5 = load(5, 0), c6 = load(6, 0), c7 = load(7, 0)
            var d0 = load(0, 64), d1 = load(1, 64), d2 = load(2, 64), d3 = load(3, 64), d4 = load(4, 64), d5 = load(5, 64), d6 = load(6, 64), d7 = load(7, 64)
            for r in 0..<rows {
                let y0 = yRaw.loadUnaligned(fromByteOffset: r * 128, as: SIMD8<Double>.self)
                let y1 = yRaw.loadUnaligned(fromByteOffset: r * 128 + 64, as: SIMD8<Double>.self)
                let br = b + r * 16 + a0
                let (p0, p1, p2, p3, p4, p5, p6, p7) = (-br[0], -br[1], -br[2], -br[3], -br[4], -br[5], -br[6], -br[7])
                c0 = c0.addingProduct(p0, y0); c1 = c1.addingProduct(p1, y0); c2 = c2.addingProduct(p2, y0); c3 = c3.addingProduct(p3, y0)
                c4 = c4.addingProduct(p4, y0); c5 = c5.addingProduct(p5, y0); c6 = c6.addingProduct(p6, y0); c7 = c7.addingProduct(p7, y0)
                d0 = d0.addingProduct(p0, y1); d1 = d1.addingProduct(p1, y1); d2 = d2.addingProduct(p2, y1); d3 = d3.addingProduct(p3, y1)
                d4 = d4.addingProduct(p4, y1); d5 = d5.addingProduct(p5, y1); d6 = d6.addingProduct(p6, y1); d7 = d7.addingProduct(p7, y1)
            }
            @inline(__always) func store(_ x: Int, _ c: SIMD8<Double>, _ d: SIMD8<Double>) {
                sRaw.storeBytes(of: c, toByteOffset: (a0 + x) * 128, as: SIMD8<Double>.self)
                sRaw.storeBytes(of: d, toByteOffset: (a0 + x) * 128 + 64, as: SIMD8<Double>.self)
            }
            store(0, c0, d0); store(1, c1, d1); store(2, c2, d2); store(3, c3, d3)
            store(4, c4, d4); store(5, c5, d5); store(6, c6, d6); store(7, c7, d7)
        }
    }
}
