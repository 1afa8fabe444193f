import Glibc

/// Satterthwaite degrees of freedom for each fixed effect, as lmerTest computes
/// them (Kuznetsova, Brockhoff & Christensen 2017, JSS 82(13)):
///
///     df(l) = 2 (l'Vβl)² / (g' A g),   gᵢ = l' ∂Vβ/∂φᵢ l,   A = 2 H⁻¹
///
/// with the variance parameters φ = (θ, σ), H the Hessian (inverted over its eigenvalues
/// above 1e-8, as lmerTest does, so that singular fits have df too) of the (RE)ML deviance
/// −2ℓ(φ) (not profiled: d = log|L|² + r²/σ² + n log 2πσ² [+ log|R_X|² − p log 2πσ² for REML])
/// and ∂Vβ/∂φᵢ the derivatives of Var(β̂) = σ²(R_X'R_X)⁻¹ in φ (lmerTest's `Jac_list`). The σ
/// derivatives are exact (σ enters in closed form); the θ derivatives are
/// central differences refined by Richardson extrapolation: the Hessian with numDeriv's
/// steps, so the numbers follow lmerTest's to its numerical accuracy, and the Jacobian from
/// the same points (numDeriv's `jacobian` takes smaller steps of its own; both are accurate far
/// beyond the digits a df carries, and one set of points halves the evaluations).
struct Satterthwaite: Sendable {
    /// Var(β̂) at the estimate.
    let vcov: Matrix
    /// A = 2H⁻¹ over φ = (θ, σ).
    let a: Matrix
    /// ∂Var(β̂)/∂φᵢ, one matrix per variance parameter.
    let jacobians: [Matrix]

    /// The df of the contrast l'β: 2 (l'Vl)² / (g'Ag), gᵢ = l'(∂V/∂φᵢ)l (lmerTest's `contest1D`).
    func df(_ l: [Double]) -> Double {
        let v = vcov.quadratic(l, l)
        return 2 * v * v / denominator(l)
    }

    /// g'Ag with gᵢ = l'(∂V/∂φᵢ)l: the variance of l'Vl's estimate, up to the factor 2 of `df`.
    func denominator(_ l: [Double]) -> Double {
        let g = jacobians.map { $0.quadratic(l, l) }
        return a.quadratic(g, g)
    }

    /// Per fixed effect (lᵢ = eᵢ).
    var coefficientDF: [Double] {
        (0..<vcov.rows).map { c in df((0..<vcov.rows).map { $0 == c ? 1 : 0 }) }
    }


    init?(_ engine: ProfiledDeviance, theta: [Double], sigma: Double, n: Int, reml: Bool) {
        // d(θ, σ) = D(θ) + r²(θ)/σ² + m log(2πσ²), m = n − p (REML) or n, with D = log|L|² (+ log|R_X|²).
        // σ enters in closed form, so only θ is differentiated numerically:
        //   ∂²d/∂σ² = 6r²/σ⁴ − 2m/σ²,  ∂²d/∂θᵢ∂σ = −2 (∂r²/∂θᵢ)/σ³,  ∂Var(β̂)/∂σ = 2σ (R_X'R_X)⁻¹.
        guard let center = engine.evaluate(theta, reml: reml) else { return nil }
        let p = center.beta.count
        let m = Double(reml ? n - p : n)
        let s2 = sigma * sigma
        /// The deviance at σ, r² and the upper triangle of (R_X'R_X)⁻¹ at θ.
        let pairs = (0..<p).flatMap { i in (i..<p).map { (i, $0) } }
        func values(_ t: [Double]) -> [Double] {
            guard let e = engine.evaluate(t, reml: reml) else { return [Double](repeating: .nan, count: pairs.count + 2) }
            let logDets = e.criterion - m * (1 + log(2 * Double.pi * e.r2 / m))
            return [logDets + e.r2 / s2, e.r2] + pairs.map { e.xtxInverse[$0.0, $0.1] }
        }
        let k = theta.count
        let (hTheta, jac) = Satterthwaite.fromGradients(engine, at: theta, s2: s2, reml: reml, pairs: pairs)
            ?? FiniteDifferences.extrapolatedDerivatives(values, at: theta, concurrent: engine.evaluatesConcurrently)
        var h = Matrix(rows: k + 1, cols: k + 1)
        for i in 0..<k { for j in 0..<k { h[i, j] = hTheta[i, j] } }
        for i in 0..<k {
            h[i, k] = -2 * jac[0][i] / (s2 * sigma)
            h[k, i] = h[i, k]
        }
        h[k, k] = 6 * center.r2 / (s2 * s2) - 2 * m / s2
        // lmerTest inverts the Hessian over its eigenvalues above 1e-8, so a fit on the boundary
        // (a variance at zero: a flat direction) still has df, from the other directions
        guard h.values.allSatisfy(\.isFinite) else { return nil }
        a = SymmetricEigen(h).pseudoInverse(tolerance: 1e-8).scaled(2)
        vcov = center.xtxInverse.scaled(s2)
        var jacobians: [Matrix] = (0..<k).map { i in
            var d = Matrix(rows: p, cols: p)
            for (r, (a, b)) in pairs.enumerated() { d[a, b] = s2 * jac[r + 1][i]; d[b, a] = d[a, b] }
            return d
        }
        jacobians.append(center.xtxInverse.scaled(2 * sigma))
        self.jacobians = jacobians
    }

    /// The same derivatives from the engine's exact gradient (`DevianceGradient`), where it has one:
    /// the Hessian of d in θ by central differences of ∇d = ∇(log-determinants) + ∇r²/σ² at steps
    /// hᵢ = 10⁻³·max(|θᵢ|, 0.1) (made symmetric), ∂r²/∂θ exact, and ∂(R_X'R_X)⁻¹/∂θ by central
    /// differences at the same points. Their truncation error (h²) is far below the digits a df
    /// carries; 2k gradients instead of numDeriv's 2k² + 1 points. Nil without a gradient at any point.
    private static func fromGradients(_ engine: ProfiledDeviance, at theta: [Double], s2: Double, reml: Bool,
                                      pairs: [(Int, Int)]) -> (hessian: Matrix, jacobian: [[Double]])? {
        guard let (_, center) = engine.gradient(theta, reml: reml) else { return nil }
        let (k, h) = (theta.count, FiniteDifferences.hessianSteps(theta))
        /// ∇d at σ, then the upper triangle of (R_X'R_X)⁻¹; nil where the engine has no gradient.
        guard let differences = FiniteDifferences.centralJacobian({ t -> [Double]? in
            engine.gradient(t, reml: reml).map { e, g in
                zip(g.logDeterminants, g.r2).map { $0 + $1 / s2 } + pairs.map { e.xtxInverse[$0.0, $0.1] }
            }
        }, at: theta, steps: h, concurrent: engine.evaluatesConcurrently) else { return nil }
        var hessian = Matrix(rows: k, cols: k)
        var jacobian = [center.r2] + [[Double]](repeating: [Double](repeating: 0, count: k), count: pairs.count)
        for i in 0..<k {
            for j in 0..<k { hessian[j, i] = differences[j, i] }
            for r in pairs.indices { jacobian[r + 1][i] = differences[k + r, i] }
        }
        return (hessian.symmetrized, jacobian)
    }
}
