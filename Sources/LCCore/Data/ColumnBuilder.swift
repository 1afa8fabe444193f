/// Accumulates one CSV column while the file streams past: small whole numbers
/// in one byte each while they last, then doubles, then dictionary-encoded text
/// from the first cell that is not a number. An integer a double cannot hold
/// (an id beyond 2^53) turns a column of whole numbers into 64-bit integers.
struct ColumnBuilder {
    let name: String
    private var small: [Int8] = []
    private var isSmall = true
    private var numbers: [Double] = []
    private var integers: [Int64] = []
    private var isInteger = false
    private(set) var isText = false
    private var codes: [Int32] = []
    private var levels: [String] = []
    private var levelIndex: [String: Int32] = [:]
    private(set) var firstNonNumeric: CellLocation?

    init(name: String, reserve: Int) {
        self.name = name
        small.reserveCapacity(reserve)
    }

    mutating func appendMissing() {
        if isText { codes.append(-1) } else if isInteger { integers.append(ColumnValues.missingInteger) }
        else if isSmall { small.append(NumericColumn.smallMissing) } else { numbers.append(.nan) }
    }

    /// An integer beyond 2^53, exact: the column becomes 64-bit integers while its
    /// numbers are whole, else the integer is a label like any other text.
    mutating func appendInteger(_ v: Int64, line: Int) {
        if !isText && !isInteger {
            if isSmall { promoteToDoubles() }
            if let whole = ColumnValues.numeric(.doubles(numbers)).asIntegers {
                integers = whole
                numbers = []
                isInteger = true
            }
        }
        if isInteger { integers.append(v) } else { appendText(String(v), line: line) }
    }

    @inline(__always)
    mutating func appendNumber(_ v: Double) {
        if isInteger {
            // (numbers reaching here are below 2^53, so a whole one converts exactly)
            if v == v.rounded() { integers.append(Int64(v)); return }
            appendText(labelText(v))
            return
        }
        if isSmall {
            if v >= -127 && v <= 127 && v == v.rounded(.towardZero) {
                small.append(Int8(v))
                return
            }
            promoteToDoubles()
        }
        if isText { appendText(labelText(v)) } else { numbers.append(v) }
    }

    private mutating func promoteToDoubles() {
        numbers = NumericColumn.small(small).doubles
        small = []
        isSmall = false
    }

    /// Appends a label; the first one turns the column textual, re-labelling
    /// the numbers seen so far as R's `read.csv` would print them.
    mutating func appendText(_ s: String, line: Int = 0) {
        if !isText {
            if isSmall { promoteToDoubles() }
            isText = true
            firstNonNumeric = CellLocation(line: line, text: s)
            let previous = numbers, previousIntegers = integers
            numbers = []
            integers = []
            codes.reserveCapacity(previous.count + previousIntegers.count)
            for v in previous {
                if v.isNaN { codes.append(-1) } else { appendLabel(labelText(v)) }
            }
            for v in previousIntegers {
                if v == ColumnValues.missingInteger { codes.append(-1) } else { appendLabel(String(v)) }
            }
        }
        appendLabel(s)
    }

    private mutating func appendLabel(_ s: String) {
        if let c = levelIndex[s] {
            codes.append(c)
        } else {
            let c = Int32(levels.count)
            levels.append(s)
            levelIndex[s] = c
            codes.append(c)
        }
    }

    func finish() -> Column {
        if isText {
            return Column(name: name, values: .labels(codes: codes, levels: levels), firstNonNumeric: firstNonNumeric)
        }
        if isInteger { return Column(name: name, values: .integers(integers)) }
        return Column(name: name, values: .numeric(isSmall ? .small(small) : .doubles(numbers)))
    }
}
