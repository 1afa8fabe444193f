/// Unconstrained minimisation by BFGS with an exact gradient (Nocedal & Wright, *Numerical
/// Optimization*, 2nd ed., Alg. 6.1): the first step along −g, no longer than `firstStep`; the
/// inverse Hessian then scaled by s'y/y'y (their eq. 6.20) before the first update; a
/// backtracking line search on the Armijo condition, each trial from the minimum of the
/// quadratic through f(0), f'(0) and f(t). A criterion summed over many rows is exact to about
/// 1e-12 to 1e-11 relative, so near the optimum its differences are rounding while the gradient
/// still points the way: a trial whose value is within `noise` (relative) of f(x) is accepted
/// when, and only when, its directional derivative is smaller in magnitude. Stops when the Newton
/// decrement g'H⁻¹g/2 falls below `tolerance` relative to |f| and the step H⁻¹g below
/// `stepTolerance` in every coordinate, or where no step helps, or after `maxEvaluations`.
struct GradientBFGS {
    var tolerance = 1e-13
    var stepTolerance = 1e-7
    var noise = 1e-11
    var maxIterations = 200
    var maxEvaluations = 400
    var firstStep = 1.0
    /// Checked at each new point: true ends the search there, not converged (a caller's bound in sight).
    var stop: (([Double]) -> Bool)? = nil
    /// Start from the inverse of a Hessian by forward differences of the gradient (steps
    /// `hessianStep`, one gradient per coordinate) where it is positive definite, instead of the
    /// identity rescaled after the first step: for criteria whose curvatures differ by orders of
    /// magnitude across coordinates (a scale formula's η beside θ), which BFGS otherwise learns
    /// one direction at a time.
    var startWithHessian = false
    var hessianStep = 1e-4

    struct Result { let x: [Double]; let value: Double; let gradient: [Double]; let evaluations: Int; let converged: Bool }

    /// `f` gives the value and gradient at x; nil where undefined (the line search then steps back).
    func minimize(from start: [Double], _ f: ([Double]) -> (value: Double, gradient: [Double])?) -> Result {
        let n = start.count
        var x = start, evaluations = 1
        guard let first = f(x), first.value.isFinite else { return Result(x: x, value: .nan, gradient: [], evaluations: 1, converged: false) }
        var (fx, g) = first
        var inverse = Matrix.identity(n), scaled = false
        if startWithHessian {
            var h = Matrix(rows: n, cols: n), complete = true
            for i in 0..<n {
                var y = x
                y[i] += hessianStep
                evaluations += 1
                guard let gi = f(y)?.gradient, gi.count == n else { complete = false; break }
                for j in 0..<n { h[j, i] = (gi[j] - g[j]) / hessianStep }
            }
            if complete, let factor = h.symmetrized.cholesky() { inverse = factor.inverseOfProduct(); scaled = true }
        }
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        for _ in 0..<maxIterations {
            var d = [Double](repeating: 0, count: n)
            for i in 0..<n { for j in 0..<n { d[i] -= inverse[i, j] * g[j] } }
            var slope = dot(g, d)
            if slope >= 0 {
                // not a descent direction (rounding in H⁻¹): steepest descent again
                inverse = .identity(n); scaled = false
                d = g.map { -$0 }; slope = dot(g, d)
            }
            let enough = tolerance * max(1, abs(fx))
            if -slope / 2 < enough && d.allSatisfy({ abs($0) < stepTolerance }) { return Result(x: x, value: fx, gradient: g, evaluations: evaluations, converged: true) }
            let length = dot(d, d).squareRoot()
            var t = scaled || length <= firstStep ? 1.0 : firstStep / length
            var accepted: ([Double], Double, [Double])? = nil
            // steps too short to move x (relative 1e-12) only meet the criterion's rounding
            for _ in 0..<40 where evaluations < maxEvaluations && t * length > 1e-12 * (1 + dot(x, x).squareRoot()) {
                let y = zip(x, d).map { $0 + t * $1 }
                let trial = f(y)
                evaluations += 1
                let rounding = noise * abs(fx)
                if let trial, trial.value.isFinite, y != x,
                   abs(trial.value - fx) <= rounding ? abs(dot(trial.gradient, d)) < 0.9 * abs(slope)
                                                     : trial.value <= fx + 1e-4 * t * slope {
                    accepted = (y, trial.value, trial.gradient); break
                }
                // the quadratic's minimum, kept within [t/10, t/2]
                let ft = trial?.value ?? .infinity
                let next = ft.isFinite ? -slope * t * t / (2 * (ft - fx - slope * t)) : t / 10
                t = min(t / 2, max(t / 10, next))
            }
            guard let (y, fy, gy) = accepted else {
                return Result(x: x, value: fx, gradient: g, evaluations: evaluations, converged: -slope / 2 < 1e3 * enough)
            }
            let s = zip(y, x).map { $0 - $1 }, change = zip(gy, g).map { $0 - $1 }
            let sy = dot(s, change)
            if sy > 1e-12 * dot(s, s).squareRoot() * dot(change, change).squareRoot() {
                if !scaled {
                    inverse = Matrix.identity(n).scaled(sy / dot(change, change))
                    scaled = true
                }
                QuasiNewton.update(&inverse, s: s, y: change, sy: sy)
            }
            (x, fx, g) = (y, fy, gy)
            if stop?(x) == true { return Result(x: x, value: fx, gradient: g, evaluations: evaluations, converged: false) }
        }
        return Result(x: x, value: fx, gradient: g, evaluations: evaluations, converged: false)
    }
}
