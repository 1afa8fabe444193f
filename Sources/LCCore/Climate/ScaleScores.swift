/// Each respondent's scale score: the mean of their items after reverse coding,
/// over the items they answered (`available`) or only when they answered all
/// (`listwise`); NaN otherwise. Columns: `row` (1-based, in input order),
/// `score`, `n_answered`, and `group` when group columns are given.
public enum ScaleScores {
    public static func run(_ data: Dataset, items names: [String], group: [String] = [], scale: ResponseScale? = nil,
                           reverse: [String] = [], missing: MissingPolicy = .available) throws -> ResultTable {
        let items = try ItemSet(data, items: names, scale: scale, reverse: reverse)
        var rows: [Int64] = [], scores: [Double] = [], answered: [Int64] = []
        rows.reserveCapacity(data.rowCount)
        scores.reserveCapacity(data.rowCount)
        answered.reserveCapacity(data.rowCount)
        for r in 0..<data.rowCount {
            rows.append(Int64(r + 1))
            scores.append(items.scaleScore(r, policy: missing))
            answered.append(Int64(items.values.reduce(0) { $0 + ($1[r].isNaN ? 0 : 1) }))
        }
        var columns: [ResultTable.Column] = [.init("row", .int(rows))]
        if !group.isEmpty {
            let g = try Grouping(data, keys: group)
            var labels = [String](repeating: "", count: data.rowCount)
            for k in 0..<g.count { for r in g.rows(of: k) { labels[Int(r)] = g.labels[k] } }
            columns.append(.init("group", .text(labels)))
        }
        columns += [.init("score", .double(scores)), .init("n_answered", .int(answered))]
        return ResultTable(columns: columns, notes: ["scale score = mean of the answered items (\(missing.rawValue))"
            + (reverse.isEmpty ? "" : "; reverse-coded: \(reverse.joined(separator: ", "))")])
    }
}
