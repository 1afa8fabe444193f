import LCKernels
import LCKernelsAVX2

/// The inverse Z = M⁻¹ of a symmetric positive-definite M = LL' from its Cholesky factor, by
/// Takahashi's recursion (Takahashi, Fagan & Chen 1973; Erisman & Tinney 1975, CACM 18(3)) in
/// panels J of eight columns, the last panel first, R the rows after J:
///
///     Z_RJ = −Z_RR L_RJ L_JJ⁻¹,     Z_JJ = L_JJ⁻ᵀ (L_JJ⁻¹ − L_RJ' Z_RJ)
///
/// (from L'Z = L⁻¹, which is lower triangular). Z_RR L_RJ is the bulk of the work (n³/3
/// multiply-adds in all), done by `SymmetricPanelProduct` in 4×8 tiles. The same recursion on a
/// sparse factor gives the entries of Z on the factor's pattern (the selected inverse:
/// `BlockedCrossProducts+Inverse`).
enum CholeskyInverse {
    static let panel = 8

    /// Z into `z` (row-major, both triangles, rows `zStride` apart) from the lower triangle of the
    /// n×n factor at `l` (rows `lStride` apart). `z` may be `l` itself (same stride): each panel's
    /// L is read before its Z is written, and L's strict upper triangle is not read.
    static func invert(_ l: UnsafePointer<Double>, lStride: Int, n: Int, into z: UnsafeMutablePointer<Double>, zStride: Int,
                       fused: Bool = CPUFeatures.avx2FMA) {
        guard n > 0 else { return }
        let w = panel
        let b = UnsafeMutablePointer<Double>.allocate(capacity: n * w), y = UnsafeMutablePointer<Double>.allocate(capacity: n * w)
        defer { b.deallocate(); y.deallocate() }
        var j1 = n
        while j1 > 0 {
            let j0 = (j1 - 1) / w * w, width = j1 - j0, rows = n - j1
            // B = L_RJ, eight values per row (zeros past the panel's width)
            for s in 0..<rows {
                for t in 0..<w { b[s * w + t] = t < width ? l[(j1 + s) * lStride + j0 + t] : 0 }
            }
            // Y = Z_RR B, then Y ← −Y L_JJ⁻¹ (each row y solves y L_JJ = −row, last entry first)
            let trailing = z + j1 * zStride + j1
            if fused { FusedSymmetricPanelProduct.multiply(trailing, stride: zStride, rows: rows, b, into: y) }
            else { SymmetricPanelProduct.multiply(trailing, stride: zStride, rows: rows, b, into: y, SeparateMultiplyAdd.self) }
            let diagonal = l + j0 * lStride + j0
            solveRows(y, rows: rows, pitch: w, width: width, diagonal, stride: lStride)
            for r in 0..<rows { for t in 0..<width { z[(j1 + r) * zStride + j0 + t] = y[r * w + t] } }
            for t in 0..<width { for r in 0..<rows { z[(j0 + t) * zStride + j1 + r] = y[r * w + t] } }
            diagonalBlock(width: width, diagonal, stride: lStride, below: b, solved: y, rows: rows, pitch: w, into: z + j0 * zStride + j0, zStride: zStride)
            j1 = j0
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

    /// Z_JJ = P'(P − B'Y), P = L_JJ⁻¹ (L_JJ at `diagonal`, B = L_RJ and Y = Z_RJ with `pitch` values
    /// per row), into both triangles of `z` (rows `zStride` apart).
    @inline(__always)
    static func diagonalBlock(width: Int, _ diagonal: UnsafePointer<Double>, stride lStride: Int, below b: UnsafePointer<Double>,
                              solved y: UnsafePointer<Double>, rows: Int, pitch: Int, into z: UnsafeMutablePointer<Double>, zStride: Int) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * width * width) { buffer in
            let p = buffer.baseAddress!, s = p + width * width
            for i in 0..<(width * width) { p[i] = 0 }
            for c in 0..<width {
                // column c of P: L_JJ x = e_c
                for a in c..<width {
                    var v = a == c ? 1.0 : 0
                    for k in c..<a { v -= diagonal[a * lStride + k] * p[k * width + c] }
                    p[a * width + c] = v / diagonal[a * lStride + a]
                }
            }
            for i in 0..<(width * width) { s[i] = p[i] }
            for r in 0..<rows {
                let (br, yr) = (b + r &* pitch, y + r &* pitch)
                for a in 0..<width {
                    let (ba, sa) = (br[a], s + a &* width)
                    for t in 0..<width { sa[t] -= ba * yr[t] }
                }
            }
            for a in 0..<width {
                for t in 0...a {
                    var v = 0.0
                    for k in a..<width { v += p[k * width + a] * s[k * width + t] }
                    z[a * zStride + t] = v
                    z[t * zStride + a] = v
                }
            }
        }
    }

    /// M⁻¹ of a dense symmetric positive-definite matrix (through `DenseCholesky`); nil if M is not.
    static func inverse(_ m: Matrix) -> Matrix? {
        let n = m.rows
        var l = m.values
        guard DenseCholesky.factorLower(&l, n) else { return nil }
        var z = [Double](repeating: 0, count: n * n)
        l.withUnsafeBufferPointer { l in z.withUnsafeMutableBufferPointer { invert(l.baseAddress!, lStride: n, n: n, into: $0.baseAddress!, zStride: n) } }
        return Matrix(rows: n, cols: n, values: z)
    }
}
