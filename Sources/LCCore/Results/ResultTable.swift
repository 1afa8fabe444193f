/// The one result shape every analysis returns and every frontend renders:
/// named, typed columns of equal length plus free-text notes (conventions
/// used, rows dropped). Missing numbers are NaN; they print as empty fields
/// in CSV, `null` in JSON and `NaN` in pandas.
public struct ResultTable: Sendable, Equatable {
    public enum Values: Sendable, Equatable {
        case double([Double])
        case int([Int64])
        case text([String])
        /// Flags (`converged`, `singular`, `met`): `true`/`false` in JSON, `TRUE`/`FALSE` in CSV as R writes them.
        case bool([Bool])

        public var count: Int {
            switch self {
            case .double(let v): return v.count
            case .int(let v): return v.count
            case .text(let v): return v.count
            case .bool(let v): return v.count
            }
        }

        /// Numbers as integers when every one is whole (and within ±9·10¹⁵, so exact), else
        /// as doubles: sessions 1, 2, … come back as they were counted.
        public static func numbers(_ d: [Double]) -> Values {
            d.allSatisfy { $0 == $0.rounded() && abs($0) < 9e15 } ? .int(d.map { Int64($0) }) : .double(d)    // (NaN: doubles)
        }

        /// The values at `indices`, in that order.
        public func picking(_ indices: [Int]) -> Values {
            switch self {
            case .int(let v): return .int(indices.map { v[$0] })
            case .double(let v): return .double(indices.map { v[$0] })
            case .text(let v): return .text(indices.map { v[$0] })
            case .bool(let v): return .bool(indices.map { v[$0] })
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
    /// The leading columns that identify a row (a group's key columns), kept by derived tables.
    public private(set) var keys: [String] = []
    /// The columns that are extras (raw values, notes, details) rather than the table's
    /// contract: frontends show them only when asked (`--extra`, `extra=True`). Declared
    /// once, where the table is built; C reads it with `lc_table_column_extra`.
    public private(set) var extras: Set<String> = []

    public init(columns: [Column], notes: [String] = []) {
        self.columns = columns
        self.notes = notes
    }

    /// A table whose rows are identified by the `keys` columns, which come first. A key column
    /// named like one of `columns` (a group column called `n`) is renamed `group_<name>`, with a note.
    public init(keys: [Column], columns: [Column], notes: [String] = []) {
        let taken = Set(columns.map(\.name))
        var notes = notes
        let renamed = keys.map { k -> Column in
            guard taken.contains(k.name) else { return k }
            notes.append("the group column '\(k.name)' is called 'group_\(k.name)' here: the table has a column '\(k.name)'")
            return Column("group_" + k.name, k.values)
        }
        self.init(columns: renamed + columns, notes: notes)
        self.keys = renamed.map(\.name)
    }

    public var rowCount: Int { columns.first?.values.count ?? 0 }

    public func column(named name: String) -> Column? { columns.first { $0.name == name } }

    /// The doubles of column `name` (convenience for tests and frontends).
    public func doubles(_ name: String) -> [Double]? {
        if case .double(let v)? = column(named: name)?.values { return v }
        return nil
    }

    /// The values of a numeric column `name` (doubles, or integers as doubles).
    public func numbers(_ name: String) -> [Double]? {
        switch column(named: name)?.values {
        case .double(let v)?: return v
        case .int(let v)?: return v.map(Double.init)
        default: return nil
        }
    }

    /// The integers of column `name`.
    public func ints(_ name: String) -> [Int64]? {
        if case .int(let v)? = column(named: name)?.values { return v }
        return nil
    }

    /// The flags of column `name`.
    public func bools(_ name: String) -> [Bool]? {
        if case .bool(let v)? = column(named: name)?.values { return v }
        return nil
    }

    /// The texts of column `name`.
    public func texts(_ name: String) -> [String]? {
        if case .text(let v)? = column(named: name)?.values { return v }
        return nil
    }

    /// The table with the named columns declared extras.
    public func markingExtras(_ names: [String]) -> ResultTable {
        var t = self
        t.extras.formUnion(names)
        return t
    }

    /// The table without its extra columns (its contract), keys and notes kept.
    public var contract: ResultTable {
        derived(columns.filter { !extras.contains($0.name) }, notes: notes)
    }

    /// The table with `extra` columns inserted before the column `before` (at the end when
    /// there is none) and `moreNotes` appended; keys are kept.
    public func inserting(_ extra: [Column], before: String, notes moreNotes: [String] = []) -> ResultTable {
        let at = columns.firstIndex { $0.name == before } ?? columns.count
        return derived(Array(columns[..<at]) + extra + columns[at...], notes: notes + moreNotes)
    }

    /// A table of `columns` that keeps this one's key and extra roles for the columns it still has.
    private func derived(_ columns: [Column], notes: [String]) -> ResultTable {
        var t = ResultTable(columns: columns, notes: notes)
        let present = Set(columns.map(\.name))
        (t.keys, t.extras) = (keys.filter(present.contains), extras.intersection(present))
        return t
    }
}
