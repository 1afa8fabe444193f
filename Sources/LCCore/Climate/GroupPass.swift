/// One group's respondents, their scale scores and item tallies, with reusable
/// buffers so that a pass over many groups does not allocate per group.
///
/// Likert items stored compactly on a declared scale are tallied by direct
/// category counting (no sort); other items by sorting the group's answers.
/// Both give the same `ItemTally`.
struct GroupPass {
    private let items: ItemSet
    private let policy: MissingPolicy
    /// Byte storage of each item when it can be counted by category (declared scale, compact column).
    private let categorical: [[Int8]?]
    private let low: Int
    private var counts: [Int]
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
        counts = [Int](repeating: 0, count: scale.map { $0.options } ?? 0)
        tallies = [ItemTally](repeating: ItemTally(), count: items.count)
    }

    /// Loads the respondents `members` (row indices) of one group.
    mutating func load(_ members: ArraySlice<Int32>) {
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
    }

    private mutating func tallyCategories(_ bytes: [Int8], into j: Int) {
        for i in counts.indices { counts[i] = 0 }
        for r in rows {
            let c = bytes[r]
            if c != NumericColumn.smallMissing { counts[Int(c) - low] += 1 }
        }
        tallies[j].reload(counts: counts, low: low)
    }
}
