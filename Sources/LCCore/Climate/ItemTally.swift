/// The sufficient statistic of one item in one group: how often each distinct
/// response occurs (for Likert items, the category counts).
///
/// Every agreement index is a function of it (mean, variance, AD about the
/// mean or median, awg), and two tallies of disjoint sets of respondents
/// `merge` exactly, so chunks, threads or machines can each count and add up.
public struct ItemTally: Sendable, Equatable {
    /// Distinct responses in increasing order, with their counts (all > 0).
    public private(set) var values: [Double]
    public private(set) var counts: [Int]

    public init() {
        values = []
        counts = []
    }

    /// Tallies `x` (NaN = missing is skipped). Sorts a copy: O(k log k) for k answers.
    public init<S: Sequence>(_ x: S) where S.Element == Double {
        self.init(sorted: x.filter { !$0.isNaN }.sorted())
    }

    /// Run-length encodes already sorted, non-missing responses.
    init(sorted: some Collection<Double>) {
        values = []
        counts = []
        reload(sorted: sorted)
    }

    /// Replaces the tally by that of `sorted`, keeping the storage (no allocation in a loop over groups).
    mutating func reload(sorted: some Collection<Double>) {
        values.removeAll(keepingCapacity: true)
        counts.removeAll(keepingCapacity: true)
        for v in sorted {
            if let last = values.last, last == v {
                counts[counts.count - 1] += 1
            } else {
                values.append(v)
                counts.append(1)
            }
        }
    }

    /// Replaces the tally by category counts: `counts[i]` answers of `low + i`.
    mutating func reload(counts dense: ArraySlice<Int>, low: Int) {
        values.removeAll(keepingCapacity: true)
        counts.removeAll(keepingCapacity: true)
        for (i, c) in dense.enumerated() where c > 0 {
            values.append(Double(low + i))
            counts.append(c)
        }
    }

    /// The number of answers, n.
    public var n: Int { counts.reduce(0, +) }

    /// Adds another tally of different respondents: the result equals the tally of the union.
    public func merging(_ other: ItemTally) -> ItemTally {
        var out = ItemTally()
        var i = 0, j = 0
        while i < values.count || j < other.values.count {
            if j >= other.values.count || (i < values.count && values[i] < other.values[j]) {
                out.values.append(values[i]); out.counts.append(counts[i]); i += 1
            } else if i >= values.count || other.values[j] < values[i] {
                out.values.append(other.values[j]); out.counts.append(other.counts[j]); j += 1
            } else {
                out.values.append(values[i]); out.counts.append(counts[i] + other.counts[j]); i += 1; j += 1
            }
        }
        return out
    }

    /// Mean, Σ c·v / n.
    public var mean: Double {
        var s = 0.0
        for (v, c) in zip(values, counts) { s += Double(c) * v }
        return s / Double(n)
    }

    /// Sum of squared deviations from the mean, Σ c·(v − mean)², by the two-pass formula.
    public var sumOfSquares: Double {
        let m = mean
        var s = 0.0
        for (v, c) in zip(values, counts) { s += Double(c) * (v - m) * (v - m) }
        return s
    }

    /// Sample variance s² = Σ c·(v − mean)² / (n − 1), as R's `var`; NaN for n < 2.
    public var variance: Double {
        let k = n
        return k < 2 ? .nan : sumOfSquares / Double(k - 1)
    }

    /// Median as R computes it: the middle value, or the mean of the two middle values.
    public var median: Double {
        let k = n
        guard k > 0 else { return .nan }
        let lo = valueAt(rank: (k - 1) / 2), hi = valueAt(rank: k / 2)
        return (lo + hi) / 2
    }

    /// The value at 0-based rank `r` in the sorted responses.
    private func valueAt(rank r: Int) -> Double {
        var seen = 0
        for (v, c) in zip(values, counts) {
            seen += c
            if r < seen { return v }
        }
        return values.last ?? .nan
    }

    /// Mean absolute deviation about `center`, Σ c·|v − center| / n (Burke, Finkelstein & Dusig 1999).
    public func meanAbsoluteDeviation(about center: Double) -> Double {
        var s = 0.0
        for (v, c) in zip(values, counts) { s += Double(c) * abs(v - center) }
        return s / Double(n)
    }
}
