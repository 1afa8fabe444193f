/// What a formula variable holds on the rows of a dataset: numbers (one column, or
/// several for `poly(x, k)`), or a factor.
enum VariableValue: Sendable {
    /// Columns and the suffix R appends to the variable's name for each
    /// (`""` for a single column, `"1"`, `"2"` for `poly`).
    case numeric(columns: [[Double]], suffixes: [String])
    case factor(Factor)

    static func single(_ x: [Double]) -> VariableValue { .numeric(columns: [x], suffixes: [""]) }

    /// Whether row r is missing (NaN, or a factor code of −1).
    func isMissing(_ r: Int) -> Bool {
        switch self {
        case .numeric(let columns, _): return columns.contains { $0[r].isNaN }
        case .factor(let f): return f.codes[r] < 0
        }
    }

    /// The value on the given rows; a factor keeps only the levels present there
    /// (R's `drop.unused.levels = TRUE`, which lme4 sets).
    func restricted(to rows: [Int]) -> VariableValue {
        switch self {
        case .numeric(let columns, let suffixes):
            return .numeric(columns: columns.map { c in rows.map { c[$0] } }, suffixes: suffixes)
        case .factor(let f):
            return .factor(f.restricted(to: rows))
        }
    }
}

/// A factor: a code per row (−1 for missing) into `levels`, in the factor's order
/// (the first level is the reference of treatment contrasts).
struct Factor: Sendable, Equatable {
    var codes: [Int32]
    var levels: [String]
    /// R's `ordered`: coded by polynomial contrasts by default.
    var ordered: Bool

    func restricted(to rows: [Int]) -> Factor {
        var used = [Bool](repeating: false, count: levels.count)
        for r in rows where codes[r] >= 0 { used[Int(codes[r])] = true }
        var map = [Int32](repeating: -1, count: levels.count), kept: [String] = []
        for (k, level) in levels.enumerated() where used[k] { map[k] = Int32(kept.count); kept.append(level) }
        return Factor(codes: rows.map { codes[$0] < 0 ? -1 : map[Int(codes[$0])] }, levels: kept, ordered: ordered)
    }

    /// The same values coded against `target` levels (a fitted model's), by label;
    /// a label the target lacks is an error naming it.
    func recoded(to target: [String], variable: String) throws -> Factor {
        var index: [String: Int32] = [:]
        for (k, l) in target.enumerated() { index[l] = Int32(k) }
        let map = try levels.map { l -> Int32 in
            guard let k = index[l] else {
                throw LCError(.invalidArgument, "\(variable) has the level '\(l)', which the fitted data did not have (levels: \(target.prefix(20).joined(separator: ", ")))")
            }
            return k
        }
        return Factor(codes: codes.map { $0 < 0 ? -1 : map[Int($0)] }, levels: target, ordered: ordered)
    }
}

/// What a data-dependent variable learned from the data a model was fitted to, so the
/// same variable can be evaluated on new data (R's "safe prediction", `makepredictcall`).
enum LearnedTransform: Sendable, Equatable {
    /// `poly(x, k)`: the recursion coefficients.
    case poly(OrthogonalPolynomials)
    /// `scale(x)`, `center(x)`: (x − center) / scale.
    case affine(center: Double, scale: Double)
    /// A factor's levels on the fitted rows.
    case levels([String], ordered: Bool)
}
