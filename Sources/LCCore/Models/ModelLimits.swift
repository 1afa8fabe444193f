/// The largest mixed models lcstat fits (README, "Limits"). A model beyond them
/// is refused with `LCError(.limit)` before its design matrices are built.
public enum ModelLimits {
    /// Fixed-effect columns (p) after factors and interactions are expanded.
    public static let maxFixedEffects = 1_000
    /// Random effects of one term: `(1 + x + z | g)` has 3.
    public static let maxRandomEffectsPerTerm = 10
    /// Covariance parameters (θ) over all random terms, q(q + 1)/2 per term.
    public static let maxCovarianceParameters = 100
    /// Cells (rows × columns) of the fixed-effects design: 2²⁸ doubles, 2 GiB.
    public static let maxDesignCells = 1 << 28

    /// Checks that `columns` fixed-effect columns over `rows` rows are within the limits.
    static func checkFixed(columns: Int, rows: Int, what: String) throws {
        if columns > maxFixedEffects {
            throw LCError(.limit, "\(what) has \(columns) fixed-effect columns; at most \(maxFixedEffects) are accepted")
        }
        let (cells, overflow) = columns.multipliedReportingOverflow(by: max(rows, 1))
        if overflow || cells > maxDesignCells {
            throw LCError(.limit, "\(what): \(columns) columns × \(rows) rows exceed the \(maxDesignCells) design cells accepted")
        }
        // the design, its copies in the fit (X, its cross products' inputs) and the row vectors
        try MemoryBudget.reserve(Double(cells) * 8 * 3, for: "\(what) (\(columns) columns × \(rows) rows)")
    }

    /// Checks the random terms: effects per term and covariance parameters in all.
    static func checkRandom(effectsPerTerm: [(group: String, count: Int)]) throws {
        var parameters = 0
        for (group, count) in effectsPerTerm {
            if count > maxRandomEffectsPerTerm {
                throw LCError(.limit, "the random term for \(group) has \(count) effects; at most \(maxRandomEffectsPerTerm) per term are accepted")
            }
            parameters += count * (count + 1) / 2
        }
        if parameters > maxCovarianceParameters {
            throw LCError(.limit, "the random terms have \(parameters) covariance parameters; at most \(maxCovarianceParameters) are accepted")
        }
    }
}
