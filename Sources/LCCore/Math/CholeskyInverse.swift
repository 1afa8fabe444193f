import LCKernels
import LCKernelsAVX2
import LCKernelsAVX512

/// The inverse Z = M⁻¹ of a symmetric positive-definite M = LL' from its Cholesky factor, by
/// Takahashi's recursion (Takahashi, Fagan & Chen 1973; Erisman & Tinney 1975, CACM 18(3)) in
/// panels J of sixteen columns, the last panel first, R the rows after J:
///
///     Z_RJ = −Z_RR L_RJ L_JJ⁻¹,     Z_JJ = L_JJ⁻ᵀ (L_JJ⁻¹ − L_RJ' Z_RJ)
///
/// (from L'Z = L⁻¹, which is lower triangular). Z_RR L_RJ is the bulk of the work (n³/3
/// multiply-adds in all), done by `SymmetricPanelProduct` in 2×16 tiles (8×16 with AVX-512). The
/// same recursion on a sparse factor gives the entries of Z on the factor's pattern (the selected
/// inverse: `BlockedCrossProducts+Inverse`).
enum CholeskyInverse {
    static let panel = SymmetricPanelProduct.width

    /// Z into `z` (row-major, both triangles, rows `zStride` apart) from the lower triangle of the
    /// n×n factor at `l` (rows `lStride` apart). `z` may be `l` itself (same stride): each panel's
    /// L is read before its Z is written, and L's strict upper triangle is not read.
    /// Threaded (a `ThreadTeam` for all panels) when the whole costs at least `parallelWork` multiply-adds.
    static func invert(_ l: UnsafePointer<Double>, lStride: Int, n: Int, into z: UnsafeMutablePointer<Double>, zStride: Int,
                       threads: Int = Parallel.defaultThreads, parallelWork: Int = 1 << 22, kernels: DenseKernels = CPUFeatures.kernels) {
        guard n > 0 else { return }
        let w = panel, panels = (n + w - 1) / w
        // every panel's L_RJ, sixteen values per row (zeros past a panel's width), packed in one pass
        // over L's rows (reading each panel's rows in place would jump a row of L per value)
        var offset = [Int](repeating: 0, count: panels + 1)
        for k in 0..<panels { offset[k + 1] = offset[k] + (n - min(n, (k + 1) * w)) * w }
        let packed = UnsafeMutablePointer<Double>.allocate(capacity: max(1, offset[panels]))
        let y = UnsafeMutablePointer<Double>.allocate(capacity: n * w), p = UnsafeMutablePointer<Double>.allocate(capacity: w * w)
        defer { packed.deallocate(); y.deallocate(); p.deallocate() }
        // one team for every panel when the whole costs at least `parallelWork` (n³/3 multiply-adds);
        // each member takes its share of the rows, so each writes its own rows (the same bits)
        ThreadTeam.run(threads: n * n * n / 3 >= parallelWork ? threads : 1) { member, team in
            for r in team.share(of: n, member: member) {
                let row = l + r * lStride
                for k in 0..<(r / w) {
                    let (j0, to) = (k * w, packed + offset[k] + (r - (k + 1) * w) * w)
                    for t in 0..<w { to[t] = row[j0 + t] }
                }
            }
            team.barrier()
            for k in stride(from: panels - 1, through: 0, by: -1) {
                let j0 = k * w, j1 = min(n, j0 + w), width = j1 - j0, rows = n - j1
                let (b, diagonal) = (packed + offset[k], l + j0 * lStride + j0)
                if member == 0 { lowerInverse(diagonal, stride: lStride, width: width, into: p, pitch: w) }
                team.barrier()
                // Y = −Z_RR B P, P = L_JJ⁻¹, in groups of four rows
                let mine = team.share(of: (rows + 3) / 4, member: member)
                let (first, last) = (mine.lowerBound * 4, min(rows, mine.upperBound * 4))
                if first < last {
                    let (part, from, out) = (last - first, z + (j1 + first) * zStride + j1, y + first * w)
                    switch kernels {
                    case .wide: WideSymmetricPanelProduct.multiply(from, stride: zStride, rows: part, columns: rows, b, times: p, into: out)
                    case .fused: FusedSymmetricPanelProduct.multiply(from, stride: zStride, rows: part, columns: rows, b, times: p, into: out)
                    case .portable:
                        SymmetricPanelProduct.multiply(from, stride: zStride, rows: part, columns: rows, b, times: p, into: out, SeparateMultiplyAdd.self)
                    }
                }
                team.barrier()
                for r in first..<max(first, last) { for t in 0..<width { z[(j1 + r) * zStride + j0 + t] = y[r * w + t] } }
                for t in 0..<width { for r in first..<max(first, last) { z[(j0 + t) * zStride + j1 + r] = y[r * w + t] } }
                if member == 0 {
                    panelDiagonalBlock(width: width, inverse: p, below: b, solved: y, rows: rows, into: z + j0 * zStride + j0,
                                       zStride: zStride, kernels: kernels)
                }
                team.barrier()
            }
        }
    }

    /// P = L_JJ⁻¹ (lower triangular, `width` square, rows `pitch` apart, zeros elsewhere in the
    /// `pitch` square) from L_JJ at `diagonal` (rows `stride` apart), column by column.
    @inline(__always)
    static func lowerInverse(_ diagonal: UnsafePointer<Double>, stride lStride: Int, width: Int, into p: UnsafeMutablePointer<Double>, pitch: Int) {
        for i in 0..<(pitch * pitch) { p[i] = 0 }
        for c in 0..<width {
            for a in c..<width {
                var v = a == c ? 1.0 : 0
                for k in c..<a { v -= diagonal[a * lStride + k] * p[k * pitch + c] }
                p[a * pitch + c] = v / diagonal[a * lStride + a]
            }
        }
    }

    /// Each row y (`pitch` apart, `width` used) ← −y L_JJ⁻¹, i.e. the solution of x L_JJ = −y, last
    /// entry first (L_JJ lower triangular at `diagonal`, rows `stride` apart).
    @inline(__always)
    static func solveRows(_ y: UnsafeMutablePointer<Double>, rows: Int, pitch: Int, width: Int, _ diagonal: UnsafePointer<Double>, stride lStride: Int) {
        for r in 0..<rows {
            let row = y + r * pitch
            for t in stride(from: width - 1, through: 0, by: -1) {
                var v = -row[t]
                for a in (t + 1)..<max(t + 1, width) { v -= row[a] * diagonal[a * lStride + t] }
                row[t] = v / diagonal[t * lStride + t]
            }
        }
    }

    /// Z_JJ = P'(P − B'Y), P = L_JJ⁻¹ (`inverse`, rows `pitch` apart; B = L_RJ and Y = Z_RJ with
    /// `rowPitch` values per row), into both triangles of `z` (rows `zStride` apart).
    @inline(__always)
    static func diagonalBlock(width: Int, inverse p: UnsafePointer<Double>, pitch: Int, below b: UnsafePointer<Double>,
                              solved y: UnsafePointer<Double>, rows: Int, rowPitch: Int, into z: UnsafeMutablePointer<Double>, zStride: Int) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: width * width) { buffer in
            let s = buffer.baseAddress!
            for a in 0..<width { for t in 0..<width { s[a &* width &+ t] = p[a &* pitch &+ t] } }
            for r in 0..<rows {
                let (br, yr) = (b + r &* rowPitch, y + r &* rowPitch)
                for a in 0..<width {
                    let (ba, sa) = (br[a], s + a &* width)
                    for t in 0..<width { sa[t] -= ba * yr[t] }
                }
            }
            transposedProduct(width: width, inverse: p, pitch: pitch, s, sPitch: width, into: z, zStride: zStride)
        }
    }

    /// `diagonalBlock` of a panel of the dense inverse (sixteen values per row of B and Y, P in a
    /// 16×16 square, zero past the panel's width), S = P − B'Y by the panel kernels.
    static func panelDiagonalBlock(width: Int, inverse p: UnsafePointer<Double>, below b: UnsafePointer<Double>, solved y: UnsafePointer<Double>,
                                   rows: Int, into z: UnsafeMutablePointer<Double>, zStride: Int, kernels: DenseKernels) {
        let w = panel
        withUnsafeTemporaryAllocation(of: Double.self, capacity: w * w) { buffer in
            let s = buffer.baseAddress!
            s.update(from: p, count: w * w)
            switch kernels {
            case .wide: WideSymmetricPanelProduct.subtractTransposedProduct(b, y, rows: rows, from: s)
            case .fused: FusedSymmetricPanelProduct.subtractTransposedProduct(b, y, rows: rows, from: s)
            case .portable: SymmetricPanelProduct.subtractTransposedProduct(b, y, rows: rows, from: s, SeparateMultiplyAdd.self)
            }
            transposedProduct(width: width, inverse: p, pitch: w, s, sPitch: w, into: z, zStride: zStride)
        }
    }

    /// Z_JJ = P'S (P = L_JJ⁻¹ lower triangular, rows `pitch` apart; S rows `sPitch` apart), into both
    /// triangles of `z`.
    @inline(__always)
    private static func transposedProduct(width: Int, inverse p: UnsafePointer<Double>, pitch: Int, _ s: UnsafePointer<Double>, sPitch: Int,
                                          into z: UnsafeMutablePointer<Double>, zStride: Int) {
        for a in 0..<width {
            for t in 0...a {
                var v = 0.0
                for k in a..<width { v += p[k &* pitch &+ a] * s[k &* sPitch &+ t] }
                z[a * zStride + t] = v
                z[t * zStride + a] = v
            }
        }
    }
}
