/// The numbers of a column, stored compactly when they allow it.
///
/// Likert answers are whole numbers in a small range, so `small` keeps them in
/// one byte a cell (8 times less memory than `Double`, which is what lets a
/// million-row file be analysed in less memory than three times its size).
/// Any other number is kept as `doubles`. Missing is NaN, or `Int8.min` in `small`.
public enum NumericColumn: Sendable, Equatable {
    case doubles([Double])
    /// Whole numbers in -127...127; `Int8.min` marks a missing value.
    case small([Int8])

    static let smallMissing = Int8.min

    /// The storage a whole number in -127...127 (or NaN) fits.
    @inline(__always)
    static func fitsSmall(_ x: Double) -> Bool {
        x.isNaN || (x >= -127 && x <= 127 && x == x.rounded(.towardZero))
    }

    /// `v` in the most compact storage that holds it exactly.
    public static func compact(_ v: [Double]) -> NumericColumn {
        guard v.allSatisfy(fitsSmall) else { return .doubles(v) }
        return .small(v.map { $0.isNaN ? smallMissing : Int8($0) })
    }

    public var count: Int {
        switch self {
        case .doubles(let v): return v.count
        case .small(let v): return v.count
        }
    }

    @inline(__always)
    public subscript(i: Int) -> Double {
        switch self {
        case .doubles(let v): return v[i]
        case .small(let v):
            let c = v[i]
            return c == NumericColumn.smallMissing ? .nan : Double(c)
        }
    }

    /// All values as doubles (no copy for `doubles`).
    public var doubles: [Double] {
        switch self {
        case .doubles(let v): return v
        case .small(let v): return v.map { $0 == NumericColumn.smallMissing ? .nan : Double($0) }
        }
    }

    /// The column with `f` applied to every non-missing value, kept compact when the results allow.
    public func mapValues(_ f: (Double) -> Double) -> NumericColumn {
        if case .small(let v) = self {
            var out = [Int8](repeating: NumericColumn.smallMissing, count: v.count)
            for (i, c) in v.enumerated() where c != NumericColumn.smallMissing {
                let y = f(Double(c))
                guard NumericColumn.fitsSmall(y) else { return .doubles(doubles.map { $0.isNaN ? $0 : f($0) }) }
                out[i] = Int8(y)
            }
            return .small(out)
        }
        return .doubles(doubles.map { $0.isNaN ? $0 : f($0) })
    }
}
