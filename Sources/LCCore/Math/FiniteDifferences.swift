/// Central finite differences of a smooth function: gradient and Hessian from
/// n² + n evaluations (steps h per coordinate),
///
///     gᵢ = (f(x + hᵢ) − f(x − hᵢ)) / 2hᵢ,   Hᵢᵢ = (f(x + hᵢ) − 2f + f(x − hᵢ)) / hᵢ²,
///     Hᵢⱼ = (f(x + hᵢ + hⱼ) + f(x − hᵢ − hⱼ) − 2f − hᵢ²Hᵢᵢ − hⱼ²Hⱼⱼ) / 2hᵢhⱼ.
enum FiniteDifferences {
    static func gradientAndHessian(_ f: ([Double]) -> Double, at x: [Double], value fx: Double, steps h: [Double])
        -> (gradient: [Double], hessian: Matrix) {
        let n = x.count
        var g = [Double](repeating: 0, count: n)
        var hess = Matrix(rows: n, cols: n)
        for i in 0..<n {
            var a = x, b = x
            a[i] += h[i]; b[i] -= h[i]
            let (plus, minus) = (f(a), f(b))
            g[i] = (plus - minus) / (2 * h[i])
            hess[i, i] = (plus - 2 * fx + minus) / (h[i] * h[i])
        }
        for i in 0..<n {
            for j in 0..<i {
                var a = x, b = x
                a[i] += h[i]; a[j] += h[j]
                b[i] -= h[i]; b[j] -= h[j]
                let v = (f(a) + f(b) - 2 * fx - h[i] * h[i] * hess[i, i] - h[j] * h[j] * hess[j, j]) / (2 * h[i] * h[j])
                hess[i, j] = v
                hess[j, i] = v
            }
        }
        return (g, hess)
    }
}
