/// Finishes a derivative-free search near its optimum by damped Newton steps on
/// finite-difference derivatives: central-difference gradient and Hessian (about
/// 2n² evaluations per step), the step from H d = −g projected onto the bounds,
/// halved until it improves. Near a smooth minimum this converges quadratically,
/// so a loose simplex phase plus two or three Newton steps costs far fewer
/// evaluations than driving the simplex to full precision. Stops where H is not
/// positive definite (a boundary or a flat direction) and keeps the best point.
struct NewtonPolish {
    var lower: [Double]
    var upper: [Double]
    var maxSteps = 6
    var tolerance = 1e-12

    func polish(_ x0: [Double], value f0: Double, _ f: ([Double]) -> Double) -> (x: [Double], value: Double, evaluations: Int) {
        let r = run(x0, value: f0, f)
        return (r.x, r.value, r.evaluations)
    }

    /// As `polish`, and whether it stopped because a step no longer gained (converged)
    /// rather than at a bound, an indefinite Hessian or the step limit.
    func run(_ x0: [Double], value f0: Double, _ f: ([Double]) -> Double)
        -> (x: [Double], value: Double, evaluations: Int, converged: Bool) {
        var x = x0, fx = f0, evaluations = 0
        let n = x.count
        for _ in 0..<maxSteps {
            let h = x.map { 1e-4 * Swift.max(abs($0), 0.1) }
            // stay inside the bounds for the differences
            for i in 0..<n where x[i] - h[i] < lower[i] || x[i] + h[i] > upper[i] { return (x, fx, evaluations, false) }
            let (g, hess) = FiniteDifferences.gradientAndHessian(f, at: x, value: fx, steps: h)
            evaluations += n * n + n
            guard let l = hess.cholesky() else { return (x, fx, evaluations, false) }
            let d = l.solveLowerTransposed(l.solveLower(Matrix(column: g.map { -$0 }))).column(0)
            var scale = 1.0, improved = false
            for _ in 0..<4 {
                let y = x.indices.map { Swift.min(upper[$0], Swift.max(lower[$0], x[$0] + scale * d[$0])) }
                let fy = f(y)
                evaluations += 1
                if fy < fx {
                    let gain = fx - fy
                    x = y; fx = fy; improved = true
                    if gain <= tolerance * (abs(fx) + tolerance) { return (x, fx, evaluations, true) }
                    break
                }
                scale /= 2
            }
            // no step gains: at the optimum to rounding when the gradient is negligible
            if !improved { return (x, fx, evaluations, g.allSatisfy { abs($0) < 1e-6 }) }
        }
        return (x, fx, evaluations, false)
    }
}

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
