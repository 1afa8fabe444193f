/// The fixed part of a location-scale model's scale: log σᵢ = wᵢ'η, with W the model
/// matrix of a one-sided formula such as `~ session * diversity`, coded as R codes a fixed
/// part (glmmTMB's `dispformula`, whose gaussian coefficients are on log σ², 2η; nlme's
/// `varExp(form = ~ t)` is the case `~ t`, δ = η₁). The intercept η₀ = log σ is profiled
/// out of the criterion as σ is; the others are optimised with θ (Hedeker, Mermelstein &
/// Demirtas 2008, Biometrics 64: the fixed part of their location-scale model).
public struct ScaleFormula: Sendable, Equatable, CustomStringConvertible {
    public let terms: ModelTerms
    let text: String

    /// Parses `~ session * diversity` (the `~` may be left out).
    public init(parsing text: String) throws {
        let t = text.drop { $0.isWhitespace }
        let rhs = t.hasPrefix("~") ? String(t.dropFirst()) : String(t)
        let formula = try Formula(parsing: "scale.response ~ " + rhs)
        guard formula.random.isEmpty else {
            throw LCError(.invalidArgument, "the scale formula '\(text)' has a random term; random scale effects are not supported yet")
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
        self.text = "~ " + formula.fixed.labels.joined(separator: " + ")
    }

    public var description: String { text }

    /// The columns it reads.
    public var columns: [String] { terms.columns }
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
