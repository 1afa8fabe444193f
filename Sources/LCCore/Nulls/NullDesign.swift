/// The agreement indices whose null distribution can be asked for.
public enum NullStatistic: String, Sendable, CaseIterable {
    case rwgJ = "rwg_j", rwgJLindell = "rwg_j_lindell", adM = "ad_m", adMd = "ad_md", awg

    /// High values mean agreement (rwg family, awg); for the AD indices low values do.
    public var agreementIsHigh: Bool { self != .adM && self != .adMd }
}

/// A group under the null of no agreement: `groupSize` raters answer `items`
/// items, each rater each item independently and uniformly over the A options of
/// `scale` (as R's `rwg.sim`, `rwg.j.sim` and `ad.m.sim` draw them); the rwg
/// family divides by `nullVariance` (σ²_E of the chosen null).
public struct NullDesign: Sendable {
    public let groupSize: Int, items: Int, scale: ResponseScale, nullVariance: Double

    public init(groupSize: Int, items: Int, scale: ResponseScale, nullVariance: Double) throws {
        guard groupSize >= 2, groupSize <= 100_000 else {
            throw LCError(.invalidArgument, "the group size must be between 2 and 100000, got \(groupSize)")
        }
        guard items >= 1, items <= 10_000 else {
            throw LCError(.invalidArgument, "the number of items must be between 1 and 10000, got \(items)")
        }
        guard scale.options <= 1000 else {
            throw LCError(.invalidArgument, "null distributions are computed for at most 1000 response options, not \(scale.options)")
        }
        // the integer statistics summed over items must stay far inside Int64
        let bound = Double(groupSize) * Double(groupSize) * Double(scale.options) * Double(scale.options) * Double(items)
        guard bound < 1e17 else {
            throw LCError(.limit, "group size \(groupSize), \(items) items and \(scale.options) options are beyond the supported range (k²·A²·J < 1e17)")
        }
        self.groupSize = groupSize
        self.items = items
        self.scale = scale
        self.nullVariance = nullVariance
    }

    var options: Int { scale.options }

    /// One item's integer sufficient statistics from its category counts c (options
    /// coded 0..A−1; every index is shift-invariant or shifted back):
    /// s = Σx, v = kΣx² − s² = k(k−1)s², d = Σ|kx − s| = k²·AD_M, m = Σ|2x − 2·median| = 2k·AD_Md.
    /// Integers, so simulated and enumerated groups give bit-identical index values.
    func itemIntegers(_ c: UnsafePointer<Int>) -> (s: Int, v: Int, d: Int, m: Int) {
        let (a, k) = (options, groupSize)
        var s = 0, s2 = 0
        for o in 0..<a { s += c[o] * o; s2 += c[o] * o * o }
        let twiceMedian = Self.twiceMedian(c, a, k)
        var d = 0, m = 0
        for o in 0..<a where c[o] > 0 {
            d += c[o] * abs(k * o - s)
            m += c[o] * abs(2 * o - twiceMedian)
        }
        return (s, k * s2 - s * s, d, m)
    }

    /// The rwg family and ADs from the sums over items of v, d and m.
    func indices(sumV: Int, sumD: Int, sumM: Int) -> (rwgJ: Double, lindell: Double, adM: Double, adMd: Double) {
        let (k, j) = (Double(groupSize), Double(items))
        let meanVariance = Double(sumV) / (j * k * (k - 1))
        return (AgreementIndex.rwgJ(meanVariance: meanVariance, items: items, nullVariance: nullVariance),
                AgreementIndex.rwgJLindell(meanVariance: meanVariance, nullVariance: nullVariance),
                Double(sumD) / (j * k * k), Double(sumM) / (2 * k * j))
    }

    /// One item's awg (R's range rules) from its integers; NaN where undefined.
    func itemAwg(s: Int, v: Int) -> Double {
        let k = Double(groupSize)
        return AgreementIndex.awg(n: groupSize, mean: scale.low + Double(s) / k, variance: Double(v) / (k * (k - 1)), scale: scale)
    }

    /// Every index for one group given its category counts, `counts[j * A + c]`
    /// raters choosing option c on item j (each item answered by all raters), with
    /// the agreement table's definitions: rwg(J) truncated as R multilevel, AD about
    /// the item mean and median averaged over items, awg averaged over the items where it is defined.
    func statistics(counts: UnsafePointer<Int>) -> [Double] {
        var sumV = 0, sumD = 0, sumM = 0, awgSum = 0.0, awgCount = 0
        for j in 0..<items {
            let t = itemIntegers(counts + j * options)
            sumV += t.v; sumD += t.d; sumM += t.m
            let w = itemAwg(s: t.s, v: t.v)
            if !w.isNaN { awgSum += w; awgCount += 1 }
        }
        let r = indices(sumV: sumV, sumD: sumD, sumM: sumM)
        return [r.rwgJ, r.lindell, r.adM, r.adMd, awgCount > 0 ? awgSum / Double(awgCount) : .nan]
    }

    /// Twice the median option (the sum of the two middle ones) from category counts.
    static func twiceMedian(_ c: UnsafePointer<Int>, _ a: Int, _ n: Int) -> Int {
        let (lo, hi) = ((n - 1) / 2, n / 2)
        var seen = 0, low = -1, high = 0
        for o in 0..<a {
            seen += c[o]
            if low < 0 && lo < seen { low = o }
            if hi < seen { high = o; break }
        }
        return low + high
    }
}
