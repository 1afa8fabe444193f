import LCKernels
import LCKernelsAVX2
import LCKernelsAVX512

/// The Cholesky factor of a dense symmetric positive-definite matrix, in place.
///
/// Right-looking in panels of `panel` columns (Golub & Van Loan, *Matrix Computations*,
/// 4th ed., Alg. 4.2.4, blocked): for each panel, factor its diagonal block, solve the
/// rows below it (L₂₁ = A₂₁L₁₁⁻ᵀ), then subtract L₂₁L₂₁' from the trailing matrix. The rows
/// below are packed transposed (column k of the panel contiguous), so that the solve runs
/// sixteen rows at a time and the trailing update in 4×8 register tiles (8×16 with AVX-512),
/// reading each packed column from cache. A large factorisation runs on a `ThreadTeam` (its
/// threads started once, meeting at barriers between the steps of each panel): the solve split
/// by blocks of rows, the trailing update by tile rows, each writing disjoint parts of the
/// matrix, so the result does not depend on the number of threads.
enum DenseCholesky {
    /// Overwrites the lower triangle of the row-major n×n `m` with L (M = LL'); false if M is
    /// not positive definite. `from`: factor only the trailing block from that row and column
    /// (what comes before is done). The strict upper triangle is not read or written.
    /// Threaded when the whole costs at least `parallelWork` multiply-adds (enough to pay for
    /// starting the threads).
    /// `kernels`: which compiled copy of the panel kernels runs (`CPUFeatures.kernels`: the widest
    /// the CPU has; `.fused` and `.wide` give the same bits).
    static func factorLower(_ m: inout [Double], _ n: Int, from: Int = 0, panel: Int = 64,
                            threads: Int = Parallel.defaultThreads, parallelWork: Int = 1 << 22,
                            kernels: DenseKernels = CPUFeatures.kernels) -> Bool {
        guard from < n else { return true }
        return m.withUnsafeMutableBufferPointer { buffer in
            factorLower(buffer.baseAddress!, n, from: from, panel: panel, threads: threads, parallelWork: parallelWork, kernels: kernels)
        }
    }

    /// `factorLower` of the row-major n×n matrix at `a` (part of a larger store).
    static func factorLower(_ a: UnsafeMutablePointer<Double>, _ n: Int, from: Int = 0, panel: Int = 64,
                            threads: Int = Parallel.defaultThreads, parallelWork: Int = 1 << 22,
                            kernels: DenseKernels = CPUFeatures.kernels) -> Bool {
        guard from < n else { return true }
        let packed = UnsafeMutablePointer<Double>.allocate(capacity: panel * (n - from + 16))
        defer { packed.deallocate() }
        // one team for every panel when the whole costs at least `parallelWork` (m³/6 multiply-adds)
        let m = n - from
        return ThreadTeam.run(threads: m * m * m / 6 >= parallelWork ? threads : 1) { member, team in
            var k0 = from
            while k0 < n {
                let k1 = min(k0 + panel, n), width = k1 - k0, rows = n - k1
                if member == 0 && !factorBlock(a + k0 * n + k0, size: width, stride: n) { team.stop() }
                team.barrier()
                if team.stopped || rows == 0 { return }
                // each member packs and solves its share of the blocks of sixteen rows (independent),
                // then subtracts its tile rows (every tile row-th, the triangle's work evenly spread)
                let panelRows = PackedPanel(a: a, n: n, k0: k0, k1: k1, packed: packed)
                let mine = team.share(of: panelRows.pitch / 16, member: member)
                panelRows.pack(blocks: mine)
                switch kernels {
                case .wide: WidePanel.solve(panelRows, blocks: mine)
                case .fused: FusedPanel.solve(panelRows, blocks: mine)
                case .portable: panelRows.solve(blocks: mine, SeparateMultiplyAdd.self)
                }
                team.barrier()
                switch kernels {
                case .wide: WidePanel.subtractFromTrailing(panelRows, tileRows: member, stride: team.count)
                case .fused: FusedPanel.subtractFromTrailing(panelRows, tileRows: member, stride: team.count)
                case .portable: panelRows.subtractFromTrailing(tileRows: member, stride: team.count, SeparateMultiplyAdd.self)
                }
                team.barrier()
                k0 = k1
            }
        }
    }

    /// The Cholesky factor of the size × size block at `a` (rows `stride` apart), in place in
    /// its lower triangle; false if the block is not positive definite.
    /// Inlined, so that a caller's constant size unrolls its loops.
    @inline(__always)
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
