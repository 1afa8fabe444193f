/// The product of rows of a symmetric square (both triangles stored), a panel of eight columns
/// and an 8×8 matrix, negated: the bulk of `CholeskyInverse`'s work, Y = −Z_RR B P, row by row
///
///     out[r·8 + t] = −Σ_u (Σ_s z[r·stride + s]·b[s·8 + u])·p[u·8 + t],   r < rows, s < columns.
///
/// Four rows at a time in 4×8 tiles (eight accumulators: enough independent sums to keep two
/// multiply-add units busy), each row of z read once per panel.
public enum SymmetricPanelProduct {
    @inlinable @inline(__always)
    public static func multiply<F: MultiplyAdd>(_ z: UnsafePointer<Double>, stride: Int, rows: Int, columns: Int,
                                                _ b: UnsafePointer<Double>, times p: UnsafePointer<Double>,
                                                into out: UnsafeMutablePointer<Double>, _: F.Type) {
        let raw = UnsafeRawPointer(b), outRaw = UnsafeMutableRawPointer(out), pRaw = UnsafeRawPointer(p)
        var r0 = 0
        while r0 < rows {
            let count = min(4, rows - r0)
            // rows past the end read row r0 again (their sums are not stored)
            let z0 = z + r0 * stride, z1 = z + (r0 + (count > 1 ? 1 : 0)) * stride
            let z2 = z + (r0 + (count > 2 ? 2 : 0)) * stride, z3 = z + (r0 + (count > 3 ? 3 : 0)) * stride
            var c0 = SIMD4<Double>(), c1 = SIMD4<Double>(), c2 = SIMD4<Double>(), c3 = SIMD4<Double>()
            var d0 = SIMD4<Double>(), d1 = SIMD4<Double>(), d2 = SIMD4<Double>(), d3 = SIMD4<Double>()
            for s in 0..<columns {
                let bl = raw.loadUnaligned(fromByteOffset: s * 64, as: SIMD4<Double>.self)
                let bh = raw.loadUnaligned(fromByteOffset: s * 64 + 32, as: SIMD4<Double>.self)
                let (p0, p1, p2, p3) = (z0[s], z1[s], z2[s], z3[s])
                c0 = F.add(c0, p0, bl); c1 = F.add(c1, p1, bl); c2 = F.add(c2, p2, bl); c3 = F.add(c3, p3, bl)
                d0 = F.add(d0, p0, bh); d1 = F.add(d1, p1, bh); d2 = F.add(d2, p2, bh); d3 = F.add(d3, p3, bh)
            }
            // the row (c, d) times −P, in registers
            @inline(__always) func store(_ x: Int, _ c: SIMD4<Double>, _ d: SIMD4<Double>) {
                var low = SIMD4<Double>(), high = SIMD4<Double>()
                for u in 0..<8 {
                    let v = -(u < 4 ? c[u] : d[u - 4])
                    low = F.add(low, v, pRaw.loadUnaligned(fromByteOffset: u * 64, as: SIMD4<Double>.self))
                    high = F.add(high, v, pRaw.loadUnaligned(fromByteOffset: u * 64 + 32, as: SIMD4<Double>.self))
                }
                outRaw.storeBytes(of: low, toByteOffset: (r0 + x) * 64, as: SIMD4<Double>.self)
                outRaw.storeBytes(of: high, toByteOffset: (r0 + x) * 64 + 32, as: SIMD4<Double>.self)
            }
            store(0, c0, d0)
            if count > 1 { store(1, c1, d1) }
            if count > 2 { store(2, c2, d2) }
            if count > 3 { store(3, c3, d3) }
            r0 += 4
        }
    }
}
