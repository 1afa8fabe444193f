import Glibc

/// A small dense matrix, row-major: enough for the q×q and p×p blocks of a mixed model.
public struct Matrix: Sendable, Equatable {
    public let rows: Int, cols: Int
    public var values: [Double]

    public init(rows: Int, cols: Int, repeating v: Double = 0) {
        self.rows = rows
        self.cols = cols
        values = [Double](repeating: v, count: rows * cols)
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    @inline(__always)
    public subscript(i: Int, j: Int) -> Double {
        get { values[i * cols + j] }
        set { values[i * cols + j] = newValue }
    }

    /// A one-column matrix.
    public init(column v: [Double]) {
        self.init(rows: v.count, cols: 1)
        values = v
    }

    public func column(_ j: Int) -> [Double] { (0..<rows).map { self[$0, j] } }

    public static func - (a: Matrix, b: Matrix) -> Matrix {
        var c = a
        for i in c.values.indices { c.values[i] -= b.values[i] }
        return c
    }

    public static func + (a: Matrix, b: Matrix) -> Matrix {
        var c = a
        for i in c.values.indices { c.values[i] += b.values[i] }
        return c
    }

    /// self −= aᵀ·b (a and b with the same number of rows).
    public mutating func subtractCrossProduct(_ a: Matrix, _ b: Matrix) {
        for i in 0..<a.cols {
            for j in 0..<b.cols {
                var s = 0.0
                for m in 0..<a.rows { s += a[m, i] * b[m, j] }
                self[i, j] -= s
            }
        }
    }

    public var transposed: Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for i in 0..<rows { for j in 0..<cols { t[j, i] = self[i, j] } }
        return t
    }

    public static func * (a: Matrix, b: Matrix) -> Matrix {
        var c = Matrix(rows: a.rows, cols: b.cols)
        for i in 0..<a.rows {
            for k in 0..<a.cols {
                let aik = a[i, k]
                if aik == 0 { continue }
                for j in 0..<b.cols { c[i, j] += aik * b[k, j] }
            }
        }
        return c
    }

    /// Lower-triangular L with L·Lᵀ = self (Cholesky–Banachiewicz); nil unless positive
    /// definite, or when a pivot falls below `relativeTolerance` times its diagonal
    /// element (numerically rank deficient, e.g. collinear columns of X).
    public func cholesky(relativeTolerance: Double = 0) -> Matrix? {
        var l = Matrix(rows: rows, cols: rows)
        for i in 0..<rows {
            for j in 0...i {
                var s = self[i, j]
                for k in 0..<j { s -= l[i, k] * l[j, k] }
                if i == j {
                    guard s > relativeTolerance * self[i, i], s > 0, s.isFinite else { return nil }
                    l[i, i] = s.squareRoot()
                } else {
                    l[i, j] = s / l[j, j]
                }
            }
        }
        return l
    }

    /// Solves L·X = B for lower-triangular L (self), B with any number of columns.
    public func solveLower(_ b: Matrix) -> Matrix {
        var x = b
        for c in 0..<b.cols {
            for i in 0..<rows {
                var s = x[i, c]
                for k in 0..<i { s -= self[i, k] * x[k, c] }
                x[i, c] = s / self[i, i]
            }
        }
        return x
    }

    /// Solves Lᵀ·X = B for lower-triangular L (self).
    public func solveLowerTransposed(_ b: Matrix) -> Matrix {
        var x = b
        for c in 0..<b.cols {
            for i in stride(from: rows - 1, through: 0, by: -1) {
                var s = x[i, c]
                for k in (i + 1)..<rows { s -= self[k, i] * x[k, c] }
                x[i, c] = s / self[i, i]
            }
        }
        return x
    }

    /// 2·Σ log Lᵢᵢ for a Cholesky factor: log det of L·Lᵀ.
    public var logDeterminantOfProduct: Double {
        var s = 0.0
        for i in 0..<rows { s += log(self[i, i]) }
        return 2 * s
    }

    /// (L·Lᵀ)⁻¹ from its Cholesky factor L (self).
    public func inverseOfProduct() -> Matrix {
        solveLowerTransposed(solveLower(.identity(rows)))
    }
}

extension Matrix {
    init(rows: Int, cols: Int, values: [Double]) {
        self.init(rows: rows, cols: cols)
        self.values = values
    }

    func scaled(_ s: Double) -> Matrix {
        var m = self
        m.values = values.map { $0 * s }
        return m
    }

    /// a'Mb (a'Ma for a quadratic form).
    func quadratic(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices where a[i] != 0 { for j in b.indices where b[j] != 0 { s += a[i] * self[i, j] * b[j] } }
        return s
    }

    /// The square matrix made symmetric, (M + M')/2: a Hessian from differences of a gradient,
    /// whose two triangles differ by the differences' error.
    var symmetrized: Matrix {
        var m = self
        for i in 0..<rows { for j in 0..<i { let v = (self[i, j] + self[j, i]) / 2; (m[i, j], m[j, i]) = (v, v) } }
        return m
    }

    var trace: Double { (0..<Swift.min(rows, cols)).reduce(0) { $0 + self[$1, $1] } }

    /// Σ_ij a_ij b_ij (R's `sum(a * b)`).
    func frobenius(_ b: Matrix) -> Double { zip(values, b.values).reduce(0) { $0 + $1.0 * $1.1 } }
}
