/// Cronbach's alpha of a multi-item scale, on respondents who answered every item:
///
///     α = J/(J − 1) · (1 − Σ_j s²_j / s²_X),   X = Σ_j x_j
///
/// (Cronbach 1951; `psych::alpha`'s `raw_alpha`). With item j dropped, the
/// same formula over the other items uses s²_{X−x_j} = s²_X + s²_j − 2 cov(x_j, X);
/// the corrected item-total correlation (`r.drop`) is
/// (cov(x_j, X) − s²_j) / √(s²_j · s²_{X−x_j}). Two passes over the data
/// (means, then centred cross-products), no per-respondent copies.
///
/// Columns: `item, alpha, r_drop, n`. An item row gives alpha with that item
/// dropped and its r.drop; the last row, `scale`, gives alpha itself.
public enum Alpha {
    public static func run(_ data: Dataset, items names: [String], scale: ResponseScale? = nil,
                           reverse: [String] = []) throws -> ResultTable {
        let items = try ItemSet(data, items: names, scale: scale, reverse: reverse)
        let j = items.count
        guard j >= 2 else { throw LCError(.invalidArgument, "alpha needs at least two items") }
        // pass 1: means of the items and of the total, over complete respondents
        var n = 0
        var mean = [Double](repeating: 0, count: j), meanTotal = 0.0
        for r in 0..<data.rowCount where items.isComplete(r) {
            n += 1
            var total = 0.0
            for k in 0..<j { let x = items.values[k][r]; mean[k] += x; total += x }
            meanTotal += total
        }
        let count = Double(n)
        for k in 0..<j { mean[k] /= count }
        meanTotal /= count
        // pass 2: item variances, total variance, item-total covariances
        var variance = [Double](repeating: 0, count: j), covTotal = [Double](repeating: 0, count: j), varTotal = 0.0
        for r in 0..<data.rowCount where items.isComplete(r) {
            var total = 0.0
            for k in 0..<j { total += items.values[k][r] }
            let dt = total - meanTotal
            varTotal += dt * dt
            for k in 0..<j {
                let d = items.values[k][r] - mean[k]
                variance[k] += d * d
                covTotal[k] += d * dt
            }
        }
        let df = count - 1
        varTotal /= df
        for k in 0..<j { variance[k] /= df; covTotal[k] /= df }
        let sumVariance = variance.reduce(0, +)

        var out = (item: [String](), alpha: [Double](), rDrop: [Double]())
        for k in 0..<j {
            let rest = varTotal + variance[k] - 2 * covTotal[k]
            out.item.append(items.names[k])
            out.alpha.append(n >= 2 ? cronbach(items: j - 1, sumOfVariances: sumVariance - variance[k], totalVariance: rest) : .nan)
            out.rDrop.append(n >= 2 ? (covTotal[k] - variance[k]) / (variance[k] * rest).squareRoot() : .nan)
        }
        out.item.append("scale")
        out.alpha.append(n >= 2 ? cronbach(items: j, sumOfVariances: sumVariance, totalVariance: varTotal) : .nan)
        out.rDrop.append(.nan)
        return ResultTable(columns: [.init("item", .text(out.item)), .init("alpha", .double(out.alpha)),
                                     .init("r_drop", .double(out.rDrop)),
                                     .init("n", .int([Int64](repeating: Int64(n), count: j + 1)))],
                           notes: ["complete cases only: \(n) of \(data.rowCount) respondents"])
    }

    /// α = J/(J − 1) · (1 − Σ s²_j / s²_X); NaN for fewer than two items or a constant total.
    static func cronbach(items j: Int, sumOfVariances: Double, totalVariance: Double) -> Double {
        guard j >= 2, totalVariance > 0 else { return .nan }
        let jd = Double(j)
        return jd / (jd - 1) * (1 - sumOfVariances / totalVariance)
    }
}
