/// How to read a delimited text file.
///
/// Defaults follow R's `read.csv` where a choice exists: a header row, empty
/// fields and `NA` are missing, blank lines are skipped.
public struct CSVOptions: Sendable, Equatable {
    /// Field delimiter (`,` `;` or tab). `nil` detects it from the header line:
    /// the most frequent of the three outside quotes, `,` on a tie.
    public var delimiter: UInt8?
    /// Decimal separator is a comma (SPSS exports in Dutch or German locales).
    /// `nil` means: comma when the delimiter is `;`, point otherwise.
    public var decimalComma: Bool?
    /// Cell texts (after trimming blanks) that mean "missing", e.g. `["", "NA", "-99"]`.
    public var missing: [String]
    /// Only these columns are kept (others are checked for shape but not parsed);
    /// `nil` keeps every column. Naming an absent column is an `unknownColumn` error.
    public var columns: [String]?
    /// The file's character encoding (`TextEncoding`); other than UTF-8 it is transcoded first.
    public var encoding: TextEncoding

    public init(delimiter: UInt8? = nil, decimalComma: Bool? = nil,
                missing: [String] = ["", "NA"], columns: [String]? = nil, encoding: TextEncoding = .utf8) {
        self.delimiter = delimiter
        self.decimalComma = decimalComma
        self.missing = missing
        self.columns = columns
        self.encoding = encoding
    }
}

/// Documented input limits, enforced with an `LCError(.limit, ...)`.
public enum InputLimits {
    /// Longest record (one row, including quoted line breaks) in bytes.
    public static let maxRecordBytes = 64 << 20
    /// Most columns in a file.
    public static let maxColumns = 100_000
    /// Most rows in a dataset (row indices are stored as 32-bit integers).
    public static let maxRows = Int(Int32.max) - 1
}
