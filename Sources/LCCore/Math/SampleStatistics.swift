/// Plain summaries of a sample of numbers, as R computes them.
enum SampleStatistics {
    /// Σx / n; NaN for no values.
    static func mean<C: Collection>(_ v: C) -> Double where C.Element == Double {
        v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
    }

    /// The middle value, or the mean of the two middle values (R's `median`); NaN for no values.
    static func median(_ v: [Double]) -> Double {
        guard !v.isEmpty else { return .nan }
        let s = v.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    /// Sample variance Σ(x − x̄)²/(n − 1), two-pass (R's `var`); NaN below two values.
    static func variance<C: Collection>(_ v: C) -> Double where C.Element == Double {
        guard v.count >= 2 else { return .nan }
        let m = mean(v)
        return v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)
    }

    /// R's default quantile (type 7) of sorted values: linear interpolation between order statistics.
    static func quantileType7(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let h = Double(sorted.count - 1) * p
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}
