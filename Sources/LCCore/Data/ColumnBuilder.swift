/// Accumulates one CSV column while the file streams past: small whole numbers
/// in one byte each while they last, then doubles, then dictionary-encoded text
/// from the first cell that is not a number.
struct ColumnBuilder {
    let name: String
    private var small: [Int8] = []
    private var isSmall = true
    private var numbers: [Double] = []
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
        if isText { codes.append(-1) } else if isSmall { small.append(NumericColumn.smallMissing) } else { numbers.append(.nan) }
    }

    @inline(__always)
    mutating func appendNumber(_ v: Double) {
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
            let previous = numbers
            numbers = []
            codes.reserveCapacity(previous.capacity)
            for v in previous {
                if v.isNaN { codes.append(-1) } else { appendLabel(labelText(v)) }
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
        return Column(name: name, values: .numeric(isSmall ? .small(small) : .doubles(numbers)))
    }
}
