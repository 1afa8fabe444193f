/// The one result shape every analysis returns and every frontend renders:
/// named, typed columns of equal length plus free-text notes (conventions
/// used, rows dropped). Missing numbers are NaN; they print as empty fields
/// in CSV, `null` in JSON and `NaN` in pandas.
public struct ResultTable: Sendable, Equatable {
    public enum Values: Sendable, Equatable {
        case double([Double])
        case int([Int64])
        case text([String])

        public var count: Int {
            switch self {
            case .double(let v): return v.count
            case .int(let v): return v.count
            case .text(let v): return v.count
            }
        }
    }

    public struct Column: Sendable, Equatable {
        public let name: String
        public let values: Values
        public init(_ name: String, _ values: Values) {
            self.name = name
            self.values = values
        }
    }

    public private(set) var columns: [Column]
    public private(set) var notes: [String]

    public init(columns: [Column], notes: [String] = []) {
        self.columns = columns
        self.notes = notes
    }

    public var rowCount: Int { columns.first?.values.count ?? 0 }

    public func column(named name: String) -> Column? { columns.first { $0.name == name } }

    /// The doubles of column `name` (convenience for tests and frontends).
    public func doubles(_ name: String) -> [Double]? {
        if case .double(let v)? = column(named: name)?.values { return v }
        return nil
    }

    /// The integers of column `name`.
    public func ints(_ name: String) -> [Int64]? {
        if case .int(let v)? = column(named: name)?.values { return v }
        return nil
    }

    /// The texts of column `name`.
    public func texts(_ name: String) -> [String]? {
        if case .text(let v)? = column(named: name)?.values { return v }
        return nil
    }

    /// The table restricted to the named columns, in that order (unknown names are skipped).
    public func selecting(_ names: [String]) -> ResultTable {
        ResultTable(columns: names.compactMap { column(named: $0) }, notes: notes)
    }
}
