import Glibc

/// What a generalized linear mixed model adds to a fit (`LMMFit.generalized`).
public struct GeneralizedFit: Sendable {
    public let family: Family
    public let link: Link
    /// Quadrature nodes per level (1: Laplace).
    public let nagq: Int
    /// Evaluations of glmer's two stages: θ with β in PIRLS, then θ and β together.
    public let stageEvaluations: (first: Int, second: Int)
    /// Whether the fixed effects' covariance is the inverse Hessian of the deviance over θ and
    /// β (glmer's default) rather than (R_X'R_X)⁻¹ at the estimated θ.
    public let hessianCovariance: Bool
    /// Conventions and warnings: the logLik convention, separation, the covariance's source.
    public let notes: [String]

    /// A Poisson or NB2 model's null-model mean μ₀ = exp(β₀) of the same random terms with an
    /// intercept only (insight's `null_model`, which `performance` uses); nil for binomial models.
    public let nullMean: Double?
    /// NB2's size k (glmmTMB's `sigma()`: Var(y) = μ + μ²/k) and the SE of log k (its `betad`),
    /// from the inverse Hessian over every parameter; nil for other families.
    public let dispersion: Double?
    public let logDispersionSE: Double?

    /// The variance of the latent residual on the link scale for R² and the ICC (Nakagawa, Johnson
    /// & Schielzeth 2017, *J R Soc Interface* 14, Table 1): logit π²/3, probit 1, cloglog π²/6;
    /// Poisson with log link the lognormal approximation ln(1 + 1/μ₀), NB2 ln(1 + 1/μ₀ + 1/k), as
    /// insight 0.19's `.variance_distributional` (nil when the null model could not be fitted).
    public var distributionVariance: Double? {
        switch link {
        case .logit: return Double.pi * Double.pi / 3
        case .probit: return 1
        case .cloglog: return Double.pi * Double.pi / 6
        case .log:
            guard let mu = nullMean else { return nil }
            // NB2: V(μ₀)/μ₀² = 1/μ₀ + 1/k (insight's `.variance_family_nbinom` at the model's k)
            return log1p(1 / mu + (dispersion.map { 1 / $0 } ?? 0))
        }
    }

    /// How the distribution-specific variance was found, for the notes of R² and the ICC.
    var distributionVarianceNote: String {
        guard let v = distributionVariance else {
            return "the null model (intercept and the same random terms) could not be fitted: R² and the ICC of a Poisson model need its mean; not computed"
        }
        guard let mu = nullMean else {
            return "on the latent scale: the residual variance is the \(link.rawValue) link's distribution-specific variance \(rNumberText(v)) (Nakagawa, Johnson & Schielzeth 2017)"
        }
        return "on the latent scale: the residual variance is ln(1 + 1/mu0\(dispersion == nil ? "" : " + 1/k")) = \(rNumberText(v)), mu0 = \(rNumberText(mu)) the null model's mean (lognormal approximation, Nakagawa et al. 2017, as performance)"
            + (mu < 6 ? "; mu0 is below 6, so this approximation may be unreliable (performance warns alike)" : "")
    }
}
