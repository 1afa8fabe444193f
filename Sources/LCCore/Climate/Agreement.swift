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
    /// The columns shown only when asked for (`ResultTable.extras`).
    static let extraColumns = ["n_items", "rwg_j_raw", "awg_raw", "note"]

    public static func run(_ data: Dataset, _ spec: AgreementSpec) throws -> AgreementResult {
        try run(data, spec, groups: Grouping(data, keys: spec.group))
    }

    /// The result for groups formed by the caller (`spec.group` is then not read).
    static func run(_ data: Dataset, _ spec: AgreementSpec, groups: Grouping) throws -> AgreementResult {
        let items = try ItemSet(data, items: spec.items, scale: spec.scale, reverse: spec.reverse)
        let nullVariance = try spec.scale.map { try spec.null.expectedVariance(options: $0.options) }
        // groups are independent: split them over the cores, then concatenate in order
        let prototype = GroupPass(items: items, policy: spec.missing)   // shared read-only; copies own their buffers
        let parts = try Parallel.mapRanges(count: groups.count) { range -> AgreementResult in
            var pass = prototype
            var out = AgreementResult(capacity: range.count)
            for g in range {
                pass.load(groups.rows(of: g))
                out.append(n: pass.respondents, scores: pass.scoreTally, tallies: pass.tallies,
                           scale: spec.scale, nullVariance: nullVariance)
            }
            return out
        }
        var out = parts[0]
        for p in parts.dropFirst() { out.append(contentsOf: p) }
        var notes = ["missing data: \(spec.missing.rawValue)",
                     "rwg_j truncated as R multilevel (mean item variance capped at the null variance); rwg_j_raw untruncated"]
        if let s = spec.scale, let e = nullVariance {
            notes.append("scale \(labelText(s.low)):\(labelText(s.high)) (A = \(s.options)), null \(spec.null.name), expected variance \(e)")
        } else {
            notes.append("no response scale declared: rwg_j, rwg_j_lindell and awg are missing")
        }
        if groups.droppedRows > 0 { notes.append("\(groups.droppedRows) rows without a group were left out") }
        (out.keys, out.notes) = (groups.keyColumns(), notes)
        if let test = spec.significance, let scale = spec.scale, let e = nullVariance {
            try AgreementSignificance.add(to: &out, scale: scale, nullVariance: e, replications: test.replications, seed: test.seed)
        }
        return out
    }
}

/// The agreement of each group, one entry per group in every array (see `Agreement` for
/// what each means); a `ResultTable` only at the edge (`table`).
public struct AgreementResult: Sendable {
    /// The groups' key columns (`group`, or one column per key column).
    public var keys: [ResultTable.Column] = []
    public var n: [Int64] = [], nItems: [Int64] = []
    public var mean: [Double] = [], sd: [Double] = [], rwg: [Double] = [], lindell: [Double] = []
    public var adM: [Double] = [], adMd: [Double] = [], awg: [Double] = [], rwgRaw: [Double] = [], awgRaw: [Double] = []
    /// Tail probabilities under the null (`significance`), else nil.
    public var rwgP: [Double]?, adP: [Double]?
    public var note: [String] = []
    public var notes: [String] = []

    init(capacity: Int) {
        n.reserveCapacity(capacity)
    }

    /// The consensus index `index` per group.
    public func consensus(_ index: ConsensusIndex) -> [Double] {
        switch index {
        case .rwgJ: return rwg
        case .sd: return sd
        case .adM: return adM
        }
    }

    mutating func append(contentsOf o: AgreementResult) {
        n += o.n; nItems += o.nItems; mean += o.mean; sd += o.sd; rwg += o.rwg
        lindell += o.lindell; adM += o.adM; adMd += o.adMd; awg += o.awg; rwgRaw += o.rwgRaw; awgRaw += o.awgRaw
        note += o.note
    }

    mutating func append(n count: Int, scores: ItemTally, tallies: [ItemTally],
                         scale: ResponseScale?, nullVariance: Double?) {
        n.append(Int64(count))
        mean.append(scores.n > 0 ? scores.mean : .nan)
        sd.append(scores.variance.squareRoot())
        // items with at least two answers in the group: the J used
        var j = 0, s2 = 0.0, adMean = 0.0, adMedian = 0.0
        var awgSum = 0.0, awgCount = 0, awgRawSum = 0.0, awgRawCount = 0
        for t in tallies where t.n >= 2 {
            j += 1
            s2 += t.variance
            adMean += t.meanAbsoluteDeviation(about: t.mean)
            adMedian += t.meanAbsoluteDeviation(about: t.median)
            if let s = scale {
                let a = AgreementIndex.awg(t, scale: s), raw = AgreementIndex.awg(t, scale: s, raw: true)
                if !a.isNaN { awgSum += a; awgCount += 1 }
                if !raw.isNaN { awgRawSum += raw; awgRawCount += 1 }
            }
        }
        nItems.append(Int64(j))
        var why = ""
        if count == 0 { why = "no respondents" }
        else if count == 1 { why = "group of one: agreement needs two members" }
        else if j == 0 { why = "no item has two answers" }

        let k = Double(j)
        adM.append(j > 0 ? adMean / k : .nan)
        adMd.append(j > 0 ? adMedian / k : .nan)
        if scale != nil, let e = nullVariance, j > 0 {
            s2 /= k
            rwg.append(AgreementIndex.rwgJ(meanVariance: s2, items: j, nullVariance: e))
            rwgRaw.append(AgreementIndex.rwgJ(meanVariance: s2, items: j, nullVariance: e, truncate: false))
            lindell.append(AgreementIndex.rwgJLindell(meanVariance: s2, nullVariance: e))
            // mean of the defined item values, as R's mean(..., na.rm = TRUE)
            awg.append(awgCount > 0 ? awgSum / Double(awgCount) : .nan)
            awgRaw.append(awgRawCount > 0 ? awgRawSum / Double(awgRawCount) : .nan)
            if awgCount == 0 { why = "awg undefined: item means too close to a scale end" }
        } else {
            rwg.append(.nan); rwgRaw.append(.nan); lindell.append(.nan); awg.append(.nan); awgRaw.append(.nan)
            if scale == nil && why.isEmpty { why = "no response scale: rwg and awg need one" }
        }
        note.append(why)
    }

    /// The table: the key columns, the contract columns, then the extras.
    public var table: ResultTable {
        let p: [ResultTable.Column] = [rwgP.map { .init("rwg_j_p", .double($0)) }, adP.map { .init("ad_m_p", .double($0)) }].compactMap { $0 }
        return ResultTable(keys: keys, columns: [
            .init("n", .int(n)), .init("mean", .double(mean)), .init("sd", .double(sd)),
            .init("rwg_j", .double(rwg)), .init("rwg_j_lindell", .double(lindell)),
            .init("ad_m", .double(adM)), .init("ad_md", .double(adMd)), .init("awg", .double(awg)),
            .init("n_items", .int(nItems)), .init("rwg_j_raw", .double(rwgRaw)), .init("awg_raw", .double(awgRaw)),
        ] + p + [.init("note", .text(note))], notes: notes).markingExtras(Agreement.extraColumns)
    }
}
