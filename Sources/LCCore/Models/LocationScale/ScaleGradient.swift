import Glibc

/// Exact gradients of a fixed location-scale model (a scale formula alone, σᵢ = σ exp(sᵢ'η)) on an
/// engine with row-sum gradients (`RowSumGradient`: two nested grouping factors).
///
/// The rows of cell c (a distinct row s_c of the scale's columns, N_c rows) carry the weight
/// ω_c = exp(−2 s_c'η) in every cross-product, and the Jacobian term is 2 Σ_c N_c s_c'η, so
///
///     ∂/∂η = Σ_c (2N_c − 2ω_c ∂D/∂ω_c) s_c,    ∂D/∂ω_c = ⟨∂D/∂sums, sums of cell c⟩
///
/// (`CellParts.cellDerivatives`), with D the criterion without the Jacobian. An evaluation of
/// this gradient costs one factorization, its selected inverse, and one pass over the cell sums.
extension ResidualEngines {
    /// At (θ in the engine's order, η): the criterion with the Jacobian term and its gradient in θ
    /// and η. With `logSigma` s: the criterion before σ is profiled out (−2 log L at σ = e^s,
    /// `ResidualEngines.unprofiled`) and its derivative in s too. Nil where the engine has no
    /// row-sum gradient, the model is more than a scale formula, or the point is not valid.
    func scaleGradient(theta: [Double], eta: [Double], reml: Bool, m: Double, logSigma: Double? = nil)
        -> (value: Double, theta: [Double], eta: [Double], logSigma: Double)? {
        guard let scaled, model.variance == nil, model.correlation == nil, let (engine, jacobian) = engine(eta),
              jacobian.isFinite,
              // ∂criterion/∂r²: m/r² when σ is profiled out, e^{−2s} before
              let (e, g, sums) = engine.rowSumGradient(theta, reml: reml, kappa: { r2 in logSigma.map { exp(-2 * $0) } ?? m / r2 })
        else { return nil }
        let kappa = sums.kappa
        let derivatives = scaled.parts.cellDerivatives(sums, cells: scaled.values.count)
        var gradientEta = [Double](repeating: 0, count: eta.count)
        for (c, s) in scaled.values.enumerated() {
            let omega = exp(-2 * zip(s, eta).reduce(0) { $0 + $1.0 * $1.1 })
            let factor = 2 * scaled.counts[c] - 2 * omega * derivatives[c]
            for k in eta.indices { gradientEta[k] += factor * s[k] }
        }
        let gradientTheta = zip(g.logDeterminants, g.r2).map { $0 + kappa * $1 }
        guard let s = logSigma else { return (e.criterion + jacobian, gradientTheta, gradientEta, 0) }
        return (Self.unprofiled(e, m: m, logSigma: s) + jacobian, gradientTheta, gradientEta, 2 * m - 2 * e.r2 * exp(-2 * s))
    }

    /// −2 log L (REML: its restricted form) at σ = e^s: the profiled criterion with its σ̂² terms
    /// m(1 + log(2πr²/m)) replaced by m(log 2π + 2s) + r²e^{−2s} (without the Jacobian term).
    static func unprofiled(_ e: DevianceEvaluation, m: Double, logSigma s: Double) -> Double {
        e.criterion - m * (1 + log(2 * Double.pi * e.r2 / m)) + m * (log(2 * Double.pi) + 2 * s) + e.r2 * exp(-2 * s)
    }
}

extension LinearMixedModel {
    /// BFGS on the exact gradient in (θ, η) (`GradientBFGS`, from a Hessian by differences of the
    /// gradient; θ's variances on the log scale of `LogScaleTheta`); nil where the engine has no
    /// row-sum gradient. Not converged where it did not converge or a variance heads to zero: the
    /// quasi-Newton path on differences takes over.
    static func scaleGradientSearch(_ engines: ResidualEngines, layout: ThetaLayout, reml: Bool, m: Double,
                                    from start: [Double], lower: [Double], thetaCount: Int) -> NelderMead.Result? {
        // η's curvature is far above θ's (W4: 45 gradients from the identity, 29 from this start)
        LogScaleTheta.minimize(from: start, lower: lower, canonical: { layout.canonical(Array($0[..<thetaCount])) + Array($0[thetaCount...]) },
                               startWithHessian: true) { x in
            engines.scaleGradient(theta: layout.expand(Array(x[..<thetaCount])), eta: Array(x[thetaCount...]), reml: reml, m: m)
                .map { ($0.value, layout.reduce($0.theta) + $0.eta) }
        }
    }

    /// H⁻¹ of −2 log L over (θ, η, log σ) at the estimate, by central differences of the exact
    /// gradient (`FiniteDifferences.centralJacobian` at `hessianSteps`), symmetrized; nil where a
    /// gradient is missing or H is not positive definite.
    static func scaleCovariance(_ engines: ResidualEngines, layout: ThetaLayout, reml: Bool, m: Double,
                                at x: [Double], thetaCount: Int, concurrent: Bool) -> Matrix? {
        let k = x.count
        let hessian = FiniteDifferences.centralJacobian({ y -> [Double]? in
            engines.scaleGradient(theta: layout.expand(Array(y[..<thetaCount])), eta: Array(y[thetaCount..<(k - 1)]),
                                  reml: reml, m: m, logSigma: y[k - 1]).map { layout.reduce($0.theta) + $0.eta + [$0.logSigma] }
        }, at: x, steps: FiniteDifferences.hessianSteps(x), concurrent: concurrent)
        return hessian.flatMap { $0.rows == k ? $0.symmetrized.cholesky()?.inverseOfProduct() : nil }
    }
}
