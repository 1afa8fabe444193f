import Glibc

extension Distributions {
    /// z_{.975} = Φ⁻¹(0.975), for Wald intervals.
    static let normalQuantile975 = 1.959963984540054

    /// P(|T| > |t|) for Student's t with `df` degrees of freedom: I_{df/(df + t²)}(df/2, 1/2).
    public static func tTwoSided(_ t: Double, _ df: Double) -> Double {
        guard df > 0, !t.isNaN else { return .nan }
        return regularizedBeta(df / (df + t * t), df / 2, 0.5)
    }

    /// The t quantile q with P(T ≤ q) = p, by bisection on the two-sided tail (p > 0.5).
    public static func tQuantile(_ p: Double, _ df: Double) -> Double {
        guard df > 0, p > 0.5, p < 1 else { return .nan }
        let tail = 2 * (1 - p)
        var lo = 0.0, hi = 1.0
        while tTwoSided(hi, df) > tail { hi *= 2; if hi > 1e12 { return .infinity } }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if tTwoSided(mid, df) > tail { lo = mid } else { hi = mid }
            if hi - lo <= 1e-15 * hi { break }
        }
        return (lo + hi) / 2
    }

    /// The regularized upper incomplete gamma Q(a, x) (Numerical Recipes §6.2:
    /// series below a + 1, continued fraction above), for chi-squared tails.
    public static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        guard a > 0, x >= 0 else { return .nan }
        if x == 0 { return 1 }
        let logFront = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var sum = 1 / a, term = sum, ap = a
            for _ in 0..<10_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return 1 - sum * exp(logFront)
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b; if abs(d) < tiny { d = tiny }
            c = b + an / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < 1e-16 { break }
        }
        return exp(logFront) * h
    }

    /// P(χ²_df > x).
    public static func chiSquaredUpperTail(_ x: Double, _ df: Double) -> Double {
        regularizedGammaQ(df / 2, x / 2)
    }
}

extension Distributions {
    /// The F quantile f with P(F ≤ f) = p on (df1, df2) degrees of freedom (R's `qf`).
    ///
    /// P(F ≤ f) = I_x(df1/2, df2/2) with x = df1·f/(df1·f + df2), so f is found by
    /// bisecting x to the last bit. When x > 1/2 the complement y = 1 − x is bisected
    /// instead on I_y(df2/2, df1/2) = 1 − p, so f = df2(1 − y)/(df1·y) keeps full
    /// relative accuracy in the upper tail.
    public static func fQuantile(_ p: Double, _ df1: Double, _ df2: Double) -> Double {
        guard df1 > 0, df2 > 0, p >= 0, p <= 1, !p.isNaN else { return .nan }
        if p == 0 { return 0 }
        if p == 1 { return .infinity }
        let (a, b) = (df1 / 2, df2 / 2)
        if regularizedBeta(0.5, a, b) >= p {
            let x = bisectIncreasing(0, 0.5) { regularizedBeta($0, a, b) < p }
            return df2 * x / (df1 * (1 - x))
        }
        let y = bisectIncreasing(0, 0.5) { regularizedBeta($0, b, a) < 1 - p }
        return df2 * (1 - y) / (df1 * y)
    }

    /// The boundary in [lo, hi] where `below` turns from true to false, bisected until
    /// the interval cannot shrink further in double precision.
    static func bisectIncreasing(_ lo: Double, _ hi: Double, below: (Double) -> Bool) -> Double {
        var (lo, hi) = (lo, hi)
        while true {
            let mid = lo + (hi - lo) / 2
            if mid <= lo || mid >= hi { return mid }
            if below(mid) { lo = mid } else { hi = mid }
        }
    }
}
