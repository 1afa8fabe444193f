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

    /// The variance of the latent residual on the link scale for R² and the ICC (Nakagawa, Johnson
    /// & Schielzeth 2017, *J R Soc Interface* 14, Table 1): logit π²/3, probit 1, cloglog π²/6;
    /// nil for Poisson, whose value depends on the null model's mean.
    public var distributionVariance: Double? {
        switch link {
        case .logit: return Double.pi * Double.pi / 3
        case .probit: return 1
        case .cloglog: return Double.pi * Double.pi / 6
        case .log: return nil
        }
    }
}
