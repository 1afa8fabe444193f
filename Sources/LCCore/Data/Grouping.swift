/// Rows bucketed by group, in linear time.
///
/// A key is a key: it is compared as what it is, never through a double or a
/// joined string. Groups are ordered as R's `split()` orders a factor: numeric
/// ids by value, 64-bit integer ids by value, text by byte order (R's C locale),
/// a categorical by its own category order. Several key columns form one tuple
/// key, ordered by the first column, then the second, …; `(x_y, z)` and
/// `(x, y_z)` are two groups. Rows whose key is missing are dropped and counted.
public struct Grouping: Sendable {
    /// A readable label per group: the key columns' labels joined by the separator
    /// (for messages and for lme4's `a:b` level names; never used to tell groups apart).
    public let labels: [String]
    /// The key columns' names and, per group, their values typed as the columns are:
    /// 64-bit integers (integer columns and whole-number ids), other numbers, or text.
    public let keyNames: [String]
    public let keyValues: [ResultTable.Values]
    /// Rows of group g: `order[offsets[g] ..< offsets[g + 1]]`, in file order.
    public let order: [Int32]
    public let offsets: [Int]
    public let droppedRows: Int

    public var count: Int { labels.count }

    @inline(__always)
    public func rows(of g: Int) -> ArraySlice<Int32> { order[offsets[g]..<offsets[g + 1]] }

    /// `separator` joins the labels of several key columns in `labels`: `_` as multilevel's
    /// `paste`, `:` as R's interaction factors (the grouping factor `a:b` of a mixed model).
    public init(_ data: Dataset, keys: [String], separator: String = "_") throws {
        guard !keys.isEmpty else { throw LCError(.invalidArgument, "name at least one group column") }
        let parts = try keys.map { try Grouping.key(of: data.column($0)) }
        let (codes, representative) = Grouping.tuples(parts.map(\.codes), rows: data.rowCount)
        self.init(codes: codes, groups: representative.count,
                  labels: representative.map { r in parts.map { $0.labels[Int($0.codes[r])] }.joined(separator: separator) },
                  keyNames: keys, keyValues: parts.map { p in p.values.picking(representative.map { Int(p.codes[$0]) }) })
    }

    /// Groups given by a code per row: the codes in use of `0..<count` (-1: no group),
    /// in code order; the key (`cell`) of each group is its code. For an analysis that
    /// groups rows by a combination it computes itself (group × wave cells).
    public init(rowCodes: [Int32], count: Int) {
        var used = [Int32](repeating: -1, count: count)
        for c in rowCodes where c >= 0 && Int(c) < count { used[Int(c)] = 0 }
        var kept: [Int64] = []
        for c in 0..<count where used[c] == 0 {
            used[c] = Int32(kept.count)
            kept.append(Int64(c))
        }
        self.init(codes: rowCodes.map { $0 >= 0 && Int($0) < count ? used[Int($0)] : -1 }, groups: kept.count,
                  labels: kept.map { String($0) }, keyNames: ["cell"], keyValues: [.int(kept)])
    }

    /// Buckets rows by dense group codes `0..<groups` (-1: no group).
    private init(codes: [Int32], groups: Int, labels: [String], keyNames: [String], keyValues: [ResultTable.Values]) {
        self.labels = labels
        self.keyNames = keyNames
        self.keyValues = keyValues
        // counting sort by group code
        var offsets = [Int](repeating: 0, count: groups + 1)
        var dropped = 0
        for c in codes {
            if c < 0 { dropped += 1 } else { offsets[Int(c) + 1] += 1 }
        }
        for g in 0..<groups { offsets[g + 1] += offsets[g] }
        var next = offsets
        var order = [Int32](repeating: 0, count: codes.count - dropped)
        for (r, c) in codes.enumerated() where c >= 0 {
            order[next[Int(c)]] = Int32(truncatingIfNeeded: r)
            next[Int(c)] += 1
        }
        self.order = order
        self.offsets = offsets
        self.droppedRows = dropped
    }

    /// The key columns of groups `ids` (all groups, in order, when nil) for a result table:
    /// one column `group` for one key column, else one column per key column under its own name.
    public func keyColumns(_ ids: [Int]? = nil) -> [ResultTable.Column] {
        zip(Grouping.columnNames(keyNames), keyValues).map { name, v in .init(name, ids.map { v.picking($0) } ?? v) }
    }

    /// The names key columns `keys` have in a result: `group` for one, else their own.
    public static func columnNames(_ keys: [String]) -> [String] { keys.count == 1 ? ["group"] : keys }

    /// The group code of every row (-1 where the key is missing).
    public func groupOfRow(rows: Int) -> [Int32] {
        var out = [Int32](repeating: -1, count: rows)
        for g in 0..<count { for r in self.rows(of: g) { out[Int(r)] = Int32(g) } }
        return out
    }

    /// One key column: dense codes 0..<G in group order (-1 for missing), a label per code
    /// and the typed value per code.
    struct KeyColumn {
        var codes: [Int32]
        var labels: [String]
        var values: ResultTable.Values
    }

    /// Dense codes 0..<G in group order, -1 for a missing key, and the labels of the codes.
    static func codes(for column: Column) throws -> ([Int32], [String]) {
        let k = try key(of: column)
        return (k.codes, k.labels)
    }

    static func key(of column: Column) throws -> KeyColumn {
        switch column.values {
        case .labels(let raw, let levels):
            let (codes, kept) = column.levelOrder == .sorted
                ? relabel(raw, levels: levels.count) { levels[$0] < levels[$1] }
                : relabel(raw, levels: levels.count) { $0 < $1 }
            let labels = kept.map { levels[$0] }
            return KeyColumn(codes: codes, labels: labels, values: .text(labels))
        case .numeric(let v):
            let k = numericKey(v.doubles)
            guard !column.valueLabels.isEmpty else { return k }
            // value labels name the groups (a value without one keeps its number; two values
            // with one label stay two groups, each label then marked with its value)
            let numbers: [Double]
            switch k.values {
            case .int(let ids): numbers = ids.map(Double.init)
            case .double(let d): numbers = d
            default: numbers = []
            }
            var labels = numbers.map { column.valueLabels[$0] ?? labelText($0) }
            let counts = Dictionary(labels.map { ($0, 1) }, uniquingKeysWith: +)
            for (i, l) in labels.enumerated() where (counts[l] ?? 0) > 1 { labels[i] = l + " (" + labelText(numbers[i]) + ")" }
            return KeyColumn(codes: k.codes, labels: labels, values: .text(labels))
        case .integers(let v):
            var distinct = Array(Set(v.lazy.filter { $0 != ColumnValues.missingInteger }))
            distinct.sort()
            var index: [Int64: Int32] = [:]
            index.reserveCapacity(distinct.count)
            for (i, x) in distinct.enumerated() { index[x] = Int32(i) }
            return KeyColumn(codes: v.map { index[$0] ?? -1 }, labels: distinct.map { String($0) },
                             values: .int(distinct))
        }
    }

    /// Keeps the codes in use, ordered by `less` on the old codes, and renumbers them.
    private static func relabel(_ raw: [Int32], levels: Int, by less: (Int, Int) -> Bool) -> ([Int32], [Int]) {
        var used = [Bool](repeating: false, count: levels)
        for c in raw where c >= 0 && Int(c) < levels { used[Int(c)] = true }
        let kept = (0..<levels).filter { used[$0] }.sorted(by: less)
        var map = [Int32](repeating: -1, count: levels)
        for (new, old) in kept.enumerated() { map[old] = Int32(new) }
        return (raw.map { c -> Int32 in (c >= 0 && Int(c) < levels) ? map[Int(c)] : -1 }, kept)
    }

    /// Numeric ids by value; whole numbers become integer keys, others stay doubles.
    private static func numericKey(_ v: [Double]) -> KeyColumn {
        var lo = Double.infinity, hi = -Double.infinity, whole = true
        for x in v where !x.isNaN {
            lo = min(lo, x); hi = max(hi, x)
            if x != x.rounded() { whole = false }
        }
        if !lo.isFinite { return KeyColumn(codes: v.map { _ in -1 }, labels: [], values: .int([])) }
        // Fast path: whole-number ids (within ±2^53, so exact as Int) in a compact range index a table directly.
        if whole && abs(lo) < 9e15 && abs(hi) < 9e15 && hi - lo < Double(max(2 * v.count, 1 << 20)) {
            let base = Int(lo)
            var slot = [Int32](repeating: -1, count: Int(hi - lo) + 1)
            for x in v where !x.isNaN { slot[Int(x) - base] = 0 }
            var ids: [Int64] = []
            for i in slot.indices where slot[i] == 0 {
                slot[i] = Int32(ids.count)
                ids.append(Int64(base + i))
            }
            return KeyColumn(codes: v.map { $0.isNaN ? -1 : slot[Int($0) - base] }, labels: ids.map { String($0) },
                             values: .int(ids))
        }
        var index: [Double: Int32] = [:]
        var distinct: [Double] = []
        for x in v where !x.isNaN && index[x] == nil {
            index[x] = 0
            distinct.append(x)
        }
        distinct.sort()
        for (i, x) in distinct.enumerated() { index[x] = Int32(i) }
        let asIntegers = whole && distinct.allSatisfy { abs($0) < 9.2e18 }
        return KeyColumn(codes: v.map { $0.isNaN ? -1 : index[$0] ?? -1 }, labels: distinct.map(labelText),
                         values: asIntegers ? .int(distinct.map { Int64($0) }) : .double(distinct))
    }

    /// Tuple keys: rows' codes over several key columns folded, column by column, into
    /// dense codes ordered by the first column, then the next (lexicographic), with one
    /// representative row per group. Each fold's pair code is below rows², so it never overflows.
    static func tuples(_ columns: [[Int32]], rows: Int) -> (codes: [Int32], representative: [Int]) {
        var codes = columns[0]
        var width = Int64((codes.max() ?? -1) + 1)
        for next in columns.dropFirst() {
            let nextWidth = Int64((next.max() ?? -1) + 1)
            var pairs = [Int64](repeating: -1, count: rows)
            var used = Set<Int64>()
            for r in 0..<rows where codes[r] >= 0 && next[r] >= 0 {
                pairs[r] = Int64(codes[r]) * nextWidth + Int64(next[r])
                used.insert(pairs[r])
            }
            let sorted = used.sorted()
            var dense: [Int64: Int32] = [:]
            dense.reserveCapacity(sorted.count)
            for (i, p) in sorted.enumerated() { dense[p] = Int32(i) }
            codes = pairs.map { $0 < 0 ? -1 : dense[$0] ?? -1 }
            width = Int64(sorted.count)
        }
        var representative = [Int](repeating: -1, count: Int(width))
        for (r, c) in codes.enumerated() where c >= 0 && representative[Int(c)] < 0 { representative[Int(c)] = r }
        return (codes, representative)
    }
}
