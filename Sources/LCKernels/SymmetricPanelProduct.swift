/// The product of rows of a symmetric square (both triangles stored), a panel of sixteen columns
/// and a 16×16 matrix, negated: the bulk of `CholeskyInverse`'s work, Y = −Z_RR B P, row by row
///
///     out[r·16 + t] = −Σ_u (Σ_s z[r·stride + s]·b[s·16 + u])·p[u·16 + t],   r < rows, s < columns.
///
/// Two rows at a time in 2×16 tiles (eight accumulators: enough independent sums to keep two
/// multiply-add units busy), each row of z read once per panel; each value of z read serves
/// sixteen multiply-adds (with panels of eight, the reads of z from beyond the caches bound it).
public enum SymmetricPanelProduct {
    public static let width = 16

    @inlinable @inline(__always)
    public static func multiply<F: MultiplyAdd>(_ z: UnsafePointer<Double>, stride: Int, rows: Int, columns: Int,
                                                _ b: UnsafePointer<Double>, times p: UnsafePointer<Double>,
                                                into out: UnsafeMutablePointer<Double>, _: F.Type) {
        let raw = UnsafeRawPointer(b), outRaw = UnsafeMutableRawPointer(out), pRaw = UnsafeRawPointer(p)
        var r0 = 0
        while r0 < rows {
            // a row past the end reads row r0 again (its sums are not stored)
            let z0 = z + r0 * stride, z1 = z + (r0 + (r0 + 1 < rows ? 1 : 0)) * stride
            var c0 = SIMD4<Double>(), c1 = SIMD4<Double>(), c2 = SIMD4<Double>(), c3 = SIMD4<Double>()
            var d0 = SIMD4<Double>(), d1 = SIMD4<Double>(), d2 = SIMD4<Double>(), d3 = SIMD4<Double>()
            for s in 0..<columns {
                let b0 = raw.loadUnaligned(fromByteOffset: s * 128, as: SIMD4<Double>.self)
                let b1 = raw.loadUnaligned(fromByteOffset: s * 128 + 32, as: SIMD4<Double>.self)
                let b2 = raw.loadUnaligned(fromByteOffset: s * 128 + 64, as: SIMD4<Double>.self)
                let b3 = raw.loadUnaligned(fromByteOffset: s * 128 + 96, as: SIMD4<Double>.self)
                let (p0, p1) = (z0[s], z1[s])
                c0 = F.add(c0, p0, b0); c1 = F.add(c1, p0, b1); c2 = F.add(c2, p0, b2); c3 = F.add(c3, p0, b3)
                d0 = F.add(d0, p1, b0); d1 = F.add(d1, p1, b1); d2 = F.add(d2, p1, b2); d3 = F.add(d3, p1, b3)
            }
            // the row (c0 … c3) times −P, in registers
            @inline(__always) func store(_ x: Int, _ c: (SIMD4<Double>, SIMD4<Double>, SIMD4<Double>, SIMD4<Double>)) {
                var o0 = SIMD4<Double>(), o1 = SIMD4<Double>(), o2 = SIMD4<Double>(), o3 = SIMD4<Double>()
                for u in 0..<16 {
                    let quarter = u < 8 ? (u < 4 ? c.0 : c.1) : (u < 12 ? c.2 : c.3)
                    let v = -quarter[u & 3], at = u * 128
                    o0 = F.add(o0, v, pRaw.loadUnaligned(fromByteOffset: at, as: SIMD4<Double>.self))
                    o1 = F.add(o1, v, pRaw.loadUnaligned(fromByteOffset: at + 32, as: SIMD4<Double>.self))
                    o2 = F.add(o2, v, pRaw.loadUnaligned(fromByteOffset: at + 64, as: SIMD4<Double>.self))
                    o3 = F.add(o3, v, pRaw.loadUnaligned(fromByteOffset: at + 96, as: SIMD4<Double>.self))
                }
                let to = (r0 + x) * 128
                outRaw.storeBytes(of: o0, toByteOffset: to, as: SIMD4<Double>.self)
                outRaw.storeBytes(of: o1, toByteOffset: to + 32, as: SIMD4<Double>.self)
                outRaw.storeBytes(of: o2, toByteOffset: to + 64, as: SIMD4<Double>.self)
                outRaw.storeBytes(of: o3, toByteOffset: to + 96, as: SIMD4<Double>.self)
            }
            store(0, (c0, c1, c2, c3))
            if r0 + 1 < rows { store(1, (d0, d1, d2, d3)) }
            r0 += 2
        }
    }

    /// s[a·16 + t] −= Σ_r b[r·16 + a]·y[r·16 + t] over r < rows: the 16×16 S = P − B'Y of the
    /// inverse's diagonal block (B = L_RJ, Y = Z_RJ, sixteen values per row), in quarters of four
    /// rows of S (eight accumulators); each entry is its sum over r in order, one step per row.
    @inlinable @inline(__always)
    public static func subtractTransposedProduct<F: MultiplyAdd>(_ b: UnsafePointer<Double>, _ y: UnsafePointer<Double>, rows: Int,
                                                                 from s: UnsafeMutablePointer<Double>, _: F.Type) {
        let yRaw = UnsafeRawPointer(y), sRaw = UnsafeMutableRawPointer(s)
        for a0 in stride(from: 0, to: 16, by: 4) {
            for half in 0..<2 {
                let at = half * 64
                @inline(__always) func load(_ x: Int) -> SIMD4<Double> { sRaw.loadUnaligned(fromByteOffset: (a0 + x) * 128 + at, as: SIMD4<Double>.self) }
                @inline(__always) func loadHigh(_ x: Int) -> SIMD4<Double> { sRaw.loadUnaligned(fromByteOffset: (a0 + x) * 128 + at + 32, as: SIMD4<Double>.self) }
                var c0 = load(0), c1 = load(1), c2 = load(2), c3 = load(3)
                var d0 = loadHigh(0), d1 = loadHigh(1), d2 = loadHigh(2), d3 = loadHigh(3)
                for r in 0..<rows {
                    let y0 = yRaw.loadUnaligned(fromByteOffset: r * 128 + at, as: SIMD4<Double>.self)
                    let y1 = yRaw.loadUnaligned(fromByteOffset: r * 128 + at + 32, as: SIMD4<Double>.self)
                    let br = b + r * 16 + a0
                    let (p0, p1, p2, p3) = (-br[0], -br[1], -br[2], -br[3])
                    c0 = F.add(c0, p0, y0); c1 = F.add(c1, p1, y0); c2 = F.add(c2, p2, y0); c3 = F.add(c3, p3, y0)
                    d0 = F.add(d0, p0, y1); d1 = F.add(d1, p1, y1); d2 = F.add(d2, p2, y1); d3 = F.add(d3, p3, y1)
                }
                @inline(__always) func store(_ x: Int, _ c: SIMD4<Double>, _ d: SIMD4<Double>) {
                    sRaw.storeBytes(of: c, toByteOffset: (a0 + x) * 128 + at, as: SIMD4<Double>.self)
                    sRaw.storeBytes(of: d, toByteOffset: (a0 + x) * 128 + at + 32, as: SIMD4<Double>.self)
                }
                store(0, c0, d0); store(1, c1, d1); store(2, c2, d2); store(3, c3, d3)
            }
        }
    }
}
