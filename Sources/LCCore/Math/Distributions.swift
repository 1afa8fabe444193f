import Glibc

/// Special functions for the p-values of F tests.
public enum Distributions {
    /// The regularized incomplete beta function I_x(a, b), by the continued
    /// fraction of Numerical Recipes (3rd ed., §6.4) evaluated with the modified
    /// Lentz method. The fraction converges fast for x < (a + 1)/(a + b + 2);
    /// otherwise the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) is used, so a small
    /// tail probability is always computed directly, with full relative accuracy.
    /// `complement`, when given, is 1 − x computed by the caller without cancellation.
    public static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double, complement: Double? = nil) -> Double {
        guard a > 0, b > 0, !x.isNaN else { return .nan }
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let y = complement ?? 1 - x
        let logFront = a * log(x) + b * (complement.map { log($0) } ?? log1p(-x)) - logBeta(a, b)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a, b) / a
        }
        return 1 - exp(logFront) * continuedFraction(y, b, a) / b
    }

    /// log B(a, b) = lgamma(a) + lgamma(b) − lgamma(a + b).
    static func logBeta(_ a: Double, _ b: Double) -> Double {
        lgamma(a) + lgamma(b) - lgamma(a + b)
    }

    private static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300, eps = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < eps { break }
        }
        return h
    }

    /// P(F > f) for F with (df1, df2) degrees of freedom: I_x(df2/2, df1/2) with
    /// x = df2/(df2 + df1·f); 1 − x = df1·f/(df2 + df1·f) is formed directly, since near
    /// f = 0 the subtraction would lose digits.
    public static func fUpperTail(_ f: Double, _ df1: Double, _ df2: Double) -> Double {
        guard f.isFinite, df1 > 0, df2 > 0 else { return f == .infinity ? 0 : .nan }
        if f <= 0 { return 1 }
        return regularizedBeta(df2 / (df2 + df1 * f), df2 / 2, df1 / 2, complement: df1 * f / (df2 + df1 * f))
    }
}
