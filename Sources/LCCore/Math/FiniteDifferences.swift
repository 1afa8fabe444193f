/// Central finite differences of a smooth function: gradient and Hessian from
/// n² + n evaluations (steps h per coordinate),
///
///     gᵢ = (f(x + hᵢ) − f(x − hᵢ)) / 2hᵢ,   Hᵢᵢ = (f(x + hᵢ) − 2f + f(x − hᵢ)) / hᵢ²,
///     Hᵢⱼ = (f(x + hᵢ + hⱼ) + f(x − hᵢ − hⱼ) − 2f − hᵢ²Hᵢᵢ − hⱼ²Hⱼⱼ) / 2hᵢhⱼ.
///
/// The points are independent: with `concurrent` (f safe to call from several threads at
/// once) they are evaluated on all cores, with the same values as one after another.
enum FiniteDifferences {
    static func gradientAndHessian(_ f: ([Double]) -> Double, at x: [Double], value fx: Double, steps h: [Double],
                                   concurrent: Bool = false) -> (gradient: [Double], hessian: Matrix) {
        let n = x.count
        // x ± hᵢeᵢ per i, then x ± (hᵢeᵢ + hⱼeⱼ) per j < i
        var points: [[Double]] = []
        for i in 0..<n {
            var a = x, b = x
            a[i] += h[i]; b[i] -= h[i]
            points += [a, b]
        }
        for i in 0..<n {
            for j in 0..<i {
                var a = x, b = x
                a[i] += h[i]; a[j] += h[j]
                b[i] -= h[i]; b[j] -= h[j]
                points += [a, b]
            }
        }
        let v = values(f, at: points, concurrent: concurrent)
        var g = [Double](repeating: 0, count: n)
        var hess = Matrix(rows: n, cols: n)
        for i in 0..<n {
            let (plus, minus) = (v[2 * i], v[2 * i + 1])
            g[i] = (plus - minus) / (2 * h[i])
            hess[i, i] = (plus - 2 * fx + minus) / (h[i] * h[i])
        }
        var next = 2 * n
        for i in 0..<n {
            for j in 0..<i {
                let value = (v[next] + v[next + 1] - 2 * fx - h[i] * h[i] * hess[i, i] - h[j] * h[j] * hess[j, j]) / (2 * h[i] * h[j])
                next += 2
                hess[i, j] = value
                hess[j, i] = value
            }
        }
        return (g, hess)
    }

    /// The steps of the covariance parameters' Hessians, 10⁻³·max(|xᵢ|, 0.1): smaller ones meet a
    /// criterion's rounding (its cross-products are sums over rows: about 1e-12 relative), which a
    /// second difference of values divides by h²; at these, glmmTMB's SEs of the scale are met to 1e-3
    /// by differences of values, and the differences of an exact gradient carry an error of order h².
    static func hessianSteps(_ x: [Double]) -> [Double] { x.map { 1e-3 * max(abs($0), 0.1) } }

    /// The Jacobian of a vector function by central differences, J[j, i] = (gⱼ(x + hᵢeᵢ) − gⱼ(x − hᵢeᵢ))/2hᵢ
    /// (rows: g's entries, columns: x's), its 2n points as `values` evaluates them; nil where g is
    /// nil at a point or its length changes. For the Hessian of a criterion from its exact gradient.
    static func centralJacobian(_ g: ([Double]) -> [Double]?, at x: [Double], steps h: [Double], concurrent: Bool) -> Matrix? {
        let n = x.count
        let points = (0..<(2 * n)).map { k -> [Double] in
            var y = x
            y[k / 2] += k % 2 == 0 ? h[k / 2] : -h[k / 2]
            return y
        }
        let columns = values(g, at: points, concurrent: concurrent)
        guard let m = columns.first??.count, columns.allSatisfy({ $0?.count == m }) else { return nil }
        var j = Matrix(rows: m, cols: n)
        for i in 0..<n {
            guard let up = columns[2 * i], let down = columns[2 * i + 1] else { return nil }
            for r in 0..<m { j[r, i] = (up[r] - down[r]) / (2 * h[i]) }
        }
        return j
    }

    /// f at every point, in order: on all cores when `concurrent` (f must then be safe to call
    /// from several threads at once), else one after another. The same values either way.
    static func values<T>(_ f: ([Double]) -> T, at points: [[Double]], concurrent: Bool) -> [T] {
        guard concurrent, let parts = try? Parallel.mapRanges(count: points.count, minimumPerThread: 1, { range in range.map { f(points[$0]) } })
        else { return points.map(f) }
        return parts.flatMap { $0 }
    }
}
