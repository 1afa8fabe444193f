/// A table of equally long named columns: what the CSV reader, the C ABI and
/// Python hand to every analysis. Immutable once built.
public struct Dataset: Sendable, Equatable {
    public private(set) var columns: [Column] = []
    public private(set) var rowCount: Int = 0
    private var indexByName: [String: Int] = [:]

    public init() {}

    public init(columns: [Column]) throws {
        for c in columns { try add(c) }
    }

    /// Adds a column; its length must match the others and its name must be new and non-empty.
    public mutating func add(_ column: Column) throws {
        guard !column.name.isEmpty else {
            throw LCError(.invalidArgument, "column names must not be empty")
        }
        guard indexByName[column.name] == nil else {
            throw LCError(.invalidArgument, "duplicate column name '\(column.name)'")
        }
        if !columns.isEmpty && column.values.count != rowCount {
            throw LCError(.invalidArgument,
                "column '\(column.name)' has \(column.values.count) rows, the others have \(rowCount)")
        }
        if columns.isEmpty { rowCount = column.values.count }
        indexByName[column.name] = columns.count
        columns.append(column)
    }

    public var columnNames: [String] { columns.map(\.name) }

    /// Hands over column `c` and leaves an empty column in its place (for
    /// consuming a dataset piece by piece; the dataset is unusable afterwards).
    mutating func releaseValues(ofColumn c: Int) -> Column {
        let column = columns[c]
        columns[c] = Column(name: column.name, values: .numeric(.small([])))
        return column
    }

    /// The dataset restricted to `rows` (indices into this one), in that order.
    public func rows(_ rows: [Int]) throws -> Dataset {
        try Dataset(columns: columns.map { c in
            let values: ColumnValues
            switch c.values {
            case .numeric(let v): values = .numeric(.compact(rows.map { v[$0] }))
            case .labels(let codes, let levels): values = .labels(codes: rows.map { codes[$0] }, levels: levels)
            case .integers(let v): values = .integers(rows.map { v[$0] })
            }
            return Column(name: c.name, values: values, firstNonNumeric: c.firstNonNumeric, levelOrder: c.levelOrder)
        })
    }

    /// The column called `name`, or an `unknownColumn` error listing what exists.
    public func column(_ name: String) throws -> Column {
        guard let i = indexByName[name] else {
            let known = columnNames.prefix(20).joined(separator: ", ")
            throw LCError(.unknownColumn, "unknown column '\(name)' (columns: \(known)\(columns.count > 20 ? ", ..." : ""))")
        }
        return columns[i]
    }

    /// The numeric values of `name`; a text column is an error that quotes its first non-number.
    public func numeric(_ name: String) throws -> NumericColumn {
        let c = try column(name)
        switch c.values {
        case .numeric(let v): return v
        case .integers(let v):
            // a double holds every integer up to 2^53 exactly; beyond that the value would change
            if let r = v.firstIndex(where: { $0 != ColumnValues.missingInteger && $0.magnitude > 1 << 53 }) {
                throw LCError(.nonNumeric, "column '\(name)' must be numeric, but row \(r + 1) has the integer \(v[r]), which a double cannot hold exactly; it can be a key (a group, an id, or factor(\(name)) in a formula), not a number")
            }
            return .compact(v.map { $0 == ColumnValues.missingInteger ? .nan : Double($0) })
        case .labels(let codes, let levels) where c.levelOrder != .sorted:
            // a categorical whose categories are numbers (Likert answers as pandas categories) is those numbers
            let numbers = levels.map { Double($0) }
            guard numbers.allSatisfy({ $0?.isFinite == true }) else {
                let bad = levels[numbers.firstIndex { $0?.isFinite != true } ?? 0]
                throw LCError(.nonNumeric, "column '\(name)' must be numeric, but it is a categorical with the category '\(bad.prefix(60))'")
            }
            return .compact(codes.map { $0 < 0 ? .nan : numbers[Int($0)] ?? .nan })
        case .labels:
            if let at = c.firstNonNumeric {
                let why = at.text.count > 1 && at.text.hasPrefix("0") && at.text.allSatisfy(\.isASCIIDigit)
                    ? " (an integer written with leading zeros is read as an id, exactly as written)" : ""
                throw LCError(.nonNumeric, "column '\(name)' must be numeric, but line \(at.line) has '\(at.text.prefix(60))'\(why)")
            }
            throw LCError(.nonNumeric, "column '\(name)' must be numeric, but it holds text labels")
        }
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
