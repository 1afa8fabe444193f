/// The fixed part of a location-scale model's scale: log σᵢ = wᵢ'η, with W the model
/// matrix of a one-sided formula such as `~ session * diversity`, coded as R codes a fixed
/// part (glmmTMB's `dispformula`, whose gaussian coefficients are on log σ², 2η; nlme's
/// `varExp(form = ~ t)` is the case `~ t`, δ = η₁). The intercept η₀ = log σ is profiled
/// out of the criterion as σ is; the others are optimised with θ (Hedeker, Mermelstein &
/// Demirtas 2008, Biometrics 64: the fixed part of their location-scale model).
///
/// One random term `(1 | g)` adds a random scale effect per level of g: log σᵢ = wᵢ'η + τ_g,
/// τ_g ~ N(0, σ_τ²), correlated with g's random intercept in the mean model (MELS: Hedeker,
/// Mermelstein & Demirtas 2008; Hedeker & Nordgren 2013, MIXREGLS), or independent of it
/// when written `(1 || g)` (lme4's double bar). See `RandomScaleModel`.
public struct ScaleFormula: Sendable, Equatable, CustomStringConvertible {
    public let terms: ModelTerms
    /// The random scale effect, if the formula has one.
    public let random: ScaleRandomTerm?
    let text: String

    /// Parses `~ session * diversity` (the `~` may be left out).
    public init(parsing text: String) throws {
        let t = text.drop { $0.isWhitespace }
        let rhs = t.hasPrefix("~") ? String(t.dropFirst()) : String(t)
        let formula = try Formula(parsing: "scale.response ~ " + rhs)
        guard formula.random.count <= 1 else {
            throw LCError(.invalidArgument, "the scale formula '\(text)' has \(formula.random.count) random terms; it can have one, (1 | group)")
        }
        if let r = formula.random.first {
            guard r.effects.intercept, r.effects.terms.isEmpty, r.grouping.count == 1 else {
                throw LCError(.invalidArgument, "the scale formula's random term on \(r.groupName) is not (1 | group): a random scale effect is an intercept per level of one grouping column")
            }
            // (1 || g) parses as (1 | g); the double bar is what asks for independence
            random = ScaleRandomTerm(group: r.grouping[0], correlated: !rhs.contains("||"))
        } else {
            random = nil
        }
        guard formula.fixed.offsets.isEmpty else {
            throw LCError(.invalidArgument, "the scale formula '\(text)' has an offset, which a scale formula cannot have")
        }
        guard formula.fixed.intercept else {
            throw LCError(.invalidArgument, "the scale formula '\(text)' drops the intercept; log σ needs one (it is σ, profiled out)")
        }
        guard !formula.fixed.terms.isEmpty else {
            throw LCError(.invalidArgument, "the scale formula '\(text)' has no term; a constant scale is the model without one")
        }
        terms = formula.fixed
        self.text = "~ " + (formula.fixed.labels + (random.map { [$0.description] } ?? [])).joined(separator: " + ")
    }

    public var description: String { text }

    /// The columns it reads.
    public var columns: [String] { terms.columns + (random.map { [$0.group] } ?? []) }
}

/// A random scale effect: τ_g per level of the column `group`, with or without a correlation
/// with the mean model's random intercept of the same factor.
public struct ScaleRandomTerm: Sendable, Equatable, CustomStringConvertible {
    public let group: String
    public let correlated: Bool
    public var description: String { correlated ? "(1 | \(group))" : "(1 || \(group))" }
}

/// The fitted scale model: log σᵢ = η₀ + wᵢ'η, η₀ = log σ.
public struct ScaleFit: Sendable {
    public let formula: ScaleFormula
    /// `(Intercept)` and the scale formula's columns, named as R names a model matrix's.
    public let terms: [String]
    public let estimates: [Double]
    /// From the inverse Hessian of −2 log L over every covariance parameter and log σ.
    public let standardErrors: [Double]
}
