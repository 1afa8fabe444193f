/// One group's respondents, their scale scores and item tallies, with reusable
/// buffers so that a pass over many groups does not allocate per group.
///
/// When every item is a Likert item stored compactly on a declared scale, a
/// group's answers are gathered into a small row-major byte block and counted
/// by category in one sweep (no sort); otherwise each item is tallied by
/// sorting the group's answers. Both give the same `ItemTally`, and
/// the same scale scores (sums of small integers are exact in a Double).
struct GroupPass {
    private let items: ItemSet
    private let policy: MissingPolicy
    /// Byte storage of each item when it can be counted by category (declared scale, compact column).
    private let categorical: [[Int8]?]
    private let low: Int
    private let options: Int
    /// True when every item is categorical: the one-sweep path.
    private let allCategorical: Bool
    /// One group's answers, row-major (`block[i * J + j]`), reused from group to group.
    private var block: [Int8] = []
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
        allCategorical = !categorical.contains { $0 == nil }
    }

    /// Loads the respondents `members` (row indices) of one group.
    mutating func load(_ members: ArraySlice<Int32>) {
        if allCategorical {
            gather(members)
            sweep(count: members.count)
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

    /// Copies the group's answers into `block`, row-major.
    private mutating func gather(_ members: ArraySlice<Int32>) {
        let j = items.count
        if block.count < members.count * j { block = [Int8](repeating: 0, count: members.count * j * 2) }
        block.withUnsafeMutableBufferPointer { b in
            for (k, column) in categorical.enumerated() {
                column?.withUnsafeBufferPointer { c in
                    for (i, r) in members.enumerated() { b[i * j + k] = c[Int(r)] }
                }
            }
        }
    }

    /// The all-categorical path: one pass over the `count` gathered rows.
    private mutating func sweep(count rowsInGroup: Int) {
        let j = items.count, a = options, low = self.low, listwise = policy == .listwise
        let missing = NumericColumn.smallMissing
        scores.removeAll(keepingCapacity: true)
        counts.withUnsafeMutableBufferPointer { counts in
            for i in counts.indices { counts[i] = 0 }
            block.withUnsafeBufferPointer { m in
                for row in 0..<rowsInGroup {
                    let base = row * j
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
