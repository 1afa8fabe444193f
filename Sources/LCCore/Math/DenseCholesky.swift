/// The Cholesky factor of a dense symmetric positive-definite matrix, in place.
///
/// Right-looking in panels of `panel` columns (Golub & Van Loan, *Matrix Computations*,
/// 4th ed., Alg. 4.2.4, blocked): for each panel, factor its diagonal block, solve the
/// rows below it (L₂₁ = A₂₁L₁₁⁻ᵀ), then subtract L₂₁L₂₁' from the trailing matrix. The rows
/// below are packed transposed (column k of the panel contiguous), so that the solve runs
/// eight rows at a time and the trailing update in 4×4 register tiles, reading each packed
/// column from cache; the trailing update is split over threads by tile rows, which write
/// disjoint parts of the matrix, so the result does not depend on the number of threads.
enum DenseCholesky {
    /// Overwrites the lower triangle of the row-major n×n `m` with L (M = LL'); false if M is
    /// not positive definite. `from`: factor only the trailing block from that row and column
    /// (what comes before is done). The strict upper triangle is not read or written.
    /// A panel's trailing update is threaded when it costs at least `parallelWork` multiply-adds
    /// (about 4 tiles² × width: enough to pay for starting the threads).
    static func factorLower(_ m: inout [Double], _ n: Int, from: Int = 0, panel: Int = 64,
                            threads: Int = Parallel.defaultThreads, parallelWork: Int = 1 << 22) -> Bool {
        guard from < n else { return true }
        let packed = UnsafeMutablePointer<Double>.allocate(capacity: panel * (n - from + 8))
        defer { packed.deallocate() }
        return m.withUnsafeMutableBufferPointer { buffer in
            let a = buffer.baseAddress!
            var k0 = from
            while k0 < n {
                let k1 = min(k0 + panel, n), width = k1 - k0
                guard factorBlock(a + k0 * n + k0, size: width, stride: n) else { return false }
                let rows = n - k1
                if rows == 0 { break }
                let panelRows = PackedPanel(a: a, n: n, k0: k0, k1: k1, packed: packed)
                panelRows.solve()
                let tiles = (rows + 3) / 4
                let t = 8 * tiles * tiles * width >= parallelWork ? threads : 1
                _ = try? Parallel.mapRanges(count: t, minimumPerThread: 1, threads: t) { range in
                    for id in range { panelRows.subtractFromTrailing(tileRows: id, stride: t) }
                }
                k0 = k1
            }
            return true
        }
    }

    /// The Cholesky factor of the size × size block at `a` (rows `stride` apart), in place in
    /// its lower triangle; false if the block is not positive definite.
    static func factorBlock(_ a: UnsafeMutablePointer<Double>, size: Int, stride: Int) -> Bool {
        for i in 0..<size {
            for j in 0...i {
                let s = a[i * stride + j] - dot(a + i * stride, a + j * stride, j)
                if i == j {
                    guard s > 0, s.isFinite else { return false }
                    a[i * stride + i] = s.squareRoot()
                } else {
                    a[i * stride + j] = s / a[j * stride + j]
                }
            }
        }
        return true
    }

    /// Σ x[k]·y[k] over k < n, four lanes at a time.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
        var acc = SIMD4<Double>(repeating: 0), acc2 = SIMD4<Double>(repeating: 0)
        var k = 0
        let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
        while k + 8 <= n {
            acc += rx.loadUnaligned(fromByteOffset: k * 8, as: SIMD4<Double>.self) * ry.loadUnaligned(fromByteOffset: k * 8, as: SIMD4<Double>.self)
            acc2 += rx.loadUnaligned(fromByteOffset: k * 8 + 32, as: SIMD4<Double>.self) * ry.loadUnaligned(fromByteOffset: k * 8 + 32, as: SIMD4<Double>.self)
            k += 8
        }
        var s = (acc + acc2).sum()
        while k < n { s += x[k] * y[k]; k += 1 }
        return s
    }
}

/// The rows below one panel (columns k0..<k1 of the row-major n×n matrix at `a`), packed
/// transposed: `packed[k·pitch + r]` is row k1 + r, column k0 + k (pitch: rows rounded up to 8,
/// the padding zero).
private struct PackedPanel: @unchecked Sendable {
    let a: UnsafeMutablePointer<Double>, n: Int, k0: Int, k1: Int
    let packed: UnsafeMutablePointer<Double>
    var rows: Int { n - k1 }
    var width: Int { k1 - k0 }
    var pitch: Int { (rows + 7) & ~7 }

    init(a: UnsafeMutablePointer<Double>, n: Int, k0: Int, k1: Int, packed: UnsafeMutablePointer<Double>) {
        (self.a, self.n, self.k0, self.k1, self.packed) = (a, n, k0, k1, packed)
        let (pitch, rows) = ((n - k1 + 7) & ~7, n - k1)
        for r in 0..<pitch {
            let row = a + (k1 + r) * n + k0
            for k in 0..<(k1 - k0) { packed[k * pitch + r] = r < rows ? row[k] : 0 }
        }
    }

    /// L₂₁ = A₂₁L₁₁⁻ᵀ by forward substitution, eight rows at a time, into the packed copy and
    /// back into the matrix.
    func solve() {
        let raw = UnsafeMutableRawPointer(packed), pitch = pitch
        var r0 = 0
        while r0 < pitch {
            for k in 0..<width {
                let lk = a + (k0 + k) * n + k0
                var x0 = raw.loadUnaligned(fromByteOffset: (k * pitch + r0) * 8, as: SIMD4<Double>.self)
                var x1 = raw.loadUnaligned(fromByteOffset: (k * pitch + r0 + 4) * 8, as: SIMD4<Double>.self)
                for t in 0..<k {
                    let l = lk[t]
                    x0 -= l * raw.loadUnaligned(fromByteOffset: (t * pitch + r0) * 8, as: SIMD4<Double>.self)
                    x1 -= l * raw.loadUnaligned(fromByteOffset: (t * pitch + r0 + 4) * 8, as: SIMD4<Double>.self)
                }
                let inverse = 1 / lk[k]
                raw.storeBytes(of: x0 * inverse, toByteOffset: (k * pitch + r0) * 8, as: SIMD4<Double>.self)
                raw.storeBytes(of: x1 * inverse, toByteOffset: (k * pitch + r0 + 4) * 8, as: SIMD4<Double>.self)
            }
            r0 += 8
        }
        for r in 0..<rows {
            let row = a + (k1 + r) * n + k0
            for k in 0..<width { row[k] = packed[k * pitch + r] }
        }
    }

    /// A[i, j] −= L₂₁[i]·L₂₁[j] for k1 ≤ j ≤ i, over the tile rows `first, first + stride, …`
    /// (4 rows each), in 4×4 tiles accumulated in registers.
    func subtractFromTrailing(tileRows first: Int, stride: Int) {
        let raw = UnsafeRawPointer(packed), pitch = pitch, rows = rows, width = width
        let trailing = a + k1 * n + k1
        var i0 = first * 4
        while i0 < rows {
            var j0 = 0
            while j0 <= i0 {
                var c0 = SIMD4<Double>(), c1 = SIMD4<Double>(), c2 = SIMD4<Double>(), c3 = SIMD4<Double>()
                for k in 0..<width {
                    let bj = raw.loadUnaligned(fromByteOffset: (k * pitch + j0) * 8, as: SIMD4<Double>.self)
                    let pi = packed + k * pitch + i0
                    c0 += pi[0] * bj; c1 += pi[1] * bj; c2 += pi[2] * bj; c3 += pi[3] * bj
                }
                if j0 + 3 <= i0 && i0 + 3 < rows {
                    // a whole tile below the diagonal
                    let row = UnsafeMutableRawPointer(trailing + i0 * n + j0), step = n * 8
                    row.storeBytes(of: row.loadUnaligned(as: SIMD4<Double>.self) - c0, as: SIMD4<Double>.self)
                    (row + step).storeBytes(of: (row + step).loadUnaligned(as: SIMD4<Double>.self) - c1, as: SIMD4<Double>.self)
                    (row + 2 * step).storeBytes(of: (row + 2 * step).loadUnaligned(as: SIMD4<Double>.self) - c2, as: SIMD4<Double>.self)
                    (row + 3 * step).storeBytes(of: (row + 3 * step).loadUnaligned(as: SIMD4<Double>.self) - c3, as: SIMD4<Double>.self)
                } else {
                    for x in 0..<4 where i0 + x < rows {
                        let row = trailing + (i0 + x) * n
                        let c = x == 0 ? c0 : x == 1 ? c1 : x == 2 ? c2 : c3
                        for y in 0..<4 where j0 + y <= i0 + x { row[j0 + y] -= c[y] }
                    }
                }
                j0 += 4
            }
            i0 += 4 * stride
        }
    }
}
