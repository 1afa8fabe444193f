/// A model formula in lme4's syntax, parsed once in the core for every frontend:
///
///     sharing ~ session + within(support, person) + between(support, person)
///               + selfeff * support + (1 + session | person) + (1 | community)
///
/// - `a*b` expands to `a + b + a:b`; `-1` or `0` drops the intercept, `+1` keeps it.
/// - `(terms | g)` is a random-effects term; `(1 | a/b)` expands to `(1 | a) + (1 | b:a)`
///   (lme4 names the nested factor `b:a`); `(1 | a:b)` groups by the interaction `a:b`.
/// - Functions: `within(x, g)` (x minus its mean in g), `between(x, g)` (the mean of x
///   in g, over g's non-missing values, as R's `ave(x, g, FUN = mean, na.rm = TRUE)`),
///   `lag(x, g, t)` (x at the previous t of the same g; missing when that occasion is
///   missing), `center(x)` (x minus its grand mean).
public struct Formula: Sendable, Equatable, CustomStringConvertible {
    public let response: String
    public let intercept: Bool
    /// Fixed-effect terms after expansion, without the intercept, in lme4's order
    /// (main effects first, then interactions by order of appearance).
    public let fixed: [Term]
    public let random: [RandomTerm]

    public init(response: String, intercept: Bool, fixed: [Term], random: [RandomTerm]) {
        self.response = response
        self.intercept = intercept
        self.fixed = fixed
        self.random = random
    }

    /// The formula as lme4 would print it after expansion.
    public var description: String {
        var rhs: [String] = intercept ? ["1"] : ["0"]
        rhs += fixed.map(\.description)
        rhs += random.map { r in "(" + ((r.intercept ? ["1"] : ["0"]) + r.terms.map(\.description)).joined(separator: " + ")
            + " | " + r.groupName + ")" }
        return response + " ~ " + rhs.joined(separator: " + ")
    }

    /// Every data column the formula reads.
    public var columns: [String] {
        var out: [String] = [response]
        for t in fixed + random.flatMap(\.terms) { for v in t.factors { out += v.columns } }
        for r in random { out += r.grouping }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }
}

/// A variable as it enters a model: a column, or a derived one.
public indirect enum Variable: Sendable, Hashable, CustomStringConvertible {
    case column(String)
    case within(String, group: String)
    case between(String, group: String)
    case lag(String, group: String, time: String)
    case center(String)

    /// The name lme4 users see in the output.
    public var description: String {
        switch self {
        case .column(let c): return c
        case .within(let x, let g): return "within(\(x), \(g))"
        case .between(let x, let g): return "between(\(x), \(g))"
        case .lag(let x, let g, let t): return "lag(\(x), \(g), \(t))"
        case .center(let x): return "center(\(x))"
        }
    }

    public var columns: [String] {
        switch self {
        case .column(let c): return [c]
        case .within(let x, let g), .between(let x, let g): return [x, g]
        case .lag(let x, let g, let t): return [x, g, t]
        case .center(let x): return [x]
        }
    }
}

/// A product of variables (`a:b`); one factor for a main effect.
public struct Term: Sendable, Hashable, CustomStringConvertible {
    public let factors: [Variable]
    public init(_ factors: [Variable]) { self.factors = factors }
    public var description: String { factors.map(\.description).joined(separator: ":") }
}

/// `(1 + x | g)`: random effects of `terms` (and an intercept) varying over the levels of `grouping`.
public struct RandomTerm: Sendable, Equatable {
    public let intercept: Bool
    public let terms: [Term]
    /// Columns whose interaction defines the groups (one column for `(… | g)`).
    public let grouping: [String]

    /// lme4's name of the grouping factor, e.g. `person` or `person:community`.
    public var groupName: String { grouping.joined(separator: ":") }

    /// lme4's names of the random effects, e.g. `["(Intercept)", "session"]`.
    public var effectNames: [String] { (intercept ? ["(Intercept)"] : []) + terms.map(\.description) }
}
