import Glibc

/// An ordinary (or weighted) least-squares fit with classical and
/// heteroscedasticity-consistent standard errors, as R's `lm` and
/// `sandwich::vcovHC` give them.
public struct LeastSquaresFit: Sendable {
    public let beta: [Double]
    /// Classical SEs: σ̂²(X'WX)⁻¹.
    public let se: [Double]
    /// HC0 (White 1980): (X'WX)⁻¹ X'W diag(e²) WX (X'WX)⁻¹ on the weighted residuals.
    public let seHC0: [Double]
    /// HC3 (MacKinnon & White 1985; Long & Ervin 2000): as HC0 with e²/(1 − h)².
    public let seHC3: [Double]
    public let residualDF: Int
    public let sigma: Double
    public let rSquared: Double
    public let adjustedRSquared: Double
    /// The overall F test of the non-intercept terms (df1 = p − 1, df2 = residual df).
    public let f: Double

    /// Two-sided p-values of estimate/SE on the residual df (`lmtest::coeftest`).
    public func pValues(_ se: [Double]) -> [Double] {
        zip(beta, se).map { Distributions.tTwoSided($0 / $1, Double(residualDF)) }
    }
}

/// Least squares by Householder QR (the numerically stable route R's `lm` takes,
/// so products of predictors that are nearly collinear keep their digits).
public enum LeastSquares {
    /// `columns`: the predictors as columns, the first being the intercept (all ones).
    /// `weights`: optional positive case weights (weighted least squares, as `lm(weights =)`).
    public static func fit(columns x: [[Double]], y: [Double], weights: [Double]? = nil) throws -> LeastSquaresFit {
        let n = y.count, p = x.count
        guard p >= 1, x.allSatisfy({ $0.count == n }) else {
            throw LCError(.invalidArgument, "the predictors and the outcome differ in length")
        }
        guard n > p else {
            throw LCError(.invalidArgument, "the regression has \(p) coefficients but only \(n) usable groups")
        }
        let root = weights?.map { $0.squareRoot() } ?? [Double](repeating: 1, count: n)
        guard root.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw LCError(.invalidArgument, "weights must be positive and finite")
        }
        // the weighted problem: √w·X and √w·y
        let a = x.map { col in (0..<n).map { col[$0] * root[$0] } }
        let b = (0..<n).map { y[$0] * root[$0] }
        let (r, qty, _) = try householder(a, b)
        let rInverse = upperInverse(r)
        var beta = [Double](repeating: 0, count: p)
        for i in 0..<p { for j in i..<p { beta[i] += rInverse[i][j] * qty[j] } }
        // residuals and hat values of the weighted problem: h_i = ‖(√w x_i) R⁻¹‖²
        var q1 = [[Double]](repeating: [Double](repeating: 0, count: p), count: n)
        var e = [Double](repeating: 0, count: n), h = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var fitted = 0.0
            for j in 0..<p { fitted += a[j][i] * beta[j] }
            e[i] = b[i] - fitted
            for j in 0..<p {
                var s = 0.0
                for k in 0...j { s += a[k][i] * rInverse[k][j] }
                q1[i][j] = s
            }
            h[i] = q1[i].reduce(0) { $0 + $1 * $1 }
        }
        let rss = e.reduce(0) { $0 + $1 * $1 }
        let df = n - p
        let sigma2 = rss / Double(df)
        // diag((X'WX)⁻¹) = row norms² of R⁻¹
        let se = (0..<p).map { i -> Double in
            var s = 0.0
            for j in i..<p { s += rInverse[i][j] * rInverse[i][j] }
            return (sigma2 * s).squareRoot()
        }
        func sandwich(_ omega: [Double]) -> [Double] {
            // V = R⁻¹ (Q₁' diag(ω) Q₁) R⁻ᵀ; only its diagonal is needed
            var meat = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
            for i in 0..<n { for j in 0..<p { for k in 0..<p { meat[j][k] += q1[i][j] * omega[i] * q1[i][k] } } }
            return (0..<p).map { i in
                var v = 0.0
                for j in i..<p { for k in i..<p { v += rInverse[i][j] * meat[j][k] * rInverse[i][k] } }
                return v.squareRoot()
            }
        }
        let hc0 = sandwich(e.map { $0 * $0 })
        let hc3 = sandwich((0..<n).map { i -> Double in
            let leverage = 1 - h[i]
            return e[i] * e[i] / (leverage * leverage)
        })
        // R² about the (weighted) mean, as summary.lm with an intercept
        let w = weights ?? [Double](repeating: 1, count: n)
        let wSum = w.reduce(0, +)
        var yBar = 0.0, tss = 0.0
        for i in 0..<n { yBar += w[i] * y[i] }
        yBar /= wSum
        for i in 0..<n { tss += w[i] * (y[i] - yBar) * (y[i] - yBar) }
        let r2 = 1 - rss / tss
        let adjusted = 1 - (1 - r2) * Double(n - 1) / Double(df)
        let f = p > 1 ? (r2 / Double(p - 1)) / ((1 - r2) / Double(df)) : .nan
        return LeastSquaresFit(beta: beta, se: se, seHC0: hc0, seHC3: hc3, residualDF: df, sigma: sigma2.squareRoot(),
                               rSquared: r2, adjustedRSquared: adjusted, f: f)
    }

    /// Householder QR of the columns `a` (n×p): R (p×p, upper, as rows), the first p
    /// entries of Q'b, and the residual sum of squares (the squares of the other n − p,
    /// free of the cancellation in ‖b‖² − ‖Q'b‖²).
    /// A column whose remaining norm is negligible makes the predictors collinear: an error.
    static func householder(_ a: [[Double]], _ b: [Double]) throws -> (r: [[Double]], qty: [Double], rss: Double) {
        var a = a, b = b
        let n = b.count, p = a.count
        let scale = a.map { col in col.reduce(0) { max($0, abs($1)) } }
        var r = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for k in 0..<p {
            var norm = 0.0
            for i in k..<n { norm += a[k][i] * a[k][i] }
            norm = norm.squareRoot()
            guard norm > 1e-10 * max(scale[k], 1e-300) * Double(n).squareRoot() else {
                throw LCError(.invalidArgument, "the predictors are collinear (column \(k + 1) is a combination of the others)")
            }
            let alpha = a[k][k] > 0 ? -norm : norm
            var v = [Double](repeating: 0, count: n)
            for i in k..<n { v[i] = a[k][i] }
            v[k] -= alpha
            let vv = (k..<n).reduce(0.0) { $0 + v[$1] * v[$1] }
            func reflect(_ c: inout [Double]) {
                guard vv > 0 else { return }
                let s = 2 * (k..<n).reduce(0.0) { $0 + v[$1] * c[$1] } / vv
                for i in k..<n { c[i] -= s * v[i] }
            }
            for j in k..<p { reflect(&a[j]) }
            reflect(&b)
            for j in k..<p { r[k][j] = a[j][k] }
        }
        return (r, Array(b[0..<p]), b[p...].reduce(0) { $0 + $1 * $1 })
    }

    /// The inverse of an upper-triangular R (rows).
    static func upperInverse(_ r: [[Double]]) -> [[Double]] {
        let p = r.count
        var inv = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for j in 0..<p {
            inv[j][j] = 1 / r[j][j]
            for i in stride(from: j - 1, through: 0, by: -1) {
                var s = 0.0
                for k in (i + 1)...j { s += r[i][k] * inv[k][j] }
                inv[i][j] = -s / r[i][i]
            }
        }
        return inv
    }
}
