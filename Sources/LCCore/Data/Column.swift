/// The values of one column. Numbers are a `NumericColumn` (NaN for a missing value);
/// text is dictionary-encoded (`codes` index into `levels`, -1 for missing), so
/// a million rows of group labels cost four bytes each; `integers` are 64-bit
/// integers kept exactly (ids such as 10¹⁷ + i, which a double would merge),
/// `Int64.min` marking a missing value.
public enum ColumnValues: Sendable, Equatable {
    case numeric(NumericColumn)
    case labels(codes: [Int32], levels: [String])
    case integers([Int64])

    /// The missing value of an `integers` column (R's `NA_integer_` is the 32-bit minimum likewise).
    public static let missingInteger = Int64.min

    public var count: Int {
        switch self {
        case .numeric(let v): return v.count
        case .labels(let codes, _): return codes.count
        case .integers(let v): return v.count
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
    /// For numeric columns: the labels of values (SPSS and Stata value labels). The values stay
    /// numbers (as haven's `labelled` vectors); as a group key the column prints its labels.
    public let valueLabels: [Double: String]

    public init(name: String, values: ColumnValues, firstNonNumeric: CellLocation? = nil, levelOrder: LevelOrder = .sorted,
                valueLabels: [Double: String] = [:]) {
        self.name = name
        self.values = values
        self.firstNonNumeric = firstNonNumeric
        self.levelOrder = levelOrder
        self.valueLabels = valueLabels
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

extension Column {
    /// The column's values row by row for a result table, typed as they are: whole numbers
    /// and 64-bit integers as integers when none is missing, other numbers as doubles (NaN
    /// for missing), text as text ("" for missing; integers with a missing value, too).
    public var resultValues: ResultTable.Values {
        switch values {
        case .numeric(let v):
            return .numbers(v.doubles)
        case .integers(let v):
            if !v.contains(ColumnValues.missingInteger) { return .int(v) }
            return .text(v.map { $0 == ColumnValues.missingInteger ? "" : String($0) })
        case .labels(let codes, let levels):
            return .text(codes.map { $0 >= 0 && Int($0) < levels.count ? levels[Int($0)] : "" })
        }
    }
}
