/// The expected variance σ²_E of responses under "no agreement", the denominator
/// of the rwg family.
///
/// - `uniform`: every option equally likely, σ²_EU = (A² − 1)/12 (James, Demaree & Wolf 1984).
/// - `slightSkew`, `moderateSkew`, `heavySkew`, `triangular`, `normal`: the
///   tabled variances of LeBreton & Senter (2008, Table 3) for A = 5...11.
/// - `variance(v)`: a variance chosen by the user.
public enum NullResponseDistribution: Sendable, Equatable {
    case uniform, slightSkew, moderateSkew, heavySkew, triangular, normal
    case variance(Double)

    /// Accepts the names above in snake_case or kebab-case, or a positive number.
    public init(parsing text: String) throws {
        switch String(text.lowercased().map { $0 == "-" ? "_" : $0 }) {
        case "uniform", "rectangular": self = .uniform
        case "slight_skew": self = .slightSkew
        case "moderate_skew": self = .moderateSkew
        case "heavy_skew": self = .heavySkew
        case "triangular": self = .triangular
        case "normal": self = .normal
        default:
            guard let v = Double(text) else {
                throw LCError(.invalidArgument,
                    "unknown null '\(text)'; use uniform, slight_skew, moderate_skew, heavy_skew, triangular, normal or a variance")
            }
            try self.init(variance: v)
        }
    }

    public init(variance v: Double) throws {
        guard v.isFinite, v > 0 else { throw LCError(.invalidArgument, "a null variance must be a positive number, got \(v)") }
        self = .variance(v)
    }

    public var name: String {
        switch self {
        case .uniform: return "uniform"
        case .slightSkew: return "slight_skew"
        case .moderateSkew: return "moderate_skew"
        case .heavySkew: return "heavy_skew"
        case .triangular: return "triangular"
        case .normal: return "normal"
        case .variance(let v): return "variance \(v)"
        }
    }

    /// LeBreton & Senter (2008), Table 3, rows A = 5...11:
    /// slight, moderate, heavy skew, triangular, normal.
    private static let tabled: [Int: [Double]] = [
        5: [1.34, 0.90, 0.44, 1.32, 1.04],
        6: [1.85, 1.26, 0.69, 1.45, 1.25],
        7: [2.90, 2.14, 1.39, 2.10, 1.40],
        8: [3.47, 2.79, 2.35, 2.81, 1.73],
        9: [5.66, 4.73, 3.16, 3.00, 1.58],
        10: [6.30, 5.09, 3.46, 2.89, 1.45],
        11: [7.31, 6.32, 4.02, 3.32, 1.40],
    ]

    /// σ²_E for a scale of A options.
    public func expectedVariance(options a: Int) throws -> Double {
        let column: Int
        switch self {
        case .variance(let v): return v
        case .uniform: return (Double(a) * Double(a) - 1) / 12
        case .slightSkew: column = 0
        case .moderateSkew: column = 1
        case .heavySkew: column = 2
        case .triangular: column = 3
        case .normal: column = 4
        }
        guard let row = NullResponseDistribution.tabled[a] else {
            throw LCError(.invalidArgument, "the \(name) null is tabled for 5 to 11 response options, not \(a); give a variance instead")
        }
        return row[column]
    }
}
