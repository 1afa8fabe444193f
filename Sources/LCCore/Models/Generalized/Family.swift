import Glibc

/// The distribution of a generalized linear (mixed) model's response given its linear
/// predictor (McCullagh & Nelder 1989, *Generalized Linear Models*, 2nd ed., ch. 2; R's
/// `family` objects, which glmer uses): μ = g⁻¹(η), Var(y) = φV(μ)/w with φ = 1 here.
public enum Family: String, Sendable, CaseIterable {
    /// Successes out of trials (y a proportion, the prior weight the trials); V(μ) = μ(1 − μ).
    case binomial
    /// Counts; V(μ) = μ.
    case poisson
    /// Overdispersed counts, glmmTMB's `nbinom2`: V(μ) = μ + μ²/k, the size k estimated with the
    /// other parameters (Hilbe 2011, *Negative Binomial Regression*, 2nd ed., §8).
    case nbinom2

    /// R's default (canonical) link; the log link for NB2 (glmmTMB's).
    public var defaultLink: Link { self == .binomial ? .logit : .log }

    /// The links R's family accepts here.
    public var links: [Link] { self == .binomial ? [.logit, .probit, .cloglog] : [.log] }

    /// Whether the family has a dispersion parameter (NB2's size k).
    public var hasDispersion: Bool { self == .nbinom2 }

    /// Throws unless R's family accepts `link`.
    func check(_ link: Link) throws {
        guard links.contains(link) else {
            throw LCError(.invalidArgument, "the \(rawValue) family has no link '\(link.rawValue)' (\(links.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    public init(named name: String) throws {
        let lower = name.lowercased()
        guard let f = Family(rawValue: ["negative_binomial": "nbinom2", "negbin": "nbinom2"][lower] ?? lower) else {
            throw LCError(.invalidArgument, "unknown family '\(name)' (binomial, poisson, nbinom2)")
        }
        self = f
    }

    /// V(μ) (NB2: at size k).
    @inline(__always) func variance(_ mu: Double, size k: Double = .infinity) -> Double {
        switch self {
        case .binomial: return mu * (1 - mu)
        case .poisson: return mu
        case .nbinom2: return mu + mu * mu / k
        }
    }

    /// The unit deviance times the prior weight (R's `dev.resids`):
    /// binomial 2w[y log(y/μ) + (1 − y) log((1 − y)/(1 − μ))], Poisson 2w[y log(y/μ) − (y − μ)],
    /// with 0·log 0 = 0.
    @inline(__always) func devianceResidual(_ y: Double, _ mu: Double, weight w: Double, size k: Double = .infinity) -> Double {
        func ylogy(_ a: Double, _ b: Double) -> Double { a > 0 ? a * log(a / b) : 0 }
        switch self {
        case .binomial: return 2 * w * (ylogy(y, mu) + ylogy(1 - y, 1 - mu))
        case .poisson: return 2 * w * (ylogy(y, mu) - (y - mu))
        case .nbinom2: return 2 * w * (ylogy(y, mu) - (y + k) * log((y + k) / (mu + k)))
        }
    }

    /// −2 log p(y | μ) for one row, as R's `family$aic` sums it (binomial with m = the trials,
    /// the prior weight: −2 log dbinom(round(m y), round(m), μ); Poisson: −2 w log dpois(y, μ)).
    /// NB2: −2 w log[Γ(y + k)/(Γ(k) y!) (k/(k + μ))ᵏ (μ/(k + μ))ʸ].
    @inline(__always) func minusTwoLogDensity(_ y: Double, _ mu: Double, weight w: Double, size k: Double = .infinity) -> Double {
        switch self {
        case .binomial:
            let m = w.rounded(), k = (w * y).rounded()
            guard m > 0 else { return 0 }
            let choose = lgamma(m + 1) - lgamma(k + 1) - lgamma(m - k + 1)
            let a = k > 0 ? k * log(mu) : 0, b = m - k > 0 ? (m - k) * log1p(-mu) : 0
            return -2 * (choose + a + b)
        case .poisson:
            let a = y > 0 ? y * log(mu) : 0
            return -2 * w * (a - mu - lgamma(y + 1))
        case .nbinom2:
            let a = y > 0 ? y * log(mu / (k + mu)) : 0
            return -2 * w * (lgamma(y + k) - lgamma(k) - lgamma(y + 1) + k * log(k / (k + mu)) + a)
        }
    }

    /// The working weight and the working residual's step (y − μ)/… of one row at η (μ = g⁻¹(η),
    /// d = dμ/dη): prior·d²/V(μ) and (y − μ)/d (Fisher scoring, McCullagh & Nelder §2.5, as glmer).
    /// NB2 with the log link uses the observed information instead, −∂² log p/∂η² = w(y + k)μk/(k + μ)²,
    /// and the Newton step k(y − μ)/(k + μ) over it: glmmTMB's Laplace approximation takes the exact
    /// Hessian of the joint likelihood in the random effects, and PIRLS is then Newton's method.
    @inline(__always) func working(_ y: Double, _ mu: Double, _ d: Double, weight w: Double, size k: Double) -> (weight: Double, step: Double) {
        guard self == .nbinom2 else { return (w * d * d / variance(mu), (y - mu) / d) }
        let kmu = k + mu
        return (w * (y + k) * mu * k / (kmu * kmu), (y - mu) * kmu / ((y + k) * mu))
    }

    /// R's `mustart` of the family's `initialize`: binomial (w y + 0.5)/(w + 1), Poisson (and NB2) y + 0.1.
    func start(_ y: Double, weight w: Double) -> Double {
        self == .binomial ? (w * y + 0.5) / (w + 1) : y + 0.1
    }
}

/// A link g: η = g(μ), with the inverse and dμ/dη as R's `make.link` computes them,
/// clamped as R clamps them so that μ stays inside (0, 1) or (0, ∞).
public enum Link: String, Sendable, CaseIterable {
    case logit, probit, cloglog, log

    public init(named name: String, family: Family) throws {
        guard let l = Link(rawValue: name.lowercased()) else {
            throw LCError(.invalidArgument, "the \(family.rawValue) family has no link '\(name)' (\(family.links.map(\.rawValue).joined(separator: ", ")))")
        }
        try family.check(l)
        self = l
    }

    private static let epsilon = Double.ulpOfOne, threshold = 30.0
    /// R's probit bound: Φ⁻¹(1 − ε), so that Φ(η) stays within [ε, 1 − ε] (computed once).
    private static let probitBound = -Distributions.normalQuantile(epsilon)

    /// g(μ).
    func link(_ mu: Double) -> Double {
        switch self {
        case .logit: return Glibc.log(mu / (1 - mu))
        case .probit: return Distributions.normalQuantile(mu)
        case .cloglog: return Glibc.log(-log1p(-mu))
        case .log: return Glibc.log(mu)
        }
    }

    /// μ = g⁻¹(η).
    @inline(__always) func inverse(_ eta: Double) -> Double {
        switch self {
        case .logit:
            // R's logit_linkinv: e^η clamped to [ε, 1/ε] beyond |η| = 30
            let t = eta < -Self.threshold ? Self.epsilon : eta > Self.threshold ? 1 / Self.epsilon : exp(eta)
            return t / (1 + t)
        case .probit:
            // R's probit linkinv: Φ(η) within [ε, 1 − ε]
            return Distributions.normalCDF(min(max(eta, -Self.probitBound), Self.probitBound))
        case .cloglog:
            return max(min(-expm1(-exp(eta)), 1 - Self.epsilon), Self.epsilon)
        case .log:
            return max(exp(eta), Self.epsilon)
        }
    }

    /// dμ/dη.
    @inline(__always) func derivative(_ eta: Double) -> Double {
        switch self {
        case .logit:
            guard abs(eta) <= Self.threshold else { return Self.epsilon }
            let e = exp(eta)
            return e / ((1 + e) * (1 + e))
        case .probit:
            return max(exp(-eta * eta / 2) / (2 * Double.pi).squareRoot(), Self.epsilon)
        case .cloglog:
            let e = min(eta, 700)
            return max(exp(e) * exp(-exp(e)), Self.epsilon)
        case .log:
            return max(exp(eta), Self.epsilon)
        }
    }

    /// μ (given: `inverse(eta)`) and dμ/dη: for logit and log from μ itself, with no exp (the same
    /// values as `derivative` to rounding, and R's clamping kept).
    @inline(__always) func derivative(_ eta: Double, mu: Double) -> (mu: Double, derivative: Double) {
        switch self {
        case .logit: return (mu, abs(eta) <= Self.threshold ? mu * (1 - mu) : Self.epsilon)
        case .log: return (mu, mu)
        default: return (mu, derivative(eta))
        }
    }

    /// μ and dμ/dη together: the same values as `inverse` and `derivative`, with one exp for logit.
    @inline(__always) func inverseAndDerivative(_ eta: Double) -> (mu: Double, derivative: Double) {
        guard self == .logit, abs(eta) <= Self.threshold else { return (inverse(eta), derivative(eta)) }
        let e = exp(eta)
        return (e / (1 + e), e / ((1 + e) * (1 + e)))
    }
}
