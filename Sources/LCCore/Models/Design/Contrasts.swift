/// How a factor with k levels enters a model matrix when R codes it by contrasts
/// (R's `contr.*` functions; Chambers & Hastie 1992, §2.3.2). Each gives a k × (k−1)
/// matrix whose rows are the levels, and the suffixes R appends to the factor's name.
public enum ContrastKind: String, Sendable, CaseIterable {
    /// `contr.treatment`: level j against the first (the reference); columns named by level.
    case treatment
    /// `contr.sum`: level j against the mean of the levels; the last level is −1 in every
    /// column; columns named 1 … k−1.
    case sum
    /// `contr.helmert`: level j+1 against the mean of levels 1 … j; columns named 1 … k−1.
    case helmert
    /// `contr.poly`: orthonormal polynomials in the scores 1 … k (R's default for ordered
    /// factors); columns named `.L`, `.Q`, `.C`, `^4`, ….
    case poly

    /// Reads `treatment`, `sum`, `helmert` or `poly` (also R's `contr.sum` spelling).
    public init(parsing text: String) throws {
        let name = text.hasPrefix("contr.") ? String(text.dropFirst(6)) : text
        guard let kind = ContrastKind(rawValue: name) else {
            throw LCError(.invalidArgument, "unknown contrasts '\(text)'; use treatment, sum, helmert or poly")
        }
        self = kind
    }

    /// The k × (k−1) matrix (rows: levels) and its column suffixes.
    func matrix(levels: [String]) throws -> (rows: [[Double]], suffixes: [String]) {
        let k = levels.count
        let numbered = (1..<k).map(String.init)
        switch self {
        case .treatment:
            return ((0..<k).map { i in (1..<k).map { j in i == j ? 1 : 0 } }, Array(levels.dropFirst()))
        case .sum:
            return ((0..<k).map { i in (0..<(k - 1)).map { j in i == k - 1 ? -1 : (i == j ? 1 : 0) } }, numbered)
        case .helmert:
            return ((0..<k).map { i in (1..<k).map { j in i < j ? -1 : (i == j ? Double(j) : 0) } }, numbered)
        case .poly:
            let basis = try OrthogonalPolynomials(fitting: (1...k).map(Double.init), degree: k - 1, name: "contr.poly")
            let columns = basis.columns(at: (1...k).map(Double.init))
            let names = (1..<k).map { $0 == 1 ? ".L" : $0 == 2 ? ".Q" : $0 == 3 ? ".C" : "^\($0)" }
            return ((0..<k).map { i in columns.map { $0[i] } }, names)
        }
    }
}
