/// The agreement indices as functions of item tallies. Notation: J items,
/// k raters, s² an item's sample variance, σ²_E the null variance, L..H the scale.
public enum AgreementIndex {
    /// rwg(J) = J(1 − x) / (J(1 − x) + x), x = mean item variance / σ²_E
    /// (James, Demaree & Wolf 1984). With J = 1 this is rwg = 1 − s²/σ²_E.
    ///
    /// `truncate` applies R multilevel's convention: the mean variance is capped
    /// at σ²_E, so the index lies in [0, 1]. Untruncated, it falls below 0 and can
    /// exceed 1 (for x > J/(J − 1)); that raw value is reported beside it.
    public static func rwgJ(meanVariance s2: Double, items j: Int, nullVariance e: Double, truncate: Bool = true) -> Double {
        let x = (truncate ? min(s2, e) : s2) / e
        let a = Double(j) * (1 - x)
        return a / (a + x)
    }

    /// r*wg(J) = 1 − mean item variance / σ²_E (Lindell, Brandt & Whitney 1999):
    /// no Spearman-Brown step, not truncated, may be negative.
    public static func rwgJLindell(meanVariance s2: Double, nullVariance e: Double) -> Double {
        1 - s2 / e
    }

    /// awg for one item (Brown & Hauenstein 2005):
    /// 1 − 2s² / ([(H + L)M − M² − HL] · k/(k − 1)).
    ///
    /// R multilevel's rules (`awg`): NA for k < 2; NA when the mean M lies
    /// outside [(L(k−1) + H)/k, (H(k−1) + L)/k], where the maximum possible
    /// variance is too small for the index to be meaningful; 1 when M equals L or H.
    /// `raw` skips the range rule (still NA where the denominator is not positive).
    public static func awg(_ t: ItemTally, scale: ResponseScale, raw: Bool = false) -> Double {
        t.n >= 2 ? awg(n: t.n, mean: t.mean, variance: t.variance, scale: scale, raw: raw) : .nan
    }

    /// awg from an item's count n ≥ 2, mean M and sample variance s².
    public static func awg(n: Int, mean m: Double, variance: Double, scale: ResponseScale, raw: Bool = false) -> Double {
        let k = Double(n)
        guard n >= 2 else { return .nan }
        let (l, h) = (scale.low, scale.high)
        if !raw {
            if m == l || m == h { return 1 }
            if m < (l * (k - 1) + h) / k || m > (h * (k - 1) + l) / k { return .nan }
        }
        let maxVariance = ((h + l) * m - m * m - h * l) * (k / (k - 1))
        guard maxVariance > 0 else { return .nan }
        return 1 - 2 * variance / maxVariance
    }
}
