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

/// How the levels of a text column are ordered when it becomes a factor.
public enum LevelOrder: Sendable, Equatable {
    /// Sorted labels (byte order, R's C locale): a text column read from a file.
    case sorted
    /// The order of `levels` as given: a categorical (pandas `Categorical`), unordered
    /// (treatment contrasts) or ordered (polynomial contrasts, R's `ordered`).
    case given(ordered: Bool)
}

/// A named column of a `Dataset`. `firstNonNumeric` remembers the first cell
/// that made a CSV column textual, so an analysis that needs numbers can say where.
public struct Column: Sendable, Equatable {
    public let name: String
    public let values: ColumnValues
    public let firstNonNumeric: CellLocation?
    /// For text columns: whether the levels' own order is the factor's order.
    public let levelOrder: LevelOrder

    public init(name: String, values: ColumnValues, firstNonNumeric: CellLocation? = nil, levelOrder: LevelOrder = .sorted) {
        self.name = name
        self.values = values
        self.firstNonNumeric = firstNonNumeric
        self.levelOrder = levelOrder
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
