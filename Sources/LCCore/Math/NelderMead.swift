/// Derivative-free minimisation inside a box: the Nelder–Mead simplex
/// (Nelder & Mead 1965, with the adaptive coefficients of Gao & Han 2012),
/// points clamped to the bounds, restarted from the best point until a restart
/// no longer improves the minimum (a guard against premature collapse).
/// lme4 uses BOBYQA or its own bounded Nelder–Mead for the same job.
public struct NelderMead: Sendable {
    public var lower: [Double]
    public var upper: [Double]
    /// Stop when the simplex values agree to this relative tolerance...
    public var tolerance = 1e-12
    /// ...and its vertices to this absolute distance.
    public var pointTolerance = 1e-10
    public var maxEvaluations = 20_000
    /// Restarts from the best point after convergence, until one does not improve.
    public var maxRestarts = 20
    /// Initial simplex step, relative to each coordinate (absolute at zero).
    public var initialStep = 0.05

    public init(lower: [Double], upper: [Double]) {
        self.lower = lower
        self.upper = upper
    }

    public struct Result: Sendable {
        public let x: [Double]
        public let value: Double
        public let evaluations: Int
        public let converged: Bool
    }

    public func minimize(from start: [Double], _ f: ([Double]) -> Double) -> Result {
        var best = clamp(start), bestValue = f(best), evaluations = 1
        var converged = false
        for _ in 0...maxRestarts {
            let r = run(from: best, bestValue: bestValue, f, &evaluations)
            let improved = r.value < bestValue - tolerance * (abs(bestValue) + tolerance)
            if r.value < bestValue { best = r.x; bestValue = r.value }
            converged = r.converged
            if !improved || evaluations >= maxEvaluations { break }
        }
        return Result(x: best, value: bestValue, evaluations: evaluations, converged: converged && evaluations < maxEvaluations)
    }

    private func clamp(_ x: [Double]) -> [Double] {
        x.indices.map { Swift.min(upper[$0], Swift.max(lower[$0], x[$0])) }
    }

    private func run(from x0: [Double], bestValue f0: Double, _ f: ([Double]) -> Double,
                     _ evaluations: inout Int) -> (x: [Double], value: Double, converged: Bool) {
        let n = x0.count
        let dn = Double(n)
        let (alpha, beta, gamma, delta) = (1.0, 1 + 2 / dn, 0.75 - 1 / (2 * dn), 1 - 1 / dn)
        var simplex = [x0]
        var values = [f0]
        for i in 0..<n {
            var x = x0
            let step = x[i] == 0 ? initialStep : initialStep * Swift.max(abs(x[i]), 0.1)
            x[i] = x[i] + step <= upper[i] ? x[i] + step : x[i] - step
            x = clamp(x)
            simplex.append(x)
            values.append(f(x))
            evaluations += 1
        }
        while evaluations < maxEvaluations && !Monitor.isCancelled {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            let spread = abs(values[n] - values[0])
            var size = 0.0
            for p in simplex.dropFirst() { for i in 0..<n { size = Swift.max(size, abs(p[i] - simplex[0][i])) } }
            if spread <= tolerance * (abs(values[0]) + tolerance) && size <= pointTolerance { return (simplex[0], values[0], true) }
            var centroid = [Double](repeating: 0, count: n)
            for p in simplex.dropLast() { for i in 0..<n { centroid[i] += p[i] / dn } }
            func point(_ t: Double) -> [Double] { clamp(centroid.indices.map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) }) }
            let xr = point(-alpha), fr = f(xr); evaluations += 1
            if fr < values[0] {
                let xe = point(-alpha * beta), fe = f(xe); evaluations += 1
                if fe < fr { simplex[n] = xe; values[n] = fe } else { simplex[n] = xr; values[n] = fr }
            } else if fr < values[n - 1] {
                simplex[n] = xr; values[n] = fr
            } else {
                let outside = fr < values[n]
                let xc = point(outside ? -alpha * gamma : gamma), fc = f(xc); evaluations += 1
                if fc < (outside ? fr : values[n]) {
                    simplex[n] = xc; values[n] = fc
                } else {
                    for k in 1...n {
                        simplex[k] = clamp(simplex[k].indices.map { simplex[0][$0] + delta * (simplex[k][$0] - simplex[0][$0]) })
                        values[k] = f(simplex[k]); evaluations += 1
                    }
                }
            }
        }
        let k = values.indices.min { values[$0] < values[$1] } ?? 0
        return (simplex[k], values[k], false)
    }
}
