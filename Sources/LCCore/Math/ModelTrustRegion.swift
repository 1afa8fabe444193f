/// Derivative-free minimisation by a trust region around quadratic interpolation models, as
/// Powell's UOBYQA and BOBYQA (Powell 2002, *Math. Program.* 92; 2009, Cambridge NA report
/// 2009/06) and lme4's and MixedModels.jl's default optimiser: each step minimises the model
/// within a radius Δ of the best point, one new point replaces an old one, and the resolution ρ
/// (the least radius) falls by stages to `finalRadius`.
///
/// The model interpolates the values at the (n+1)(n+2)/2 points a quadratic has (so it suits
/// a few parameters: its cost per step grows as n⁶; the least-Frobenius-norm models of fewer
/// points, Powell 2004, *Math. Program.* 100, need his least-change updates to work well, which
/// this does not have). In coordinates s = (x − x_best)/Δ it solves
///
///     [A  L] [λ]   [f]      A_kl = ¼(s_k·s_l)²,  L_k = (1, s_k'),
///     [L' 0] [c] = [0],     m(s) = c₀ + c'(s) + ½ s'(½ Σ λ_k s_k s_k')s,
///
/// and the same system with unit right-hand sides gives the Lagrange functions ℓ_j, which keep
/// the points well placed (Conn, Scheinberg & Vicente 2009, *Introduction to Derivative-Free
/// Optimization*, ch. 6 and 11): a new point replaces the one with the largest |ℓ_j(x_new)|,
/// weighted by its distance; a point far from the best is moved to where its ℓ_j is largest.
/// The subproblem min m(s), ‖s‖ ≤ 1, is solved exactly over H's eigenvectors (Moré &
/// Sorensen 1983). Unbounded: bounds are the caller's transformation (a mixed model's variances
/// on the log scale).
struct ModelTrustRegion {
    var initialRadius = 0.2
    var finalRadius = 1e-6
    var maxEvaluations = 5_000
    /// Stop early where the model's decrease falls below this, relative to |f|.
    var valueTolerance = 1e-13

    struct Result { let x: [Double]; let value: Double; let evaluations: Int; let converged: Bool }

    func minimize(from start: [Double], _ f: ([Double]) -> Double) -> Result {
        var rho = initialRadius, delta = initialRadius
        var points = Self.initialDesign(start, radius: rho)
        var fs = points.map(f)
        var evaluations = points.count
        var converged = false
        func best() -> Int { fs.indices.min { fs[$0] < fs[$1] } ?? 0 }
        /// Replaces point j by x (value fx).
        func replace(_ j: Int, _ x: [Double], _ fx: Double) { points[j] = x; fs[j] = fx }
        /// The farthest point from the best, if farther than `limit`.
        func farthest(from b: Int, beyond limit: Double) -> Int? {
            let j = points.indices.max { points[$0].squaredDistance(to: points[b]) < points[$1].squaredDistance(to: points[b]) } ?? b
            return j != b && points[j].squaredDistance(to: points[b]) > limit * limit ? j : nil
        }
        while evaluations < maxEvaluations && !Monitor.isCancelled {
            let b = best()
            guard let model = Model(points: points, values: fs, center: points[b], scale: delta) else { break }
            let s = Self.trustRegionStep(gradient: model.g, hessian: model.h)
            let length = s.norm * delta
            let predicted = -model.change(s)
            let short = length < rho / 2
            if !(predicted > valueTolerance * (abs(fs[b]) + 1)) && farthest(from: b, beyond: 2 * delta) == nil {
                // a model of close points promises less than the criterion's rounding
                converged = true
                break
            }
            // the model's step (a short one too: near the optimum it is a Newton step); with a short
            // step, the farthest point also moves to where its Lagrange function is largest
            let x = zip(points[b], s).map { $0 + delta * $1 }
            let far = short ? farthest(from: b, beyond: 2 * rho) : nil
            let moved = far.map { model.geometryPoint(replacing: $0, radius: rho) }
            let fx = f(x), fb = fs[b]
            evaluations += 1
            if let far, let moved { replace(far, moved, f(moved)); evaluations += 1 }
            let ratio = predicted > 0 ? (fb - fx) / predicted : -1
            if ratio <= 0.1 { delta = length / 2 } else if ratio <= 0.7 { delta = Swift.max(delta / 2, length) } else { delta = Swift.max(delta / 2, 2 * length) }
            if delta <= 1.5 * rho { delta = rho }
            if fx.isFinite {
                let j = model.dropped(for: s, better: fx < fb, best: b, keep: far)
                replace(j, x, fx)
            }
            if short || ratio <= 0.1, farthest(from: best(), beyond: 2 * rho) == nil, length <= 2 * rho {
                // a short or failed step although the points are close: the model is as good as ρ allows
                if rho <= finalRadius { converged = true; break }
                rho = Self.nextResolution(rho, final: finalRadius)
                delta = Swift.max(delta / 2, rho)
            }
        }
        let b = best()
        return Result(x: points[b], value: fs[b], evaluations: evaluations, converged: converged)
    }

    /// Powell's schedule of ρ: a tenth at a time, more gently near the end.
    static func nextResolution(_ rho: Double, final: Double) -> Double {
        let ratio = rho / final
        if ratio <= 16 { return final }
        if ratio <= 250 { return (rho * final).squareRoot() }
        return rho / 10
    }

    /// x₀; x₀ ± ρeᵢ; x₀ + ρ(eᵢ + eⱼ), i < j: the (n+1)(n+2)/2 points of a full quadratic.
    static func initialDesign(_ x0: [Double], radius rho: Double) -> [[Double]] {
        var points = [x0]
        for i in x0.indices {
            var a = x0, b = x0
            a[i] += rho; b[i] -= rho
            points += [a, b]
        }
        for i in x0.indices {
            for j in 0..<i {
                var a = x0
                a[i] += rho; a[j] += rho
                points.append(a)
            }
        }
        return points
    }

    /// argmin g's + ½s'Hs over ‖s‖ ≤ 1, exactly: over H's eigenvectors, s(μ) = −(H + μI)⁻¹g with
    /// μ ≥ max(0, −λ_min) and ‖s(μ)‖ = 1 unless the Newton step lies inside (the hard case,
    /// g orthogonal to the least eigenvector, completes s along it).
    static func trustRegionStep(gradient g: [Double], hessian h: Matrix) -> [Double] {
        let n = g.count
        let eigen = SymmetricEigen(h)
        let lambda = eigen.values, v = eigen.vectors
        let gt = (0..<n).map { k in (0..<n).reduce(0) { $0 + v[$1, k] * g[$1] } }
        func step(_ mu: Double) -> [Double] { (0..<n).map { k in lambda[k] + mu > 0 ? -gt[k] / (lambda[k] + mu) : 0 } }
        let least = lambda.min() ?? 0
        var t: [Double]
        if least > 0, step(0).norm <= 1 {
            t = step(0)
        } else {
            // ‖s(μ)‖ falls with μ: bisect on μ above max(0, −λ_min) for ‖s‖ = 1
            var lo = Swift.max(0, -least), hi = lo + g.norm + 1
            while step(hi).norm > 1 { hi *= 2 }
            if step(lo + 1e-14 * (1 + abs(lo))).norm < 1 {
                // the hard case: the step at μ = −λ_min is short; add the least eigenvector's direction
                t = step(lo + 1e-14 * (1 + abs(lo)))
                if let k = lambda.indices.min(by: { lambda[$0] < lambda[$1] }) {
                    t[k] = 0
                    t[k] = (Swift.max(0, 1 - t.reduce(0) { $0 + $1 * $1 })).squareRoot()
                }
            } else {
                for _ in 0..<200 {
                    let mid = (lo + hi) / 2
                    if step(mid).norm > 1 { lo = mid } else { hi = mid }
                    if hi - lo <= 1e-12 * (1 + hi) { break }
                }
                t = step(hi)
            }
        }
        return (0..<n).map { i in (0..<n).reduce(0) { $0 + v[i, $1] * t[$1] } }
    }

    /// The interpolation model around the best point and the Lagrange functions of the points.
    private struct Model {
        let center: [Double]
        let scale: Double
        /// The points in scaled coordinates s = (x − center)/scale.
        let s: [[Double]]
        let g: [Double]
        let h: Matrix
        /// The inverse's rows for the unit right-hand sides: Λ (p × p) and C ((n + 1) × p).
        let lambda: Matrix
        let c: Matrix

        init?(points: [[Double]], values: [Double], center: [Double], scale: Double) {
            let p = points.count, n = center.count
            self.center = center
            self.scale = scale
            s = points.map { x in zip(x, center).map { ($0 - $1) / scale } }
            var w = Matrix(rows: p + n + 1, cols: p + n + 1)
            for k in 0..<p {
                for l in 0..<p { w[k, l] = Self.kernel(s[k], s[l]) }
                w[k, p] = 1; w[p, k] = 1
                for i in 0..<n { w[k, p + 1 + i] = s[k][i]; w[p + 1 + i, k] = s[k][i] }
            }
            var rhs = Matrix(rows: p + n + 1, cols: p)
            for k in 0..<p { rhs[k, k] = 1 }
            guard let inverse = w.solve(rhs) else { return nil }
            var lambda = Matrix(rows: p, cols: p), c = Matrix(rows: n + 1, cols: p)
            for j in 0..<p {
                for k in 0..<p { lambda[k, j] = inverse[k, j] }
                for i in 0...n { c[i, j] = inverse[p + i, j] }
            }
            self.lambda = lambda
            self.c = c
            // the model's coefficients: Σ_j f_j ℓ_j, with f relative to the least value
            let f0 = values.min() ?? 0
            let f = values.map { $0 - f0 }
            var weights = [Double](repeating: 0, count: p), g = [Double](repeating: 0, count: n)
            for j in 0..<p where f[j] != 0 {
                for k in 0..<p { weights[k] += lambda[k, j] * f[j] }
                for i in 0..<n { g[i] += c[i + 1, j] * f[j] }
            }
            self.g = g
            h = Self.hessian(weights, s)
            guard g.allSatisfy(\.isFinite), h.values.allSatisfy(\.isFinite) else { return nil }
        }

        /// ¼(a·b)²: the quadratic terms' inner product behind the least-Frobenius-norm Hessian.
        static func kernel(_ a: [Double], _ b: [Double]) -> Double {
            let d = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            return d * d / 4
        }

        /// ½ Σ_k w_k s_k s_k'.
        static func hessian(_ w: [Double], _ s: [[Double]]) -> Matrix {
            let n = s.first?.count ?? 0
            var h = Matrix(rows: n, cols: n)
            for (k, sk) in s.enumerated() where w[k] != 0 {
                for i in 0..<n { for j in 0..<n { h[i, j] += w[k] * sk[i] * sk[j] / 2 } }
            }
            return h
        }

        /// m(s) − m(0).
        func change(_ t: [Double]) -> Double {
            var q = 0.0
            for i in t.indices { for j in t.indices { q += t[i] * h[i, j] * t[j] } }
            return zip(g, t).reduce(0) { $0 + $1.0 * $1.1 } + q / 2
        }

        /// ℓ_j(t) for every point j.
        func lagrangeValues(_ t: [Double]) -> [Double] {
            let p = s.count
            let a = s.map { Self.kernel($0, t) }
            return (0..<p).map { j in
                var v = c[0, j]
                for i in t.indices { v += c[i + 1, j] * t[i] }
                for k in 0..<p { v += lambda[k, j] * a[k] }
                return v
            }
        }

        /// The point that leaves for a new one at scaled t: the largest |ℓ_j(t)|, weighted by
        /// (distance / Δ)⁴ beyond Δ, never the best point unless the new one is better, nor `keep`.
        func dropped(for t: [Double], better: Bool, best: Int, keep: Int?) -> Int {
            let l = lagrangeValues(t)
            let origin = better ? t : s[best]
            var chosen = -1, largest = -1.0
            for j in s.indices where (better || j != best) && j != keep {
                let d2 = s[j].squaredDistance(to: origin)
                let score = abs(l[j]) * Swift.max(1, d2 * d2)
                if score > largest { largest = score; chosen = j }
            }
            return chosen >= 0 ? chosen : (best == 0 ? 1 : 0)
        }

        /// Where point j should move to keep the set well poised: the larger of max and −min of
        /// ℓ_j within radius Δ of the centre.
        func geometryPoint(replacing j: Int, radius: Double) -> [Double] {
            let n = center.count
            let g = (0..<n).map { c[$0 + 1, j] }
            let w = (0..<s.count).map { lambda[$0, j] }
            let h = Self.hessian(w, s)
            let shrink = radius / scale
            // over ‖t‖ ≤ r = Δ/scale: t = r·u, ‖u‖ ≤ 1, gradient r·g and Hessian r²·H in u
            let up = ModelTrustRegion.trustRegionStep(gradient: g.map { -$0 * shrink }, hessian: h.scaled(-shrink * shrink))
            let down = ModelTrustRegion.trustRegionStep(gradient: g.map { $0 * shrink }, hessian: h.scaled(shrink * shrink))
            func value(_ t: [Double]) -> Double { abs(lagrangeValues(t.map { $0 * shrink })[j]) }
            let t = value(up) >= value(down) ? up : down
            return zip(center, t).map { $0 + radius * $1 }
        }
    }
}

private extension Array where Element == Double {
    var norm: Double { reduce(0) { $0 + $1 * $1 }.squareRoot() }
    func squaredDistance(to other: [Double]) -> Double { zip(self, other).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
}
