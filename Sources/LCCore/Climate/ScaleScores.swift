/// Each respondent's scale score: the mean of their items after reverse coding,
/// over the items they answered (`available`) or only when they answered all
/// (`listwise`); NaN otherwise. Columns: `row` (1-based, in input order), then the
/// row's `group` (its key columns under their own names when there are several) and
/// `ids` columns as they are in the data, then `score`, `n_answered`.
public enum ScaleScores {
    public static func run(_ data: Dataset, items names: [String], group: [String] = [], ids: [String] = [],
                           scale: ResponseScale? = nil, reverse: [String] = [],
                           missing: MissingPolicy = .available) throws -> ResultTable {
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
        let carried = try zip(Grouping.columnNames(group), group).map { try ResultTable.Column($0, data.column($1).resultValues) }
            + ids.filter { !group.contains($0) }.map { try ResultTable.Column($0, data.column($0).resultValues) }
        let columns: [ResultTable.Column] = [.init("score", .double(scores)), .init("n_answered", .int(answered))]
        return ResultTable(keys: [.init("row", .int(rows))] + carried, columns: columns, notes: ["scale score = mean of the answered items (\(missing.rawValue))"
            + (reverse.isEmpty ? "" : "; reverse-coded: \(reverse.joined(separator: ", "))")])
    }
}
