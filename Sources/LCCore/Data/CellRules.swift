/// How one CSV cell becomes a value: missing codes, the decimal separator,
/// and the errors for cells that look numeric but are not usable numbers.
struct CellRules {
    let missingText: Set<String>
    /// Missing codes that are numbers (`-99`), matched by value so `-99.0` counts too.
    let missingNumbers: Set<Double>
    let emptyIsMissing: Bool
    let decimalComma: Bool

    init(missing: [String], decimalComma: Bool) {
        missingText = Set(missing)
        emptyIsMissing = missingText.contains("")
        self.decimalComma = decimalComma
        var numbers = Set<Double>()
        for code in missing {
            let bytes = Array(code.utf8)
            let parsed = bytes.withUnsafeBufferPointer { b -> ParsedCell in
                guard let base = b.baseAddress else { return .notANumber }
                return parseNumber(base, b.count, decimalComma: decimalComma)
            }
            if case .number(let v) = parsed { numbers.insert(v) }
        }
        missingNumbers = numbers
    }

    /// A quoted number is a number, as R's `read.csv` and pandas read it (`"1","2"` from
    /// tools that quote every field); a quoted empty field is missing like an empty one.
    @inline(__always)
    func add(_ p: UnsafePointer<UInt8>, _ n: Int, quoted: Bool, to b: inout ColumnBuilder, line: Int) throws {
        if !b.isText {
            if n == 0 && emptyIsMissing { b.appendMissing(); return }
            switch parseNumber(p, n, decimalComma: decimalComma) {
            case .number where CellRules.hasLeadingZeros(p, n):
                break       // `007`: an id written with leading zeros is text, kept exactly (never 7, never merged with 7)
            case .number(let v) where abs(v) >= CellRules.exactIntegers && CellRules.isInteger(p, n):
                // an integer a Double cannot hold exactly (an id): a 64-bit integer, or its text beyond those
                if let i = CellRules.integer(p, n) { b.appendInteger(i, line: line); return }
            case .number(let v):
                if missingNumbers.contains(v) { b.appendMissing() } else { b.appendNumber(v) }
                return
            case .nonFinite where !quoted:
                let text = try CSVReader.decodeText(p, n, quoted: false, line: line)
                throw LCError(.nonFinite, "column '\(b.name)', line \(line): '\(text)' is not a finite number")
            case .wrongDecimal where !quoted:
                let text = try CSVReader.decodeText(p, n, quoted: false, line: line)
                throw LCError(.parse, decimalComma
                    ? "column '\(b.name)', line \(line): '\(text)' uses a decimal point, but the file uses decimal commas"
                    : "column '\(b.name)', line \(line): '\(text)' uses a decimal comma; read the file with a decimal comma")
            default:
                break     // text; a quoted cell that is not a plain number is text, whatever it looks like
            }
        }
        try addText(p, n, quoted: quoted, to: &b, line: line)
    }

    /// 2⁵³: from here on not every integer has its own Double (9007199254740993 reads as …992).
    static let exactIntegers = 9_007_199_254_740_992.0

    /// Whether the cell is an integer literal: an optional sign, then digits only.
    static func isInteger(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = n > 0 && (p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+")) ? 1 : 0
        guard i < n else { return false }
        while i < n { guard p[i] >= 48 && p[i] <= 57 else { return false }; i += 1 }
        return true
    }

    /// Whether the cell is an integer literal with a leading zero before another digit (`007`, `-01`).
    static func hasLeadingZeros(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let i = n > 0 && (p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+")) ? 1 : 0
        return n - i >= 2 && p[i] == UInt8(ascii: "0") && isInteger(p, n)
    }

    /// The integer literal's value, when it fits 64 bits.
    static func integer(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        Int64(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
    }

    private func addText(_ p: UnsafePointer<UInt8>, _ n: Int, quoted: Bool, to b: inout ColumnBuilder, line: Int) throws {
        let text = try CSVReader.decodeText(p, n, quoted: quoted, line: line)
        if missingText.contains(text) { b.appendMissing(); return }
        if text.utf8.count > 1 << 20 {
            throw LCError(.limit, "column '\(b.name)', line \(line): a cell of \(text.utf8.count) bytes is longer than 1 MiB")
        }
        b.appendText(text, line: line)
    }
}
