/// The composition of each group on individual characteristics (Chan 1998;
/// Harrison & Klein 2007), as group-level variables: for a numeric column its
/// mean and within-group SD (n − 1), for a categorical (text) column Blau's
/// index 1 − Σ pₖ² (the chance that two members drawn at random differ) and the
/// number of categories present. Missing values are left out per column.
///
/// Columns: `group, n`, then per numeric column `<col>_mean, <col>_sd`, per
/// categorical column `<col>_blau, <col>_categories`.
public enum Composition {
    public static func run(_ data: Dataset, group: [String], columns: [String]) throws -> ResultTable {
        guard !columns.isEmpty else { throw LCError(.invalidArgument, "composition needs at least one column") }
        let groups = try Grouping(data, keys: group)
        var out: [ResultTable.Column] = [
            .init("n", .int((0..<groups.count).map { Int64(groups.rows(of: $0).count) })),
        ]
        for name in columns {
            let column = try data.column(name)
            switch column.values {
            case .numeric, .integers:
                let m = try GroupMoments(data, column: name, groups: groups)
                out += [.init("\(name)_mean", .double(m.mean)), .init("\(name)_sd", .double(m.sd))]
            case .labels(let codes, let levels):
                var blau: [Double] = [], present: [Int64] = []
                var counts = [Int](repeating: 0, count: levels.count)
                for g in 0..<groups.count {
                    for k in counts.indices { counts[k] = 0 }
                    var n = 0
                    for r in groups.rows(of: g) where codes[Int(r)] >= 0 { counts[Int(codes[Int(r)])] += 1; n += 1 }
                    let squares = counts.reduce(0.0) { $0 + Double($1) * Double($1) }
                    blau.append(n > 0 ? 1 - squares / (Double(n) * Double(n)) : .nan)
                    present.append(Int64(counts.filter { $0 > 0 }.count))
                }
                out += [.init("\(name)_blau", .double(blau)), .init("\(name)_categories", .int(present))]
            }
        }
        return ResultTable(keys: groups.keyColumns(), columns: out, notes: ["numeric columns: group mean and SD (n - 1); text columns: Blau's index 1 - sum p_k^2"])
    }
}
