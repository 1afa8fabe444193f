extension Matrix {
    /// X with self·X = B (square self, any number of columns of B) by Gaussian elimination
    /// with partial pivoting (Golub & Van Loan, *Matrix Computations*, 4th ed., Alg. 3.4.1);
    /// nil when a pivot falls below `relativeTolerance` times the largest entry of self
    /// (numerically singular). For the small indefinite systems of interpolation models.
    func solve(_ b: Matrix, relativeTolerance: Double = 1e-13) -> Matrix? {
        let n = rows
        guard cols == n, b.rows == n else { return nil }
        var a = self, x = b
        let largest = a.values.reduce(0) { Swift.max($0, abs($1)) }
        guard largest > 0, largest.isFinite else { return nil }
        for k in 0..<n {
            var pivot = k
            for i in (k + 1)..<n where abs(a[i, k]) > abs(a[pivot, k]) { pivot = i }
            guard abs(a[pivot, k]) > relativeTolerance * largest else { return nil }
            if pivot != k {
                for j in 0..<n { (a[k, j], a[pivot, j]) = (a[pivot, j], a[k, j]) }
                for j in 0..<x.cols { (x[k, j], x[pivot, j]) = (x[pivot, j], x[k, j]) }
            }
            for i in (k + 1)..<n {
                let factor = a[i, k] / a[k, k]
                guard factor != 0 else { continue }
                for j in k..<n { a[i, j] -= factor * a[k, j] }
                for j in 0..<x.cols { x[i, j] -= factor * x[k, j] }
            }
        }
        for k in stride(from: n - 1, through: 0, by: -1) {
            for j in 0..<x.cols {
                var s = x[k, j]
                for i in (k + 1)..<n { s -= a[k, i] * x[i, j] }
                x[k, j] = s / a[k, k]
            }
        }
        return x
    }
}
