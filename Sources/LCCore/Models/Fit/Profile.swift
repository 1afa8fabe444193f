import Glibc

/// Profile-likelihood intervals of a linear mixed model's parameters, as lme4's
/// `confint(fit, method = "profile")` (Bates et al. 2015, §5.1; `profile.merMod`):
///
///     ζ(x) = sign(x − x̂) √(d(x) − d(x̂)),   interval: ζ(x) = ±z_{(1+level)/2},
///
/// where d(x) is the ML deviance minimised over every other parameter with the one
/// profiled held at x. As in lme4, a REML fit is refitted by ML first. The variance
/// parameters are the SDs and correlations of each term and σ, and for them
///
///     d(s, ρ, σ) = log|L_θ|² + r²(θ)/σ² + n log(2πσ²),   Λ_θΛ_θ' = DRD/σ²
///
/// (β profiled out); for a fixed effect β_j held at b, with β's other entries profiled,
/// r²(θ; b) = r²(θ) + (b − β̂_j(θ))² / [(R_X'R_X)⁻¹]_jj, then σ and θ are profiled. lme4 finds
/// the crossing by interpolating a spline through a grid of ζ; here it is solved directly
/// (bracketed secant steps). A limit beyond a bound (an SD at 0, a correlation at ±1) is the bound.
struct Profile {
    let fit: LMMFit         // the ML fit
    let engine: ExpandedTheta
    let base: Double
    let n: Double
    /// The variance parameters (as `varianceParameters`) and their ML estimates.
    let parameters: [FitParameter]

    init(_ fit: LMMFit) throws {
        guard fit.residual.isEmpty else {
            throw LCError(.invalidArgument, "profile intervals are not available for models with a residual variance function, scale formula or correlation structure; use method = bootstrap")
        }
        let ml = fit.reml ? try LinearMixedModel.fit(fit.frame, reml: false, residual: .none, degreesOfFreedom: false) : fit
        guard let engine = ml.deviance?.engine, let at = engine.evaluate(ml.theta, reml: false) else {
            throw LCError(.internalError, "profile: the ML criterion is not available")
        }
        self.fit = ml
        self.engine = engine
        base = at.criterion
        n = Double(ml.frame.n)
        parameters = ml.varianceParameters
    }

    /// −2 log-likelihood at the variance parameters v (σ last), β profiled; +∞ outside the model.
    func deviance(_ v: [Double]) -> Double {
        guard let sigma = v.last, sigma > 0, let theta = theta(v),
              let e = engine.evaluate(theta, reml: false) else { return .infinity }
        let logDetL = e.criterion - n * (1 + log(2 * Double.pi * e.r2 / n))
        return logDetL + e.r2 / (sigma * sigma) + n * log(2 * Double.pi * sigma * sigma)
    }

    /// The free θ of variance parameters (σ last).
    func theta(_ v: [Double]) -> [Double]? {
        guard let sigma = v.last else { return nil }
        return Profile.theta(of: fit, parameters: parameters, values: v, sigma: sigma)
    }

    /// The free θ of `fit` where its variance parameters `parameters` take the values v: per
    /// component Λ = chol(DRD/σ²) (positive semidefinite allowed); nil where DRD is not.
    static func theta(of fit: LMMFit, parameters: [FitParameter], values v: [Double], sigma: Double) -> [Double]? {
        var theta = [Double](repeating: 0, count: fit.theta.count)
        for (c, comp) in fit.components.enumerated() {
            let q = comp.names.count
            var m = Matrix(rows: q, cols: q)
            for (k, p) in parameters.enumerated() where p.component == c {
                if p.kind == .sd { m[p.a, p.a] = v[k] * v[k] }
            }
            for (k, p) in parameters.enumerated() where p.component == c && p.kind == .corr {
                let cov = v[k] * (m[p.a, p.a] * m[p.b, p.b]).squareRoot()
                m[p.a, p.b] = cov; m[p.b, p.a] = cov
            }
            guard let l = Profile.semidefiniteCholesky(m.scaled(1 / (sigma * sigma))) else { return nil }
            var k = fit.thetaSlices[c].lowerBound
            for j in 0..<q { for i in j..<q { theta[k] = l[i, j]; k += 1 } }
        }
        return theta
    }

    /// L with LL' = m for a positive semidefinite m (a zero pivot gives a zero column); nil if indefinite.
    static func semidefiniteCholesky(_ m: Matrix) -> Matrix? {
        let q = m.rows
        var l = Matrix(rows: q, cols: q)
        let scale = (0..<q).reduce(0) { max($0, m[$1, $1]) }
        for j in 0..<q {
            var d = m[j, j]
            for k in 0..<j { d -= l[j, k] * l[j, k] }
            if d < -1e-10 * max(scale, 1e-300) { return nil }
            guard d > 1e-14 * max(scale, 1e-300) else { continue }
            l[j, j] = d.squareRoot()
            for i in (j + 1)..<max(j + 1, q) {
                var s = m[i, j]
                for k in 0..<j { s -= l[i, k] * l[j, k] }
                l[i, j] = s / l[j, j]
            }
        }
        return l
    }

    /// Bounds of a variance parameter.
    func bounds(_ p: FitParameter) -> (Double, Double) {
        switch p.kind {
        case .corr: return (-1, 1)
        case .sigma: return (1e-12 * max(fit.sigma, 1e-300), .infinity)
        default: return (0, .infinity)
        }
    }

    /// The (low, high) limits of variance parameter `k`.
    func varianceInterval(_ k: Int, z: Double) -> (Double, Double) {
        let v0 = parameters.map(\.value)
        let step = parameters[k].kind == .corr ? 0.2 : 0.25 * max(abs(v0[k]), 0.05 * fit.sigma)
        return Profile.interval(k, of: v0, bounds: parameters.map(bounds), base: base, step: step, z: z, deviance)
    }

    /// The (low, high) limits of coordinate k of `estimates` for a deviance over all of them:
    /// ζ(x) with coordinate k held at x and every other one optimised within its bounds, each
    /// optimisation warm-started from the last point's optimum (on each side from the estimates).
    static func interval(_ k: Int, of estimates: [Double], bounds: [(Double, Double)], base: Double, step: Double, z: Double,
                         _ deviance: ([Double]) -> Double) -> (Double, Double) {
        let others = estimates.indices.filter { $0 != k }
        let lower = others.map { bounds[$0].0 }, upper = others.map { bounds[$0].1 }
        var start = others.map { estimates[$0] }
        func zeta(_ x: Double) -> Double {
            func criterion(_ rest: [Double]) -> Double {
                var w = estimates
                for (i, o) in others.enumerated() { w[o] = rest[i] }
                w[k] = x
                return deviance(w)
            }
            let r = others.isEmpty ? (x: [], evaluations: 1, converged: true)
                : LinearMixedModel.optimize(criterion, from: start, lower: lower, upper: upper, initialStep: 0.1, warm: true)
            let value = criterion(r.x)
            if value.isFinite { start = r.x }
            return (x >= estimates[k] ? 1 : -1) * max(0, value - base).squareRoot()
        }
        let (lo, hi) = bounds[k]
        start = others.map { estimates[$0] }
        let low = limit(from: estimates[k], direction: -1, step: step, bound: lo, target: z, zeta)
        start = others.map { estimates[$0] }
        let high = limit(from: estimates[k], direction: 1, step: step, bound: hi, target: z, zeta)
        return (low, high)
    }

    /// The (low, high) limits of fixed effect j.
    func fixedInterval(_ j: Int, z: Double) -> (Double, Double) {
        var start = fit.theta
        let lower = fit.thetaLower
        func zeta(_ b: Double) -> Double {
            let criterion = { (theta: [Double]) -> Double in
                guard let e = engine.evaluate(theta, reml: false) else { return .infinity }
                let logDetL = e.criterion - n * (1 + log(2 * Double.pi * e.r2 / n))
                let shift = b - e.beta[j]
                let r2 = e.r2 + shift * shift / e.xtxInverse[j, j]
                return logDetL + n * (1 + log(2 * Double.pi * r2 / n))
            }
            let r = LinearMixedModel.optimize(criterion, from: start, lower: lower, initialStep: 0.1, warm: true)
            if criterion(r.x).isFinite { start = r.x }
            return (b >= fit.beta[j] ? 1 : -1) * max(0, criterion(r.x) - base).squareRoot()
        }
        let se = fit.standardErrors[j]
        let step = se.isFinite && se > 0 ? se : max(abs(fit.beta[j]), 1) * 0.1
        start = fit.theta
        let low = Profile.limit(from: fit.beta[j], direction: -1, step: step, bound: -.infinity, target: z, zeta)
        start = fit.theta
        let high = Profile.limit(from: fit.beta[j], direction: 1, step: step, bound: .infinity, target: z, zeta)
        return (low, high)
    }

    /// Where |ζ| reaches `target` going from `x0` in `direction`: steps that double until it is
    /// passed (or the bound is reached: then the bound), then bracketed secant (Illinois) steps.
    static func limit(from x0: Double, direction: Double, step: Double, bound: Double, target: Double,
                      _ zeta: (Double) -> Double) -> Double {
        if x0 == bound { return bound }
        var inside = (x: x0, g: -target)        // g = |ζ| − target
        var h = step
        var outside: (x: Double, g: Double)?
        for _ in 0..<60 {
            var x = x0 + direction * h
            if direction < 0 ? x <= bound : x >= bound { x = bound }
            let g = abs(zeta(x)) - target
            if g >= 0 { outside = (x, g); break }
            inside = (x, g)
            if x == bound { return bound }
            // ζ is nearly linear in x: aim a little past the crossing the last point predicts
            let slope = (g + target) / h
            h = slope > 0 ? min(4 * h, max(1.1 * target / slope, 1.2 * h)) : 2 * h
        }
        guard var out = outside else { return .nan }
        var side = 0
        for _ in 0..<60 {
            let x = (inside.x * out.g - out.x * inside.g) / (out.g - inside.g)
            let g = abs(zeta(x)) - target
            if abs(g) < 1e-7 || abs(out.x - inside.x) < 1e-9 * max(1, abs(x)) { return x }
            if g < 0 {
                inside = (x, g)
                if side == -1 { out.g /= 2 }
                side = -1
            } else {
                out = (x, g)
                if side == 1 { inside.g /= 2 }
                side = 1
            }
        }
        return (inside.x + out.x) / 2
    }
}
