/// How incomplete respondents enter a group's agreement indices.
public enum MissingPolicy: String, Sendable, CaseIterable {
    /// Every available answer, item by item (R multilevel 2.8's `rwg.j`).
    case available
    /// Only respondents who answered every item (R multilevel 2.7, `na.exclude`).
    case listwise
}

/// The item columns of an analysis, checked and prepared: numeric, finite,
/// inside the declared scale, reverse-coded where asked.
public struct ItemSet: Sendable {
    public let names: [String]
    /// Column-major: `values[j][row]`, NaN for missing.
    public let values: [NumericColumn]
    public let scale: ResponseScale?

    public init(_ data: Dataset, items: [String], scale: ResponseScale?, reverse: [String] = []) throws {
        guard !items.isEmpty else { throw LCError(.invalidArgument, "name at least one item column") }
        var seen = Set<String>()
        for i in items where !seen.insert(i).inserted {
            throw LCError(.invalidArgument, "item '\(i)' is named twice")
        }
        for r in reverse where !seen.contains(r) {
            throw LCError(.invalidArgument, "reverse-coded item '\(r)' is not among the items")
        }
        if !reverse.isEmpty && scale == nil {
            throw LCError(.invalidArgument, "reverse coding needs the response scale (low:high)")
        }
        let flip = Set(reverse)
        var values: [NumericColumn] = []
        values.reserveCapacity(items.count)
        for name in items {
            var v = try data.numeric(name)
            for r in 0..<v.count {
                let x = v[r]
                if x.isNaN { continue }
                guard x.isFinite else {
                    throw LCError(.nonFinite, "column '\(name)', data row \(r + 1): \(x) is not a finite number")
                }
                if let s = scale, x < s.low || x > s.high {
                    throw LCError(.outOfScale,
                        "column '\(name)', data row \(r + 1): \(labelText(x)) lies outside the scale \(labelText(s.low)):\(labelText(s.high))")
                }
            }
            if flip.contains(name), let s = scale { v = v.mapValues(s.reversed) }
            values.append(v)
        }
        self.names = items
        self.values = values
        self.scale = scale
    }

    public var count: Int { names.count }

    /// Whether respondent `row` answered every item.
    @inline(__always)
    public func isComplete(_ row: Int) -> Bool {
        for j in values.indices where values[j][row].isNaN { return false }
        return true
    }

    /// The respondent's scale score: the mean of the items used under `policy`
    /// (any available item, or all items), NaN when there is none.
    @inline(__always)
    public func scaleScore(_ row: Int, policy: MissingPolicy) -> Double {
        var s = 0.0, n = 0
        for j in values.indices {
            let x = values[j][row]
            if x.isNaN {
                if policy == .listwise { return .nan }
            } else {
                s += x; n += 1
            }
        }
        return n == 0 ? .nan : s / Double(n)
    }
}
