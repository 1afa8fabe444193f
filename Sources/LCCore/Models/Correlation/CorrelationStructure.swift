/// A correlation structure of the residuals within groups (Pinheiro & Bates 2000, §5.3;
/// nlme's corStruct), Var(e_g) = σ² V_g^{1/2} C_g V_g^{1/2} for the rows of group g:
///
/// - `ar1(t | g)`: corr(eᵢ, eⱼ) = φ^|tᵢ − tⱼ| over whole-number occasions t, |φ| < 1
///   (nlme's `corAR1(form = ~ t | g)`; with missing occasions nlme's `corARMA(p = 1)`, which
///   `corAR1` becomes: the occasion, not the row order, sets the lag). `ar1(| g)` numbers
///   each group's rows 1, 2, … in the data's order (`corAR1()`);
/// - `car1(t | g)`: the same over continuous time, 0 ≤ φ < 1 (`corCAR1`);
/// - `cs(| g)`: a common correlation ρ between any two rows of a group, ρ > −1/(m − 1) for
///   the largest group size m (`corCompSymm`).
public enum CorrelationStructure: Sendable, Equatable, CustomStringConvertible {
    case ar1(time: String?, group: String)
    case car1(time: String?, group: String)
    case compoundSymmetry(group: String)

    /// Parses `ar1(session | person)`, `ar1(| person)`, `car1(time | person)` or `cs(| person)`.
    public init(parsing text: String) throws {
        let t = text.filter { !$0.isWhitespace }
        let usage = "write ar1(OCCASION | GROUP), car1(TIME | GROUP) or cs(| GROUP)"
        guard let open = t.firstIndex(of: "("), t.hasSuffix(")") else {
            throw LCError(.invalidArgument, "cannot read the correlation structure '\(text)'; \(usage)")
        }
        let name = String(t[..<open]).lowercased()
        let inside = t[t.index(after: open)..<t.index(before: t.endIndex)]
        let sides = inside.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard sides.count == 2, Self.isColumnName(sides[1]) else {
            throw LCError(.invalidArgument, "the correlation structure '\(text)' needs one grouping column after '|'; \(usage)")
        }
        let time = sides[0].isEmpty || sides[0] == "1" ? nil : sides[0]
        if let time, !Self.isColumnName(time) {
            throw LCError(.invalidArgument, "the occasion of '\(text)' must be a column name, not '\(time)'; \(usage)")
        }
        switch name {
        case "ar1": self = .ar1(time: time, group: sides[1])
        case "car1": self = .car1(time: time, group: sides[1])
        case "cs":
            guard time == nil else {
                throw LCError(.invalidArgument, "compound symmetry has no occasion: write cs(| \(sides[1])), not '\(text)'")
            }
            self = .compoundSymmetry(group: sides[1])
        default:
            throw LCError(.invalidArgument, "unknown correlation structure '\(name)' in '\(text)'; \(usage)")
        }
    }

    private static func isColumnName(_ s: String) -> Bool {
        !s.isEmpty && !s.contains(where: { "()|:*+~,".contains($0) })
    }

    /// `ar1`, `car1` or `cs`.
    public var name: String {
        switch self { case .ar1: return "ar1"; case .car1: return "car1"; case .compoundSymmetry: return "cs" }
    }

    public var group: String {
        switch self { case .ar1(_, let g), .car1(_, let g), .compoundSymmetry(let g): return g }
    }

    /// The occasion column (nil: the row order within each group).
    public var time: String? {
        switch self { case .ar1(let t, _), .car1(let t, _): return t; case .compoundSymmetry: return nil }
    }

    /// nlme's name of the parameter: `phi` (AR(1), CAR(1)) or `rho` (CS).
    public var parameter: String {
        if case .compoundSymmetry = self { return "rho" }
        return "phi"
    }

    /// nlme's call: `corAR1(form = ~ session | person)`.
    public var nlmeName: String {
        let form = "form = ~ \(time ?? "1") | \(group)"
        switch self {
        case .ar1: return "corAR1(\(form))"
        case .car1: return "corCAR1(\(form))"
        case .compoundSymmetry: return "corCompSymm(\(form))"
        }
    }

    /// The columns it reads.
    public var columns: [String] { [time, group].compactMap { $0 } }

    public var description: String { "\(name)(\(time.map { $0 + " " } ?? "")| \(group))" }
}

/// The fitted correlation structure of a model.
public struct CorrelationFit: Sendable {
    public let structure: CorrelationStructure
    /// φ or ρ.
    public let estimate: Double
    /// From the inverse Hessian of the profiled criterion over all covariance parameters
    /// (on nlme's unconstrained scale, carried to φ or ρ by the delta method).
    public let standardError: Double
}
