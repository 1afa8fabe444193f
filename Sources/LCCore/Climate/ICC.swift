/// Which group size k enters ICC(1) when groups are unequal.
public enum ICCGroupSize: String, Sendable, CaseIterable {
    /// k = N/J, the mean group size (R multilevel's `ICC1`, the default).
    case mean
    /// n0 = (N − Σ n_j²/N)/(J − 1), the textbook one-way ANOVA choice.
    case n0
}

/// What to compute intraclass correlations on.
public struct ICCSpec: Sendable {
    public var group: [String]
    public var items: [String]
    public var scale: ResponseScale?
    public var reverse: [String]
    /// How incomplete respondents enter the scale score row (items always use every answer).
    public var missing: MissingPolicy
    public var groupSize: ICCGroupSize
    /// Bootstrap resamples of the groups for percentile intervals (0: none).
    public var bootstrap: Int = 0
    public var seed: UInt64 = 1

    public init(group: [String], items: [String], scale: ResponseScale? = nil, reverse: [String] = [],
                missing: MissingPolicy = .available, groupSize: ICCGroupSize = .mean) {
        self.group = group
        self.items = items
        self.scale = scale
        self.reverse = reverse
        self.missing = missing
        self.groupSize = groupSize
    }
}

/// ICC(1) and ICC(2) from a one-way ANOVA of each item and of the scale score
/// on the groups (Bliese 2000), as R's `ICC1`/`ICC2` on `aov(y ~ as.factor(g))`:
///
///     ICC(1) = (MSB − MSW) / (MSB + (k − 1)·MSW),   ICC(2) = (MSB − MSW)/MSB = 1 − 1/F
///
/// with F = MSB/MSW on df1 = J − 1 and df2 = N − J (J groups with at least one answer).
/// Columns: `item, icc1, icc2, f, df1, df2, p, groups, n`; then `ms_between,
/// ms_within, k`, the 95% F-based intervals `icc1_low, icc1_high, icc2_low, icc2_high`, and `note`. One row per item and a last row `scale`.
public enum ICC {

    public static func run(_ data: Dataset, _ spec: ICCSpec) throws -> ICCResult {
        let groups = try Grouping(data, keys: spec.group)
        let items = try ItemSet(data, items: spec.items, scale: spec.scale, reverse: spec.reverse)
        var rows = ICCResult()
        for (j, name) in items.names.enumerated() {
            try rows.append(name, anova(groups, spec.groupSize) { items.values[j][$0] }, spec)
        }
        try rows.append("scale", anova(groups, spec.groupSize) { items.scaleScore($0, policy: spec.missing) }, spec)
        var notes = ["ICC(1) with k = \(spec.groupSize == .mean ? "N/J, the mean group size (R multilevel)" : "n0 = (N - sum n_j^2/N)/(J - 1)")",
                     "items use every answer; the scale score is the mean of a respondent's items (\(spec.missing.rawValue))"]
        if groups.droppedRows > 0 { notes.append("\(groups.droppedRows) rows without a group were left out") }
        if spec.bootstrap > 0 {
            notes.append("icc*_boot_*: 95% percentile intervals from \(spec.bootstrap) resamples of the groups, seed \(spec.seed)")
        }
        (rows.notes, rows.bootstrapped) = (notes, spec.bootstrap > 0)
        return rows
    }

    /// One-way ANOVA sums of squares from per-group tallies (two-pass within groups).
    public static func anova(_ groups: Grouping, _ size: ICCGroupSize, value: (Int) -> Double) -> OneWayANOVA {
        var summaries: [(n: Double, mean: Double, ss: Double)] = []
        var scratch: [Double] = []
        for g in 0..<groups.count {
            scratch.removeAll(keepingCapacity: true)
            for r in groups.rows(of: g) {
                let x = value(Int(r))
                if !x.isNaN { scratch.append(x) }
            }
            guard !scratch.isEmpty else { continue }
            let m = scratch.reduce(0, +) / Double(scratch.count)
            var ss = 0.0
            for x in scratch { ss += (x - m) * (x - m) }
            summaries.append((Double(scratch.count), m, ss))
        }
        return OneWayANOVA(summaries: summaries, groupSize: size)
    }
}

/// The one-way ANOVA behind ICC(1) and ICC(2).
public struct OneWayANOVA: Sendable {
    public var n = 0.0, groups = 0, ssBetween = 0.0, ssWithin = 0.0, k = 0.0
    /// Per group: size, mean and within sum of squares (for the bootstrap over groups).
    var summaries: [(n: Double, mean: Double, ss: Double)] = []

    /// From each group's size, mean and within sum of squares (groups with answers only):
    /// SSB = Σ nⱼ(x̄ⱼ − x̄)², SSW = Σ SSⱼ, k = N/J or n0 = (N − Σnⱼ²/N)/(J − 1).
    init(summaries: [(n: Double, mean: Double, ss: Double)], groupSize: ICCGroupSize) {
        self.summaries = summaries
        groups = summaries.count
        for s in summaries { n += s.n; ssWithin += s.ss }
        let grand = summaries.reduce(0) { $0 + $1.mean * $1.n } / n
        ssBetween = summaries.reduce(0) { $0 + $1.n * ($1.mean - grand) * ($1.mean - grand) }
        let sumSquares = summaries.reduce(0) { $0 + $1.n * $1.n }
        k = groupSize == .mean ? n / Double(groups) : (n - sumSquares / n) / Double(groups - 1)
    }
    public var df1: Double { Double(groups - 1) }
    public var df2: Double { n - Double(groups) }
    public var msBetween: Double { ssBetween / df1 }
    public var msWithin: Double { ssWithin / df2 }
    public var f: Double { msBetween / msWithin }
    public var icc1: Double { (msBetween - msWithin) / (msBetween + (k - 1) * msWithin) }
    public var icc2: Double { (msBetween - msWithin) / msBetween }
    public var p: Double { Distributions.fUpperTail(f, df1, df2) }

    /// F-based confidence intervals (Bliese 2000; psych's `statsBy`), not truncated at 0:
    ///
    ///     F_L = F / F_{1−α/2}(df1, df2),   F_U = F · F_{1−α/2}(df2, df1)
    ///     ICC(1) ∈ [(F_L − 1)/(F_L + k − 1), (F_U − 1)/(F_U + k − 1)],   ICC(2) ∈ [1 − 1/F_L, 1 − 1/F_U]
    public func intervals(level: Double = 0.95) -> (icc1: (Double, Double), icc2: (Double, Double)) {
        let q = 1 - (1 - level) / 2
        let fl = f / Distributions.fQuantile(q, df1, df2), fu = f * Distributions.fQuantile(q, df2, df1)
        return (((fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1)), (1 - 1 / fl, 1 - 1 / fu))
    }

    /// Why the statistics are undefined, or nil when they are defined.
    public var undefinedReason: String? {
        if groups < 2 { return "fewer than two groups with an answer" }
        if df2 <= 0 { return "no group has two answers (no within-group degrees of freedom)" }
        if ssWithin == 0 { return "no variance within groups" }
        return nil
    }
}

/// ICC(1) and ICC(2) of each item and, in the last row, of the scale score (see `ICC`);
/// a `ResultTable` only at the edge (`table`).
public struct ICCResult: Sendable {
    public var item: [String] = [], icc1: [Double] = [], icc2: [Double] = [], f: [Double] = []
    public var df1: [Int64] = [], df2: [Int64] = [], p: [Double] = [], groups: [Int64] = [], n: [Int64] = []
    public var msb: [Double] = [], msw: [Double] = [], k: [Double] = [], note: [String] = []
    public var icc1Low: [Double] = [], icc1High: [Double] = [], icc2Low: [Double] = [], icc2High: [Double] = []
    /// Bootstrap percentile intervals (empty without a bootstrap).
    public var boot1Low: [Double] = [], boot1High: [Double] = [], boot2Low: [Double] = [], boot2High: [Double] = []
    public var bootstrapped = false
    public var notes: [String] = []

    mutating func append(_ name: String, _ a: OneWayANOVA, _ spec: ICCSpec) throws {
        item.append(name)
        groups.append(Int64(a.groups))
        n.append(Int64(a.n))
        let why = a.undefinedReason
        let ok = why == nil
        df1.append(Int64(max(a.groups - 1, 0)))        // J − 1 and N − J, 0 for an item nobody answered
        df2.append(Int64(max(a.n - Double(a.groups), 0)))
        msb.append(a.groups >= 2 ? a.msBetween : .nan)
        msw.append(a.df2 > 0 ? a.msWithin : .nan)
        k.append(a.groups >= 1 ? a.k : .nan)
        icc1.append(ok ? a.icc1 : .nan)
        icc2.append(ok ? a.icc2 : .nan)
        f.append(ok ? a.f : .nan)
        p.append(ok ? a.p : .nan)
        let ci = ok ? a.intervals() : ((.nan, .nan), (.nan, .nan))
        icc1Low.append(ci.icc1.0); icc1High.append(ci.icc1.1)
        icc2Low.append(ci.icc2.0); icc2High.append(ci.icc2.1)
        if spec.bootstrap > 0 {
            let b = ok ? try GroupBootstrap.iccIntervals(a.summaries, groupSize: spec.groupSize, replicates: spec.bootstrap, seed: spec.seed)
                       : ((.nan, .nan), (.nan, .nan))
            boot1Low.append(b.icc1.0); boot1High.append(b.icc1.1); boot2Low.append(b.icc2.0); boot2High.append(b.icc2.1)
        }
        note.append(why ?? "")
    }

    public var table: ResultTable {
        let boot: [ResultTable.Column] = bootstrapped ? [
            .init("icc1_boot_low", .double(boot1Low)), .init("icc1_boot_high", .double(boot1High)),
            .init("icc2_boot_low", .double(boot2Low)), .init("icc2_boot_high", .double(boot2High)),
        ] : []
        return ResultTable(columns: [
            .init("item", .text(item)), .init("icc1", .double(icc1)), .init("icc2", .double(icc2)),
            .init("f", .double(f)), .init("df1", .int(df1)), .init("df2", .int(df2)), .init("p", .double(p)),
            .init("groups", .int(groups)), .init("n", .int(n)),
            .init("ms_between", .double(msb)), .init("ms_within", .double(msw)), .init("k", .double(k)),
            .init("icc1_low", .double(icc1Low)), .init("icc1_high", .double(icc1High)),
            .init("icc2_low", .double(icc2Low)), .init("icc2_high", .double(icc2High)),
        ] + boot + [.init("note", .text(note))], notes: notes)
            .markingExtras(["ms_between", "ms_within", "k", "icc1_low", "icc1_high", "icc2_low", "icc2_high", "note"])
    }
}
