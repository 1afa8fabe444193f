/// Accumulates one CSV column while the file streams past: numbers while every
/// cell is a number, then dictionary-encoded text from the first cell that is not.
struct ColumnBuilder {
    let name: String
    private(set) var numbers: [Double] = []
    private(set) var isText = false
    private var codes: [Int32] = []
    private var levels: [String] = []
    private var levelIndex: [String: Int32] = [:]
    private(set) var firstNonNumeric: CellLocation?

    init(name: String, reserve: Int) {
        self.name = name
        numbers.reserveCapacity(reserve)
    }

    mutating func appendMissing() {
        if isText { codes.append(-1) } else { numbers.append(.nan) }
    }

    mutating func appendNumber(_ v: Double) {
        if isText { appendText(labelText(v)) } else { numbers.append(v) }
    }

    /// Appends a label; the first one turns the column textual, re-labelling
    /// the numbers seen so far as R's `read.csv` would print them.
    mutating func appendText(_ s: String, line: Int = 0) {
        if !isText {
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
        return Column(name: name, values: .numeric(numbers))
    }
}
