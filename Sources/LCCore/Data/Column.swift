/// The values of one column. Numbers are a `NumericColumn` (NaN for a missing value);
/// text is dictionary-encoded (`codes` index into `levels`, -1 for missing), so
/// a million rows of group labels cost four bytes each.
public enum ColumnValues: Sendable, Equatable {
    case numeric(NumericColumn)
    case labels(codes: [Int32], levels: [String])

    public var count: Int {
        switch self {
        case .numeric(let v): return v.count
        case .labels(let codes, _): return codes.count
        }
    }
}

/// A named column of a `Dataset`. `firstNonNumeric` remembers the first cell
/// that made a CSV column textual, so an analysis that needs numbers can say where.
public struct Column: Sendable, Equatable {
    public let name: String
    public let values: ColumnValues
    public let firstNonNumeric: CellLocation?

    public init(name: String, values: ColumnValues, firstNonNumeric: CellLocation? = nil) {
        self.name = name
        self.values = values
        self.firstNonNumeric = firstNonNumeric
    }
}

/// Where a cell came from, for error messages: the 1-based line of the file
/// (or row of the in-memory input) and the cell's text.
public struct CellLocation: Sendable, Equatable {
    public let line: Int
    public let text: String
    public init(line: Int, text: String) {
        self.line = line
        self.text = text
    }
}
