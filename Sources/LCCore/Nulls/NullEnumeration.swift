import Glibc

/// Exact null distributions by enumeration (Dunlap, Burke & Smith-Crowe 2003).
///
/// Under the uniform null one item's k answers are multinomial(k; 1/A, ..., 1/A):
/// each of the C(k + A − 1, A − 1) category-count vectors c has probability
/// k!/(Π cₒ!) · A⁻ᵏ. Each item contributes integers v, d, m (see
/// `NullDesign.itemIntegers`); items are independent, so the distribution of their
/// sums over J items is the J-fold convolution of one item's, and rwg(J), r*wg(J),
/// AD_M and AD_Md are functions of those sums. awg (a mean of per-item ratios) is
/// exact for one item only.
enum NullEnumeration {
    /// Enumerations and convolutions are refused beyond these sizes (Monte Carlo then).
    static let maxCompositions = 2_000_000.0
    static let maxConvolutionWork = 100_000_000.0

    /// The exact distributions, by statistic, of the ones that are feasible.
    static func distributions(_ design: NullDesign, wanted: Set<NullStatistic> = Set(NullStatistic.allCases))
        -> [NullStatistic: DiscreteDistribution] {
        let (k, a, j) = (design.groupSize, design.options, design.items)
        let patterns = compositions(k, a)
        guard patterns <= maxCompositions else { return [:] }
        // bounds of one item's integers: v ≤ k²(A−1)²/4, d ≤ k²(A−1), m ≤ 2k(A−1)
        let (kd, ad) = (Double(k), Double(a - 1))
        func feasible(_ top: Double) -> Bool {
            Double(j) * Double(j - 1) / 2 * (top + 1) * min(patterns, top + 1) <= maxConvolutionWork
        }
        let sums = (v: feasible(kd * kd * ad * ad / 4) && (wanted.contains(.rwgJ) || wanted.contains(.rwgJLindell)),
                    d: feasible(kd * kd * ad) && wanted.contains(.adM), m: feasible(2 * kd * ad) && wanted.contains(.adMd))
        let awgExact = j == 1 && wanted.contains(.awg)
        guard sums.v || sums.d || sums.m || awgExact else { return [:] }
        var v: [Int: Double] = [:], d: [Int: Double] = [:], m: [Int: Double] = [:], awg: [(Double, Double)] = []
        let logScale = lgamma(Double(k) + 1) - Double(k) * log(Double(a))
        var counts = [Int](repeating: 0, count: a)
        counts.withUnsafeMutableBufferPointer { c in
            guard let base = c.baseAddress else { return }
            forEachComposition(k, a, base) {
                var logP = logScale
                for o in 0..<a { logP -= lgamma(Double(base[o]) + 1) }
                let p = exp(logP)
                let t = design.itemIntegers(UnsafePointer(base))
                v[t.v, default: 0] += p
                d[t.d, default: 0] += p
                m[t.m, default: 0] += p
                if j == 1 { awg.append((design.itemAwg(s: t.s, v: t.v), p)) }
            }
        }
        var out: [NullStatistic: DiscreteDistribution] = [:]
        if sums.v, let sv = convolve(v, times: j) {
            let pairs = sv.map { (design.indices(sumV: $0.key, sumD: 0, sumM: 0), $0.value) }
            out[.rwgJ] = DiscreteDistribution(probabilities: pairs.map { ($0.0.rwgJ, $0.1) })
            out[.rwgJLindell] = DiscreteDistribution(probabilities: pairs.map { ($0.0.lindell, $0.1) })
        }
        if sums.d, let sd = convolve(d, times: j) {
            out[.adM] = DiscreteDistribution(probabilities: sd.map { (design.indices(sumV: 0, sumD: $0.key, sumM: 0).adM, $0.value) })
        }
        if sums.m, let sm = convolve(m, times: j) {
            out[.adMd] = DiscreteDistribution(probabilities: sm.map { (design.indices(sumV: 0, sumD: 0, sumM: $0.key).adMd, $0.value) })
        }
        if awgExact { out[.awg] = DiscreteDistribution(probabilities: awg) }
        return out
    }

    /// C(k + A − 1, A − 1), the number of category-count vectors, as a double.
    static func compositions(_ k: Int, _ a: Int) -> Double {
        exp(lgamma(Double(k + a)) - lgamma(Double(a)) - lgamma(Double(k) + 1))
    }

    /// Calls `body` with every vector of `a` non-negative counts summing to `k`, in `c`.
    private static func forEachComposition(_ k: Int, _ a: Int, _ c: UnsafeMutablePointer<Int>, _ body: () -> Void) {
        func fill(_ position: Int, _ left: Int) {
            if position == a - 1 { c[position] = left; body(); return }
            for x in 0...left {
                c[position] = x
                fill(position + 1, left - x)
            }
        }
        fill(0, k)
    }

    /// The distribution of the sum of `times` independent copies, or nil when too costly:
    /// the running sum is a dense array over 0...max, each step adds one item's nonzero values.
    private static func convolve(_ one: [Int: Double], times: Int) -> [Int: Double]? {
        let terms = one.sorted { $0.key < $1.key }
        guard let top = terms.last?.key, terms.allSatisfy({ $0.key >= 0 }) else { return nil }
        var work = 0.0
        for step in 1...times { work += Double(step - 1) * Double(top + 1) * Double(terms.count) }
        guard work <= maxConvolutionWork else { return nil }
        var acc = [Double](repeating: 0, count: 1)
        acc[0] = 1
        for _ in 0..<times {
            var next = [Double](repeating: 0, count: acc.count + top)
            for (x, p) in acc.enumerated() where p != 0 {
                for (y, q) in terms { next[x + y] += p * q }
            }
            acc = next
        }
        var out: [Int: Double] = [:]
        for (x, p) in acc.enumerated() where p != 0 { out[x] = p }
        return out
    }
}
