/// A model formula in lme4's syntax, parsed once in the core for every frontend:
///
///     log(sharing) ~ poly(session, 2) + relevel(role, "member") * within(support, person)
///                    + between(support, person) + (1 + session | person) + (1 | community)
///
/// The fixed part is expanded into terms by R's rules (`terms.formula`; Chambers &
/// Hastie 1992, *Statistical Models in S*, §2.4): `a*b` is `a + b + a:b`, `(a+b+c)^2`
/// all terms up to two-way, `a/b` is `a + a:b`, `a %in% b` is `a:b`, `- a:b` removes a
/// term, `0`/`-1` drop the intercept. Terms are ordered by degree, then by appearance;
/// the variables inside a term by their first appearance in the formula
/// (`NCEMP*TIME + TMEXP*TIME` has the term `TIME:TMEXP`).
///
/// Random parts as lme4 reads them: `(terms | g)`, `(terms || g)` (one term per effect,
/// uncorrelated: `(1 | g) + (0 + x | g)`), `(1 | a/b)` (`(1 | a) + (1 | b:a)`),
/// `(1 | a:b)` (groups of the interaction).
///
/// Variables: columns, and `I(expr)` (arithmetic `+ - * / ^`), `log`, `log2`, `log10`,
/// `log1p`, `exp`, `expm1`, `sqrt`, `abs`, `scale(x)`, `poly(x, k)` (`raw = TRUE`),
/// `factor(x)`, `ordered(x)`, `relevel(x, "ref")`, `offset(x)`, and lcstat's own
/// `within(x, g)` (x minus its mean in g), `between(x, g)` (the mean of x in g over g's
/// non-missing values, as R's `ave(x, g, FUN = mean, na.rm = TRUE)`), `lag(x, g, t)` (x
/// at the previous t of the same g) and `center(x)` (x minus its grand mean).
public struct Formula: Sendable, Equatable, CustomStringConvertible {
    public let response: Expression
    /// The fixed part: its variables, terms and intercept.
    public let fixed: ModelTerms
    public let random: [RandomTerm]

    public var intercept: Bool { fixed.intercept }

    /// The response as lme4 prints it (`log(Reaction)`).
    public var responseName: String { response.description }

    /// The formula as lme4 would print it after expansion.
    public var description: String {
        var rhs = [fixed.intercept ? "1" : "0"] + fixed.labels + fixed.offsets.map { "offset(\($0))" }
        rhs += random.map { "(" + ([$0.effects.intercept ? "1" : "0"] + $0.effects.labels).joined(separator: " + ")
            + " | " + $0.groupName + ")" }
        return responseName + " ~ " + rhs.joined(separator: " + ")
    }

    /// Every data column the formula reads.
    public var columns: [String] { Formula.distinct(response.columns + predictorColumns) }

    /// The columns the predictors read (what new data for predictions must have).
    public var predictorColumns: [String] {
        Formula.distinct(fixed.columns + random.flatMap { $0.effects.columns + $0.grouping })
    }

    private static func distinct(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}

/// The terms of one model matrix, as R's `terms` object holds them.
public struct ModelTerms: Sendable, Equatable {
    /// The variables in order of first appearance (R's `variables`, without the response).
    public let variables: [Expression]
    /// Each term as the ascending indices of its variables; main effects first, then
    /// two-way interactions and so on, in order of appearance within a degree.
    public let terms: [[Int]]
    public let intercept: Bool
    /// `offset(x)` parts: added to the linear predictor with coefficient 1.
    public let offsets: [Expression]

    /// A term's label, R's `term.labels`: its variables joined by `:`.
    public func label(_ term: [Int]) -> String { term.map { variables[$0].description }.joined(separator: ":") }
    public var labels: [String] { terms.map(label) }

    var columns: [String] { (variables + offsets).flatMap(\.columns) }
}

/// `(1 + x | g)`: random effects of a model matrix (`effects`, R's `model.matrix(~ 1 + x)`)
/// varying over the levels of `grouping`.
public struct RandomTerm: Sendable, Equatable {
    public let effects: ModelTerms
    /// Columns whose interaction defines the groups (one column for `(… | g)`).
    public let grouping: [String]

    public var intercept: Bool { effects.intercept }

    /// lme4's name of the grouping factor, e.g. `person` or `person:community`.
    public var groupName: String { grouping.joined(separator: ":") }
}
