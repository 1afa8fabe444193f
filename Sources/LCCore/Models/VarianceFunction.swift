import Glibc

/// A residual variance function (Pinheiro & Bates 2000, §5.2; nlme's varFunc):
/// Var(eᵢ) = σ² g(vᵢ)² with
///
/// - `exp(v)`: g = exp(δ·v) (nlme's `varExp(form = ~v)`); δ < 0: the residual SD
///   shrinks as v grows (in the consensus emergence model: consensus emerges);
/// - `ident(v)`: one SD ratio per level of v, the first (sorted) level 1
///   (nlme's `varIdent(form = ~1 | v)`).
public enum VarianceFunction: Sendable, Equatable {
    case exp(String)
    case ident(String)

    /// Parses `exp(time)` or `ident(session)`.
    public init(parsing text: String) throws {
        let t = text.filter { $0 != " " }
        for (name, make) in [("exp(", VarianceFunction.exp), ("ident(", VarianceFunction.ident)] as [(String, (String) -> VarianceFunction)] {
            if t.hasPrefix(name), t.hasSuffix(")"), t.count > name.count + 1 {
                self = make(String(t.dropFirst(name.count).dropLast()))
                return
            }
        }
        throw LCError(.invalidArgument, "cannot read the variance function '\(text)'; write exp(COLUMN) or ident(COLUMN)")
    }

    public var covariate: String {
        switch self { case .exp(let c), .ident(let c): return c }
    }
    public var name: String {
        switch self { case .exp: return "exp"; case .ident: return "ident" }
    }
}

/// A variance function on the rows of a model frame, with its parameters ψ
/// (exp: δ; ident: the log SD ratio of each level after the first, so that ψ is unbounded).
struct VarianceModel: Sendable {
    let function: VarianceFunction
    /// exp: the covariate per row; ident: the level index per row.
    let values: [Double]
    let levels: [String]

    init(_ function: VarianceFunction, frame: ModelFrame, data: Dataset) throws {
        self.function = function
        let column = try data.column(function.covariate)
        switch function {
        case .exp(let c):
            let v = try data.numeric(c)
            values = frame.rows.map { v[$0] }
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw LCError(.invalidArgument, "the variance covariate '\(c)' is missing or not finite on model row \(frame.rows[bad] + 1)")
            }
            levels = []
        case .ident(let c):
            let (codes, labels) = try Grouping.codes(for: column)
            values = frame.rows.map { Double(codes[$0]) }
            if let bad = values.firstIndex(where: { $0 < 0 }) {
                throw LCError(.invalidArgument, "the variance grouping '\(c)' is missing on model row \(frame.rows[bad] + 1)")
            }
            guard labels.count >= 2 else { throw LCError(.invalidArgument, "ident(\(c)) needs at least two levels of \(c)") }
            levels = labels
        }
    }

    var parameterCount: Int { levels.isEmpty ? 1 : levels.count - 1 }
    /// nlme's names: "delta", or the levels after the first.
    var parameterNames: [String] { levels.isEmpty ? ["delta"] : Array(levels.dropFirst()) }

    /// The distinct covariate values (exp) or level indices (ident), sorted.
    var distinct: [Double] { levels.isEmpty ? Array(Set(values)).sorted() : levels.indices.map(Double.init) }

    /// The weight 1/g(v) at covariate value (exp) or level index (ident) v.
    func weight(at v: Double, _ psi: [Double]) -> Double {
        if levels.isEmpty { return Glibc.exp(-psi[0] * v) }
        return v == 0 ? 1 : Glibc.exp(-psi[Int(v) - 1])
    }

    /// The row weights wᵢ = 1/g(vᵢ) for parameters ψ.
    func weights(_ psi: [Double]) -> [Double] { values.map { weight(at: $0, psi) } }

    /// The reported parameters: δ, or the SD ratios (exp of ψ).
    func reported(_ psi: [Double]) -> [Double] { levels.isEmpty ? psi : psi.map { Glibc.exp($0) } }
}

/// The fitted variance function of a model.
public struct VarianceFit: Sendable {
    public let function: VarianceFunction
    public let parameters: [String]
    /// δ (exp) or the SD ratios (ident).
    public let estimates: [Double]
    /// From the inverse Hessian of the profiled deviance over all covariance
    /// parameters (the ratios' by the delta method).
    public let standardErrors: [Double]
    /// The residual SD σ·g(v) at each distinct covariate value (exp; `covariate` is the value)
    /// or level (ident; `covariate` is nil).
    public let residualSD: [(value: String, covariate: Double?, sd: Double)]
}
