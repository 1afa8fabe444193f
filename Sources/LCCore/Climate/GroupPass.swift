/// One group's respondents, their scale scores and item tallies, with reusable
/// buffers so that a pass over many groups does not allocate per group.
///
/// When every item is a Likert item stored compactly on a declared scale, the
/// answers are copied once into a row-major byte matrix and each group is one
/// sweep over its rows, counting categories (no sort); otherwise each item is
/// tallied by sorting the group's answers. Both give the same `ItemTally`, and
/// the same scale scores (sums of small integers are exact in a Double).
struct GroupPass {
    private let items: ItemSet
    private let policy: MissingPolicy
    /// Byte storage of each item when it can be counted by category (declared scale, compact column).
    private let categorical: [[Int8]?]
    private let low: Int
    private let options: Int
    /// Row-major answers (`matrix[row * J + j]`) when every item is categorical.
    private let matrix: [Int8]?
    private var counts: [Int]
    private(set) var respondents = 0
    private var scratch: [Double] = []
    private(set) var rows: [Int] = []
    private var scores: [Double] = []
    private(set) var tallies: [ItemTally]
    private(set) var scoreTally = ItemTally()

    init(items: ItemSet, policy: MissingPolicy) {
        self.items = items
        self.policy = policy
        let scale = items.scale
        categorical = items.values.map { column in
            guard scale != nil, case .small(let bytes) = column else { return nil }
            return bytes
        }
        low = Int(scale?.low ?? 0)
        options = scale?.options ?? 0
        counts = [Int](repeating: 0, count: options * items.count)
        tallies = [ItemTally](repeating: ItemTally(), count: items.count)
        matrix = GroupPass.rowMajor(categorical)
    }

    /// The byte columns interleaved by row, or nil unless every item has one.
    private static func rowMajor(_ columns: [[Int8]?]) -> [Int8]? {
        let bytes = columns.compactMap { $0 }
        guard bytes.count == columns.count, let n = bytes.first?.count else { return nil }
        let j = bytes.count
        var m = [Int8](repeating: NumericColumn.smallMissing, count: n * j)
        m.withUnsafeMutableBufferPointer { m in
            for (k, column) in bytes.enumerated() {
                column.withUnsafeBufferPointer { c in
                    for r in 0..<n { m[r * j + k] = c[r] }
                }
            }
        }
        return m
    }

    /// Loads the respondents `members` (row indices) of one group.
    mutating func load(_ members: ArraySlice<Int32>) {
        if let matrix {
            sweep(members, matrix)
            return
        }
        rows.removeAll(keepingCapacity: true)
        scores.removeAll(keepingCapacity: true)
        for r in members {
            // NaN under `listwise` for any missing item, under `available` only when all are missing
            let score = items.scaleScore(Int(r), policy: policy)
            if !score.isNaN {
                rows.append(Int(r))
                scores.append(score)
            }
        }
        for j in 0..<items.count {
            if let bytes = categorical[j] {
                tallyCategories(bytes, into: j)
            } else {
                scratch.removeAll(keepingCapacity: true)
                let column = items.values[j]
                for r in rows {
                    let x = column[r]
                    if !x.isNaN { scratch.append(x) }
                }
                scratch.sort()
                tallies[j].reload(sorted: scratch)
            }
        }
        scores.sort()
        scoreTally.reload(sorted: scores)
        respondents = rows.count
    }

    /// The all-categorical path: one pass over the group's rows of the byte matrix.
    private mutating func sweep(_ members: ArraySlice<Int32>, _ matrix: [Int8]) {
        let j = items.count, a = options, low = self.low, listwise = policy == .listwise
        let missing = NumericColumn.smallMissing
        scores.removeAll(keepingCapacity: true)
        counts.withUnsafeMutableBufferPointer { counts in
            for i in counts.indices { counts[i] = 0 }
            matrix.withUnsafeBufferPointer { m in
                for r in members {
                    let base = Int(r) * j
                    var sum = 0, answered = 0
                    for k in 0..<j where m[base + k] != missing {
                        sum += Int(m[base + k])
                        answered += 1
                    }
                    if answered == 0 || (listwise && answered < j) { continue }
                    scores.append(Double(sum) / Double(answered))
                    for k in 0..<j where m[base + k] != missing {
                        counts[k * a + Int(m[base + k]) - low] += 1
                    }
                }
            }
        }
        for k in 0..<j { tallies[k].reload(counts: counts[(k * a)..<((k + 1) * a)], low: low) }
        respondents = scores.count
        scores.sort()
        scoreTally.reload(sorted: scores)
    }

    private mutating func tallyCategories(_ bytes: [Int8], into j: Int) {
        for i in counts.indices { counts[i] = 0 }
        for r in rows {
            let c = bytes[r]
            if c != NumericColumn.smallMissing { counts[Int(c) - low] += 1 }
        }
        tallies[j].reload(counts: counts[0..<options], low: low)
    }
}
