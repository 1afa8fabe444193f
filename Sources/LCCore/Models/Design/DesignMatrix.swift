/// A model matrix built as R's `model.matrix` builds it (R's `src/library/stats/src/model.c`;
/// Chambers & Hastie 1992, *Statistical Models in S*, §2.4.1).
///
/// A factor in a term is coded by contrasts (k − 1 columns) when the term's *margin*, the
/// term without that factor, is in the model (a preceding term contains it; the empty margin
/// of a main effect counts as present), and otherwise by indicators (k columns). Without an
/// intercept, the first factor of the first term that has one is coded by indicators. So
/// `0 + f` gives k columns, `x:f` without `f` one slope per level, and `f + x:f` k slopes.
/// An interaction's columns are products, the first variable varying fastest; names join the
/// variables' names with `:` (`x:fB`, `poly(x, 2)1`, `fB:gY`).
struct DesignMatrix {
    var names: [String] = []
    var columns: [[Double]] = []
    /// For each column the index of its term (−1 for the intercept), R's `assign`.
    var assign: [Int] = []

    /// How the factor variable `k` is coded by contrasts (R's default when nil: `treatment`,
    /// `poly` for ordered factors).
    typealias ContrastChoice = (_ variable: Int) -> ContrastKind?

    /// The matrix of `terms` whose variables have `values` (on the model's rows).
    init(_ terms: ModelTerms, values: [VariableValue], rows: Int, contrasts: ContrastChoice) throws {
        if terms.intercept {
            append("(Intercept)", [Double](repeating: 1, count: rows), term: -1)
        }
        let codes = DesignMatrix.codings(terms, values: values)
        for (t, term) in terms.terms.enumerated() {
            var product: [(String, [Double])] = [("", [Double](repeating: 1, count: rows))]
            for (position, v) in term.enumerated() {
                let parts = try DesignMatrix.columns(of: values[v], named: terms.variables[v].description,
                                                     byContrasts: codes[t][position], contrasts: contrasts(v), rows: rows)
                let (count, overflow) = product.count.multipliedReportingOverflow(by: parts.count)
                try ModelLimits.checkFixed(columns: overflow ? Int.max : count + columns.count, rows: rows,
                                           what: "the term \(terms.label(term))")
                // the earlier variables vary fastest
                product = parts.flatMap { p in product.map { l in
                    (l.0.isEmpty ? p.0 : l.0 + ":" + p.0, zip(l.1, p.1).map { $0 * $1 })
                } }
            }
            for (name, column) in product { append(name, column, term: t) }
        }
    }

    private mutating func append(_ name: String, _ column: [Double], term: Int) {
        names.append(name)
        columns.append(column)
        assign.append(term)
    }

    /// For each term and each of its variables: true (R's code 1) when the term without that
    /// variable is in the model (a preceding term contains it, or it is empty), else false
    /// (code 2): R's `TermCode`, the `factors` attribute of a `terms` object.
    static func termCodings(_ terms: ModelTerms) -> [[Bool]] {
        terms.terms.enumerated().map { t, term in
            term.map { v -> Bool in
                let margin = term.filter { $0 != v }
                if margin.isEmpty { return true }
                return terms.terms[..<t].contains { earlier in margin.allSatisfy(earlier.contains) }
            }
        }
    }

    /// For each term and each of its variables: true for contrasts, false for indicators
    /// (R's `TermCode`, and `model.matrix`'s rule for a model without an intercept).
    static func codings(_ terms: ModelTerms, values: [VariableValue]) -> [[Bool]] {
        var codes = termCodings(terms)
        if !terms.intercept {
            outer: for (t, term) in terms.terms.enumerated() {
                for (position, v) in term.enumerated() {
                    if case .factor = values[v] { codes[t][position] = false; break outer }
                }
            }
        }
        return codes
    }

    /// A variable's columns: numbers as they are, a factor by contrasts or indicators.
    private static func columns(of value: VariableValue, named name: String, byContrasts: Bool,
                                contrasts: ContrastKind?, rows: Int) throws -> [(String, [Double])] {
        switch value {
        case .numeric(let columns, let suffixes):
            return zip(suffixes, columns).map { (name + $0, $1) }
        case .factor(let f):
            let k = f.levels.count
            guard k >= 2 || !byContrasts else {
                throw LCError(.invalidArgument, "the factor '\(name)' has \(k) level\(k == 1 ? "" : "s") on the model's rows; contrasts need at least two")
            }
            try ModelLimits.checkFixed(columns: byContrasts ? k - 1 : k, rows: rows, what: "the factor '\(name)'")
            let (matrix, suffixes): ([[Double]], [String])
            if byContrasts {
                (matrix, suffixes) = try (contrasts ?? (f.ordered ? .poly : .treatment)).matrix(levels: f.levels)
            } else {
                (matrix, suffixes) = ((0..<k).map { i in (0..<k).map { $0 == i ? 1 : 0 } }, f.levels)
            }
            return suffixes.indices.map { j in
                (name + suffixes[j], f.codes.map { $0 < 0 ? .nan : matrix[Int($0)][j] })
            }
        }
    }

    /// The columns that are linearly dependent on earlier ones, as lme4 drops them
    /// (`chkRank.drop.cols`: R's pivoting QR, `qr(X, tol = 1e-7)`, keeps the columns in
    /// order and moves each whose remaining norm is below 1e-7 of its own norm to the end).
    static func dependentColumns(_ columns: [[Double]]) -> [Int] { GramSchmidt(columns).dependent }
}
