/// Eigenvalues and eigenvectors of a symmetric matrix by the cyclic Jacobi method
/// (Golub & Van Loan 2013, *Matrix Computations*, §8.5): rotations annihilate the
/// off-diagonal entries until they are negligible. Accurate to rounding for every
/// eigenvalue, large or small; meant for the small matrices of a model's variance
/// parameters and hypotheses (at most a few hundred rows).
struct SymmetricEigen {
    /// Eigenvalues in decreasing order, as R's `eigen(symmetric = TRUE)` gives them.
    let values: [Double]
    /// Column k is the eigenvector of `values[k]`.
    let vectors: Matrix

    init(_ a: Matrix) {
        let n = a.rows
        var m = a, v = Matrix.identity(n)
        for _ in 0..<100 {
            var off = 0.0, total = 0.0
            for i in 0..<n { for j in 0..<n { total += m[i, j] * m[i, j]; if i != j { off += m[i, j] * m[i, j] } } }
            if off <= 1e-30 * total || off == 0 { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) where m[p, q] != 0 {
                    let theta = (m[q, q] - m[p, p]) / (2 * m[p, q])
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {     // m ← Jᵀ m J
                        let (mkp, mkq) = (m[k, p], m[k, q])
                        m[k, p] = c * mkp - s * mkq
                        m[k, q] = s * mkp + c * mkq
                    }
                    for k in 0..<n {
                        let (mpk, mqk) = (m[p, k], m[q, k])
                        m[p, k] = c * mpk - s * mqk
                        m[q, k] = s * mpk + c * mqk
                    }
                    for k in 0..<n {
                        let (vkp, vkq) = (v[k, p], v[k, q])
                        v[k, p] = c * vkp - s * vkq
                        v[k, q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { m[$0, $0] > m[$1, $1] }
        values = order.map { m[$0, $0] }
        var sorted = Matrix(rows: n, cols: n)
        for (k, j) in order.enumerated() { for i in 0..<n { sorted[i, k] = v[i, j] } }
        vectors = sorted
    }

    /// The inverse over the eigenvalues above `tolerance` (lmerTest's inverse of the
    /// Hessian of the deviance: directions with a zero or negative curvature are left out).
    func pseudoInverse(tolerance: Double) -> Matrix {
        let n = values.count
        var out = Matrix(rows: n, cols: n)
        for k in 0..<n where values[k] > tolerance {
            for i in 0..<n { for j in 0..<n { out[i, j] += vectors[i, k] * vectors[j, k] / values[k] } }
        }
        return out
    }
}
