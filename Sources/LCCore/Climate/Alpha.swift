/// Cronbach's alpha of a multi-item scale, on respondents who answered every item:
///
///     α = J/(J − 1) · (1 − Σ s²_j / s²_X),   X = Σ_j x_j
///
/// (Cronbach 1951; as `psych::alpha`'s `raw_alpha`). Columns: `item, alpha,
/// r_drop, n`. An item row gives alpha with that item dropped and its corrected
/// item-total correlation (`r.drop`); the last row, `scale`, gives alpha itself.
public enum Alpha {
    public static func run(_ data: Dataset, items names: [String], scale: ResponseScale? = nil,
                           reverse: [String] = []) throws -> ResultTable {
        let items = try ItemSet(data, items: names, scale: scale, reverse: reverse)
        guard items.count >= 2 else { throw LCError(.invalidArgument, "alpha needs at least two items") }
        let rows = (0..<data.rowCount).filter(items.isComplete)
        let x = items.values.map { col in rows.map { col[$0] } }
        let total = rows.indices.map { i in x.reduce(0) { $0 + $1[i] } }
        var out = (item: [String](), alpha: [Double](), rDrop: [Double](), n: [Int64]())
        for j in x.indices {
            let rest = zip(total, x[j]).map { $0 - $1 }
            let others = x.indices.filter { $0 != j }.map { x[$0] }
            out.item.append(items.names[j])
            out.alpha.append(cronbach(others))
            out.rDrop.append(correlation(x[j], rest))
            out.n.append(Int64(rows.count))
        }
        out.item.append("scale"); out.alpha.append(cronbach(x)); out.rDrop.append(.nan); out.n.append(Int64(rows.count))
        return ResultTable(columns: [.init("item", .text(out.item)), .init("alpha", .double(out.alpha)),
                                     .init("r_drop", .double(out.rDrop)), .init("n", .int(out.n))],
                           notes: ["complete cases only: \(rows.count) of \(data.rowCount) respondents"])
    }

    /// α of the given item columns (NaN with fewer than two items or respondents).
    static func cronbach(_ x: [[Double]]) -> Double {
        guard x.count >= 2, let n = x.first?.count, n >= 2 else { return .nan }
        let total = (0..<n).map { i in x.reduce(0) { $0 + $1[i] } }
        let sumItemVar = x.reduce(0) { $0 + ItemTally($1).variance }
        let j = Double(x.count)
        return j / (j - 1) * (1 - sumItemVar / ItemTally(total).variance)
    }

    /// Pearson correlation, NaN when either side is constant.
    static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        guard n >= 2 else { return .nan }
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) {
            sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb)
        }
        return sab / (saa * sbb).squareRoot()
    }
}
