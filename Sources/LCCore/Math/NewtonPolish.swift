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
    /// Evaluate the differences' points on all cores (f safe to call from several threads).
    var concurrent = false

    func polish(_ x0: [Double], value f0: Double, _ f: ([Double]) -> Double) -> (x: [Double], value: Double, evaluations: Int) {
        let r = run(x0, value: f0, f)
        return (r.x, r.value, r.evaluations)
    }

    /// As `polish`, and whether it stopped because a step no longer gained (converged)
    /// rather than at a bound, an indefinite Hessian or the step limit.
    func run(_ x0: [Double], value f0: Double, _ f: ([Double]) -> Double)
        -> (x: [Double], value: Double, evaluations: Int, converged: Bool) {
        let r = steps(x0, value: f0, f)
        return (r.x, r.value, r.evaluations, r.converged)
    }

    /// As `run`, and whether it ran out of steps while each step still gained (the optimum not
    /// reached: a slow, flat direction).
    func steps(_ x0: [Double], value f0: Double, _ f: ([Double]) -> Double)
        -> (x: [Double], value: Double, evaluations: Int, converged: Bool, stoppedAtStepLimit: Bool) {
        var x = x0, fx = f0, evaluations = 0
        let n = x.count
        for _ in 0..<maxSteps {
            let h = x.map { 1e-4 * Swift.max(abs($0), 0.1) }
            // stay inside the bounds for the differences
            for i in 0..<n where x[i] - h[i] < lower[i] || x[i] + h[i] > upper[i] { return (x, fx, evaluations, false, false) }
            let (g, hess) = FiniteDifferences.gradientAndHessian(f, at: x, value: fx, steps: h, concurrent: concurrent)
            evaluations += n * n + n
            guard let l = hess.cholesky() else { return (x, fx, evaluations, false, false) }
            let d = l.solveLowerTransposed(l.solveLower(Matrix(column: g.map { -$0 }))).column(0)
            var scale = 1.0, improved = false
            for _ in 0..<4 {
                let y = x.indices.map { Swift.min(upper[$0], Swift.max(lower[$0], x[$0] + scale * d[$0])) }
                let fy = f(y)
                evaluations += 1
                if fy < fx {
                    let gain = fx - fy
                    x = y; fx = fy; improved = true
                    if gain <= tolerance * (abs(fx) + tolerance) { return (x, fx, evaluations, true, false) }
                    break
                }
                scale /= 2
            }
            // no step gains: at the optimum to rounding when the gradient is negligible
            if !improved { return (x, fx, evaluations, g.allSatisfy { abs($0) < 1e-6 }, false) }
        }
        return (x, fx, evaluations, false, true)
    }
}
