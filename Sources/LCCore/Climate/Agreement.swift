/// Climate level and consensus per group: the first table of every study.
///
/// Columns (contract, in this order): `group, n, mean, sd, rwg_j,
/// rwg_j_lindell, ad_m, ad_md, awg`; then `n_items, rwg_j_raw, awg_raw, note`.
///
/// - `n`: respondents used (any answer under `available`, complete ones under `listwise`).
/// - `mean`, `sd`: level ("strength" in the Dutch-language literature) as the
///   mean and SD of respondents' scale scores (mean of their items).
/// - `rwg_j`: rwg(J), truncated as R multilevel does (rwg when J = 1); `rwg_j_raw` untruncated.
/// - `rwg_j_lindell`: r*wg(J), never truncated.
/// - `ad_m`, `ad_md`: AD about the item mean / median, averaged over items.
/// - `awg`: mean of item awg with R's range rules (NA items left out); `awg_raw` without the range rule.
/// - `n_items`: items with at least two answers in the group, the J used.
/// - `note`: why a value is missing.
///
/// Items with fewer than two answers in a group are left out of that group's
/// mean variance, ADs and awg; a group with no such item gets NA with a note.
public enum Agreement {
    public static let contractColumns = ["group", "n", "mean", "sd", "rwg_j", "rwg_j_lindell", "ad_m", "ad_md", "awg"]

    public static func run(_ data: Dataset, _ spec: AgreementSpec) throws -> ResultTable {
        let groups = try Grouping(data, keys: spec.group)
        let items = try ItemSet(data, items: spec.items, scale: spec.scale, reverse: spec.reverse)
        let nullVariance = try spec.scale.map { try spec.null.expectedVariance(options: $0.options) }
        var out = AgreementColumns(capacity: groups.count)
        var scratch: [Double] = [], rows: [Int] = [], scores: [Double] = []
        for g in 0..<groups.count {
            rows.removeAll(keepingCapacity: true)
            scores.removeAll(keepingCapacity: true)
            for r in groups.rows(of: g) {
                // NaN under `listwise` for any missing item, under `available` only when all are missing
                let score = items.scaleScore(Int(r), policy: spec.missing)
                if !score.isNaN {
                    rows.append(Int(r))
                    scores.append(score)
                }
            }
            let tallies = items.values.map { column -> ItemTally in
                scratch.removeAll(keepingCapacity: true)
                for r in rows where !column[r].isNaN { scratch.append(column[r]) }
                scratch.sort()
                return ItemTally(sorted: scratch)
            }
            scores.sort()
            out.append(label: groups.labels[g], n: rows.count, scores: ItemTally(sorted: scores), tallies: tallies,
                       scale: spec.scale, nullVariance: nullVariance)
        }
        var notes = ["missing data: \(spec.missing.rawValue)",
                     "rwg_j truncated as R multilevel (mean item variance capped at the null variance); rwg_j_raw untruncated"]
        if let s = spec.scale, let e = nullVariance {
            notes.append("scale \(labelText(s.low)):\(labelText(s.high)) (A = \(s.options)), null \(spec.null.name), expected variance \(e)")
        } else {
            notes.append("no response scale declared: rwg_j, rwg_j_lindell and awg are missing")
        }
        if groups.droppedRows > 0 { notes.append("\(groups.droppedRows) rows without a group were left out") }
        return out.table(notes: notes)
    }
}

/// Builds the agreement table row by row.
private struct AgreementColumns {
    var group: [String] = [], n: [Int64] = [], nItems: [Int64] = []
    var mean: [Double] = [], sd: [Double] = [], rwg: [Double] = [], lindell: [Double] = []
    var adM: [Double] = [], adMd: [Double] = [], awg: [Double] = [], rwgRaw: [Double] = [], awgRaw: [Double] = []
    var note: [String] = []

    init(capacity: Int) {
        group.reserveCapacity(capacity)
    }

    mutating func append(label: String, n count: Int, scores: ItemTally, tallies: [ItemTally],
                         scale: ResponseScale?, nullVariance: Double?) {
        group.append(label)
        n.append(Int64(count))
        mean.append(scores.n > 0 ? scores.mean : .nan)
        sd.append(scores.variance.squareRoot())
        let used = tallies.filter { $0.n >= 2 }
        nItems.append(Int64(used.count))
        var why: [String] = []
        if count == 0 { why.append("no respondents") }
        else if count == 1 { why.append("group of one: agreement needs two members") }
        else if used.isEmpty { why.append("no item has two answers") }

        if used.isEmpty {
            adM.append(.nan); adMd.append(.nan)
        } else {
            let k = Double(used.count)
            adM.append(used.reduce(0) { $0 + $1.meanAbsoluteDeviation(about: $1.mean) } / k)
            adMd.append(used.reduce(0) { $0 + $1.meanAbsoluteDeviation(about: $1.median) } / k)
        }
        if let s = scale, let e = nullVariance, !used.isEmpty {
            let s2 = used.reduce(0) { $0 + $1.variance } / Double(used.count)
            rwg.append(AgreementIndex.rwgJ(meanVariance: s2, items: used.count, nullVariance: e))
            rwgRaw.append(AgreementIndex.rwgJ(meanVariance: s2, items: used.count, nullVariance: e, truncate: false))
            lindell.append(AgreementIndex.rwgJLindell(meanVariance: s2, nullVariance: e))
            awg.append(Self.meanOfDefined(used.map { AgreementIndex.awg($0, scale: s) }))
            awgRaw.append(Self.meanOfDefined(used.map { AgreementIndex.awg($0, scale: s, raw: true) }))
            if awg.last?.isNaN == true { why.append("awg undefined: item means too close to a scale end") }
        } else {
            rwg.append(.nan); rwgRaw.append(.nan); lindell.append(.nan); awg.append(.nan); awgRaw.append(.nan)
            if scale == nil && why.isEmpty { why.append("no response scale: rwg and awg need one") }
        }
        note.append(why.joined(separator: "; "))
    }

    /// Mean of the non-NaN values (R's `mean(..., na.rm = TRUE)`), NaN if none.
    static func meanOfDefined(_ x: [Double]) -> Double {
        let d = x.filter { !$0.isNaN }
        return d.isEmpty ? .nan : d.reduce(0, +) / Double(d.count)
    }

    func table(notes: [String]) -> ResultTable {
        ResultTable(columns: [
            .init("group", .text(group)), .init("n", .int(n)), .init("mean", .double(mean)), .init("sd", .double(sd)),
            .init("rwg_j", .double(rwg)), .init("rwg_j_lindell", .double(lindell)),
            .init("ad_m", .double(adM)), .init("ad_md", .double(adMd)), .init("awg", .double(awg)),
            .init("n_items", .int(nItems)), .init("rwg_j_raw", .double(rwgRaw)), .init("awg_raw", .double(awgRaw)),
            .init("note", .text(note)),
        ], notes: notes)
    }
}
