/// Unconstrained minimisation by BFGS (Nocedal & Wright, *Numerical Optimization*, 2nd ed.,
/// Alg. 6.1) on central-difference gradients, with a backtracking (Armijo) line search. The
/// inverse Hessian starts from the diagonal curvature that the central differences give for
/// free, so that parameters of very different scales (fixed effects beside log-SDs) start well
/// conditioned. Far from the optimum (a Newton decrement above `centralBelow`) the gradient is
/// taken by forward differences, at half the cost; near it by central ones. Stops when the
/// decrement g'H⁻¹g/2 falls below `tolerance` (in the criterion's units), or when no step
/// along the search direction lowers the criterion.
struct QuasiNewton {
    var tolerance = 1e-7
    var maxIterations = 300
    /// Relative step of the differences: hᵢ = step · max(|xᵢ|, 0.1).
    var step = 1e-5
    var centralBelow = 1.0
    /// The values at a gradient's points, all at once (for example on all cores, each from the same
    /// warm start); nil: f at each point in turn.
    var gradientPoints: (([[Double]]) -> [Double])? = nil

    struct Result { let x: [Double]; let value: Double; let evaluations: Int; let converged: Bool }

    func minimize(from start: [Double], _ f: ([Double]) throws -> Double) rethrows -> Result {
        let n = start.count
        var x = start, fx = try f(x), evaluations = 1
        /// The gradient, and with central differences the diagonal curvature (else nil).
        func gradient(_ x: [Double], _ fx: Double, central: Bool) throws -> (g: [Double], curvature: [Double]?) {
            let h = x.map { step * max(abs($0), 0.1) }
            // x + hᵢeᵢ per i, and with central differences x − hᵢeᵢ after each
            var points: [[Double]] = []
            for i in 0..<n {
                var a = x
                a[i] += h[i]
                points.append(a)
                if central { a[i] = x[i] - h[i]; points.append(a) }
            }
            let values = try gradientPoints?(points) ?? points.map(f)
            var g = [Double](repeating: 0, count: n), c = [Double](repeating: 0, count: n)
            for i in 0..<n {
                if central {
                    let (plus, minus) = (values[2 * i], values[2 * i + 1])
                    g[i] = (plus - minus) / (2 * h[i])
                    c[i] = (plus - 2 * fx + minus) / (h[i] * h[i])
                } else {
                    g[i] = (values[i] - fx) / h[i]
                }
            }
            evaluations += points.count
            return (g, central ? c : nil)
        }
        guard fx.isFinite else { return Result(x: x, value: fx, evaluations: evaluations, converged: false) }
        var (g, first) = try gradient(x, fx, central: true)
        var curvature = first ?? []
        var inverse = Matrix(rows: n, cols: n)
        for i in 0..<n { inverse[i, i] = curvature[i] > 0 && curvature[i].isFinite ? 1 / curvature[i] : 1 }
        for _ in 0..<maxIterations {
            // d = −H⁻¹g, and the decrement
            var d = [Double](repeating: 0, count: n)
            for i in 0..<n { for j in 0..<n { d[i] -= inverse[i, j] * g[j] } }
            var slope = zip(g, d).reduce(0) { $0 + $1.0 * $1.1 }
            if slope >= 0 {
                // not a descent direction: restart from the diagonal
                for i in 0..<n { for j in 0..<n { inverse[i, j] = i == j ? (curvature[i] > 0 ? 1 / curvature[i] : 1) : 0 } }
                for i in 0..<n { d[i] = -inverse[i, i] * g[i] }
                slope = zip(g, d).reduce(0) { $0 + $1.0 * $1.1 }
            }
            if -slope / 2 < tolerance { return Result(x: x, value: fx, evaluations: evaluations, converged: true) }
            var t = 1.0, accepted: ([Double], Double)? = nil
            for _ in 0..<40 {
                let y = zip(x, d).map { $0 + t * $1 }
                let fy = try f(y)
                evaluations += 1
                if fy.isFinite && fy <= fx + 1e-4 * t * slope { accepted = (y, fy); break }
                t /= 2
            }
            guard let (y, fy) = accepted else {
                return Result(x: x, value: fx, evaluations: evaluations, converged: -slope / 2 < 1e3 * tolerance)
            }
            let (gy, cy) = try gradient(y, fy, central: -slope / 2 < centralBelow)
            let s = zip(y, x).map { $0 - $1 }, change = zip(gy, g).map { $0 - $1 }
            let sy = zip(s, change).reduce(0) { $0 + $1.0 * $1.1 }
            if sy > 1e-12 * (zip(s, s).reduce(0) { $0 + $1.0 * $1.1 }).squareRoot() {
                Self.update(&inverse, s: s, y: change, sy: sy)
            }
            (x, fx, g) = (y, fy, gy)
            if let cy { curvature = cy }
            if fx - fy == 0 && t < 1e-8 { break }
        }
        return Result(x: x, value: fx, evaluations: evaluations, converged: false)
    }

    /// The BFGS update of the inverse Hessian: H⁻¹ ← (I − ρsy')H⁻¹(I − ρys') + ρss', ρ = 1/s'y.
    static func update(_ inverse: inout Matrix, s: [Double], y: [Double], sy: Double) {
        let n = s.count, rho = 1 / sy
        var hy = [Double](repeating: 0, count: n)
        for i in 0..<n { for j in 0..<n { hy[i] += inverse[i, j] * y[j] } }
        let yhy = zip(y, hy).reduce(0) { $0 + $1.0 * $1.1 }
        for i in 0..<n {
            for j in 0..<n {
                inverse[i, j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j]
            }
        }
    }
}
