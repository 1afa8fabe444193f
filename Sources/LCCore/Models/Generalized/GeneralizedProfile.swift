import Glibc

/// Profile-likelihood intervals of a generalized model's parameters, as lme4's
/// `confint(glmerFit, method = "profile")` (`profile.merMod` on the Laplace or quadrature
/// deviance of glmer's second stage):
///
///     ζ(x) = sign(x − x̂) √(d(x) − d(x̂)),   interval: ζ(x) = ±z_{(1+level)/2},
///
/// d(x) the deviance `GeneralizedDeviance` minimised over every other parameter (the random SDs
/// and correlations, within their bounds, the fixed effects and NB2's log k) with the one profiled
/// held at x.
/// lme4 interpolates a spline through a grid of ζ; here the crossing is solved directly
/// (`Profile.limit`), so the two agree to the spline's accuracy. Every PIRLS starts from the
/// optimum's modes, so the profiles may run at once.
struct GeneralizedProfile {
    let fit: LMMFit
    let deviance: GeneralizedDeviance
    let optimum: PenalizedIRLS.State
    let base: Double
    /// The random SDs and correlations, then the fixed effects (`LMMFit.parameters`), and their
    /// estimates followed by NB2's log k (profiled over, not reported).
    let parameters: [FitParameter]
    let estimates: [Double]
    let varianceCount: Int

    init(_ fit: LMMFit) throws {
        guard let g = fit.generalized else { throw LCError(.internalError, "a generalized profile needs a generalized fit") }
        deviance = GeneralizedDeviance(fit.frame, family: g.family, link: g.link, nagq: g.nagq)
        guard let (value, r) = deviance.evaluate(fit.theta + fit.beta + (g.dispersion.map { [log($0)] } ?? []),
                                                 from: deviance.state(beta: fit.beta)) else {
            throw LCError(.internalError, "profile: the deviance is undefined at the estimates")
        }
        (self.fit, base, optimum) = (fit, value, r.state)
        parameters = fit.parameters
        estimates = parameters.map(\.value) + (g.dispersion.map { [log($0)] } ?? [])
        varianceCount = fit.varianceParameters.count
    }

    /// d at w = (variance parameters, β); +∞ outside the model.
    func deviance(_ w: [Double]) -> Double {
        guard let theta = Profile.theta(of: fit, parameters: Array(parameters[..<varianceCount]),
                                        values: Array(w[..<varianceCount]), sigma: 1) else { return .infinity }
        return deviance.evaluate(theta + Array(w[varianceCount...]), from: optimum)?.value ?? .infinity
    }

    func bounds(_ k: Int) -> (Double, Double) {
        guard k < parameters.count else { return (-.infinity, .infinity) }
        switch parameters[k].kind {
        case .corr: return (-1, 1)
        case .fixed: return (-.infinity, .infinity)
        default: return (0, .infinity)
        }
    }

    /// The (low, high) limits of parameter k (an index into `parameters`).
    func interval(_ k: Int, z: Double) -> (Double, Double) {
        let se = parameters[k].kind == .fixed ? fit.standardErrors[parameters[k].a] : .nan
        let step = parameters[k].kind == .corr ? 0.2
            : parameters[k].kind == .fixed ? (se.isFinite && se > 0 ? se : 0.1 * max(abs(estimates[k]), 1))
            : 0.25 * max(abs(estimates[k]), 0.05)
        return Profile.interval(k, of: estimates, bounds: estimates.indices.map(bounds), base: base, step: step, z: z, deviance)
    }
}
