/// Rows bucketed by group, in linear time.
///
/// Group labels are ordered as R's `split()` orders them: numeric ids by value,
/// text by byte order (R's C locale). Several key columns form one key, their
/// labels joined by `_` as `paste(a, b, sep = "_")` would. Rows whose key is
/// missing are dropped and counted.
public struct Grouping: Sendable {
    public let labels: [String]
    /// Rows of group g: `order[offsets[g] ..< offsets[g + 1]]`, in file order.
    public let order: [Int32]
    public let offsets: [Int]
    public let droppedRows: Int

    public var count: Int { labels.count }

    @inline(__always)
    public func rows(of g: Int) -> ArraySlice<Int32> { order[offsets[g]..<offsets[g + 1]] }

    /// `separator` joins the labels of several key columns: `_` as multilevel's `paste`,
    /// `:` as R's interaction factors (the grouping factor `a:b` of a mixed model).
    public init(_ data: Dataset, keys: [String], separator: String = "_") throws {
        guard !keys.isEmpty else { throw LCError(.invalidArgument, "name at least one group column") }
        let (codes, labels) = keys.count == 1
            ? try Grouping.codes(for: data.column(keys[0]))
            : try Grouping.compositeCodes(data, keys: keys, separator: separator)
        self.labels = labels
        // counting sort by group code
        var offsets = [Int](repeating: 0, count: labels.count + 1)
        var dropped = 0
        for c in codes {
            if c < 0 { dropped += 1 } else { offsets[Int(c) + 1] += 1 }
        }
        for g in 0..<labels.count { offsets[g + 1] += offsets[g] }
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

    /// Dense codes 0..<G in sorted label order, -1 for a missing key.
    static func codes(for column: Column) throws -> ([Int32], [String]) {
        switch column.values {
        case .labels(let raw, let levels):
            return relabel(raw, levels: levels, by: { $0 < $1 })
        case .numeric(let v):
            return try numericCodes(v.doubles, column: column.name)
        }
    }

    /// Keeps the levels in use, sorted by `less`, and renumbers the codes.
    private static func relabel(_ raw: [Int32], levels: [String], by less: (String, String) -> Bool) -> ([Int32], [String]) {
        var used = [Bool](repeating: false, count: levels.count)
        for c in raw where c >= 0 && Int(c) < levels.count { used[Int(c)] = true }
        let kept = levels.indices.filter { used[$0] }.sorted { less(levels[$0], levels[$1]) }
        var map = [Int32](repeating: -1, count: levels.count)
        for (new, old) in kept.enumerated() { map[old] = Int32(new) }
        let codes = raw.map { c -> Int32 in (c >= 0 && Int(c) < levels.count) ? map[Int(c)] : -1 }
        return (codes, kept.map { levels[$0] })
    }

    private static func numericCodes(_ v: [Double], column: String) throws -> ([Int32], [String]) {
        // Fast path: whole-number ids in a compact range index a table directly.
        var lo = Double.infinity, hi = -Double.infinity, whole = true
        for x in v where !x.isNaN {
            lo = min(lo, x); hi = max(hi, x)
            if x != x.rounded() { whole = false }
        }
        if !lo.isFinite { return (v.map { _ in -1 }, []) }
        // (ids within ±2^53, so they convert to Int exactly)
        if whole && abs(lo) < 9e15 && abs(hi) < 9e15 && hi - lo < Double(max(2 * v.count, 1 << 20)) {
            let base = Int(lo)
            var slot = [Int32](repeating: -1, count: Int(hi - lo) + 1)
            for x in v where !x.isNaN { slot[Int(x) - base] = 0 }
            var labels: [String] = []
            for i in slot.indices where slot[i] == 0 {
                slot[i] = Int32(labels.count)
                labels.append(String(base + i))
            }
            return (v.map { $0.isNaN ? -1 : slot[Int($0) - base] }, labels)
        }
        var index: [Double: Int32] = [:]
        var distinct: [Double] = []
        for x in v where !x.isNaN && index[x] == nil {
            index[x] = 0
            distinct.append(x)
        }
        distinct.sort()
        for (i, x) in distinct.enumerated() { index[x] = Int32(i) }
        return (v.map { $0.isNaN ? -1 : index[$0] ?? -1 }, distinct.map(labelText))
    }

    private static func compositeCodes(_ data: Dataset, keys: [String], separator: String) throws -> ([Int32], [String]) {
        let parts = try keys.map { try codes(for: data.column($0)) }
        var index: [String: Int32] = [:]
        var levels: [String] = []
        var raw = [Int32](repeating: -1, count: data.rowCount)
        for r in 0..<data.rowCount {
            var key = ""
            var missing = false
            for (k, p) in parts.enumerated() {
                let c = p.0[r]
                if c < 0 { missing = true; break }
                if k > 0 { key += separator }
                key += p.1[Int(c)]
            }
            if missing { continue }
            if let c = index[key] { raw[r] = c } else {
                let c = Int32(levels.count)
                index[key] = c
                levels.append(key)
                raw[r] = c
            }
        }
        return relabel(raw, levels: levels, by: { $0 < $1 })
    }
}
