import Glibc

/// A distribution on finitely many values (sorted, distinct) with weights: the
/// exact null distribution (weights are probabilities) or a simulated one
/// (weights are counts). Undefined draws (NaN, e.g. awg out of range) are counted apart.
public struct DiscreteDistribution: Sendable, Equatable {
    public private(set) var values: [Double] = [], weights: [Double] = []
    public private(set) var undefined = 0.0
    /// Simulated: the SD divides by N − 1 (R's `sd`); exact: by the total probability.
    public let sampled: Bool

    /// From simulated values.
    public init(sample: [Double]) {
        sampled = true
        let finite = sample.filter { !$0.isNaN }.sorted()
        undefined = Double(sample.count - finite.count)
        for v in finite {
            if let last = values.last, last == v { weights[weights.count - 1] += 1 } else { values.append(v); weights.append(1) }
        }
    }

    /// From simulated values counted as they were drawn (`counts[v]` draws of v; `undefined`
    /// NaN draws): the same distribution as `init(sample:)` without keeping every draw.
    public init(counts: [Double: Int], undefined: Int) {
        sampled = true
        self.undefined = Double(undefined)
        values = counts.keys.sorted()
        weights = values.map { Double(counts[$0] ?? 0) }
    }

    /// From (value, probability) pairs in any order; equal values are merged.
    public init(probabilities pairs: [(Double, Double)]) {
        sampled = false
        for (v, p) in pairs.sorted(by: { $0.0 < $1.0 }) {
            if v.isNaN { undefined += p; continue }
            if let last = values.last, last == v { weights[weights.count - 1] += p } else { values.append(v); weights.append(p) }
        }
    }

    public var total: Double { weights.reduce(0, +) }
    public var mean: Double { zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } / total }
    public var sd: Double {
        let m = mean
        let ss = zip(values, weights).reduce(0) { $0 + $1.1 * ($1.0 - m) * ($1.0 - m) }
        return (ss / (sampled ? total - 1 : total)).squareRoot()
    }
    public func probability(of v: Double) -> Double {
        guard let i = values.firstIndex(of: v) else { return 0 }
        return weights[i] / total
    }
    /// The share of undefined draws among all.
    public var undefinedShare: Double { undefined / (total + undefined) }

    /// Cumulative proportions F(v_i).
    private var cumulative: [Double] {
        var acc = 0.0
        let t = total
        return weights.map { acc += $0; return acc / t }
    }

    /// Bliese's rule for agreement indices (multilevel's `quantile` of `agree.sim`
    /// objects): with k the first value whose cumulative proportion reaches q, the next
    /// value v(k+1): the critical value c with P(X ≥ c) ≤ 1 − q.
    public func agreementQuantile(_ q: Double) -> Double {
        let f = cumulative
        guard let k = f.firstIndex(where: { $0 >= q }) else { return values.last ?? .nan }
        return values[min(k + 1, values.count - 1)]
    }

    /// Bliese's rule for disagreement indices (AD; `disagree.sim`): with k the first
    /// value whose cumulative proportion exceeds q, the previous value v(k−1): the
    /// largest c with P(X ≤ c) ≤ q.
    public func disagreementQuantile(_ q: Double) -> Double {
        let f = cumulative
        guard let k = f.firstIndex(where: { $0 > q }) else { return values.last ?? .nan }
        return values[max(k - 1, 0)]
    }

    /// A p-value for an observed agreement c: P(X ≥ c) when exact; from a simulation
    /// (count + 1)/(N + 1) (Davison & Hinkley 1997), never 0.
    public func upperPValue(_ c: Double) -> Double {
        sampled ? (upperTail(c) * total + 1) / (total + 1) : upperTail(c)
    }

    /// A p-value for an observed disagreement c: P(X ≤ c), as `upperPValue`.
    public func lowerPValue(_ c: Double) -> Double {
        sampled ? (lowerTail(c) * total + 1) / (total + 1) : lowerTail(c)
    }

    /// P(X ≥ c), the tail probability of an observed agreement c.
    public func upperTail(_ c: Double) -> Double {
        var s = 0.0
        for (v, w) in zip(values, weights) where v >= c { s += w }
        return s / total
    }

    /// P(X ≤ c), the tail probability of an observed disagreement c.
    public func lowerTail(_ c: Double) -> Double {
        var s = 0.0
        for (v, w) in zip(values, weights) where v <= c { s += w }
        return s / total
    }
}
