import Glibc

extension Distributions {
    /// z_{.975} = Φ⁻¹(0.975), for Wald intervals.
    static let normalQuantile975 = 1.959963984540054

    /// Φ(x) = erfc(−x/√2)/2, the standard normal distribution function (C's erfc keeps the
    /// lower tail's relative accuracy, as R's `pnorm` does).
    public static func normalCDF(_ x: Double) -> Double { erfc(-x / 2.0.squareRoot()) / 2 }

    /// Φ⁻¹(p), the standard normal quantile, by Wichura's algorithm AS 241 (PPND16, Applied
    /// Statistics 37:477, 1988), accurate to about 1e-16 (R's `qnorm` uses the same).
    public static func normalQuantile(_ p: Double) -> Double {
        guard p > 0 && p < 1 else { return p == 0 ? -.infinity : p == 1 ? .infinity : .nan }
        let q = p - 0.5
        func poly(_ c: [Double], _ x: Double) -> Double { c.reversed().reduce(0) { $0 * x + $1 } }
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            return q * poly([3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
                             45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727], r)
                / poly([1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867,
                        39307.89580009271061, 28729.085735721942674, 5226.495278852545925], r)
        }
        var r = q < 0 ? p : 1 - p
        r = (-log(r)).squareRoot()
        let value: Double
        if r <= 5 {
            r -= 1.6
            value = poly([1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
                          1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4], r)
                / poly([1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459,
                        0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9], r)
        } else {
            r -= 5
            value = poly([6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123,
                          0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7], r)
                / poly([1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4,
                        1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15], r)
        }
        return q < 0 ? -value : value
    }

    /// P(|T| > |t|) for Student's t with `df` degrees of freedom: I_{df/(df + t²)}(df/2, 1/2).
    public static func tTwoSided(_ t: Double, _ df: Double) -> Double {
        guard df > 0, !t.isNaN else { return .nan }
        if df.isInfinite { return chiSquaredUpperTail(t * t, 1) }      // the normal limit: P(|Z| > |t|)
        return regularizedBeta(df / (df + t * t), df / 2, 0.5)
    }

    /// The t quantile q with P(T ≤ q) = p, by bisection on the two-sided tail (p > 0.5).
    public static func tQuantile(_ p: Double, _ df: Double) -> Double {
        guard df > 0, p > 0.5, p < 1 else { return .nan }
        if df.isInfinite { return normalQuantile(p) }
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
