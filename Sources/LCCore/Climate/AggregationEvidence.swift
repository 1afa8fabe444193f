import Glibc

/// The evidence reviewers ask for before a group mean may stand for the group
/// (Bliese 2000; LeBreton & Senter 2008; Burke & Dunlap 2002), in one table.
///
/// Rows (`measure, value, low, high, criterion, met, source`):
/// - `icc1` with its F-based 95% interval, met when the F test has p < .05;
/// - `icc2` with its interval, met at ≥ .70 (reliable group means);
/// - `rwg_j_mean`, `rwg_j_median`, and `rwg_j_share_70` (groups at ≥ .70);
/// - `rwg_j_share_significant`: groups at or above the .95 critical value of the
///   null distribution for their size (exact where feasible, else simulated);
/// - `ad_m_mean`, `ad_m_median`, `ad_m_share_c6` (groups at ≤ A/6, Burke & Dunlap 2002),
///   `ad_m_share_significant` (at or below the .05 critical value);
/// - `verdict`: a plain-language summary in `criterion`.
public enum AggregationEvidence {
    public static func run(_ data: Dataset, _ spec: AgreementSpec, replications: Int = 10_000, seed: UInt64 = 1) throws -> ResultTable {
        guard let scale = spec.scale else {
            throw LCError(.invalidArgument, "aggregation evidence needs the response scale (rwg and AD cut-offs depend on it)")
        }
        let icc = try ICC.run(data, ICCSpec(group: spec.group, items: spec.items, scale: spec.scale, reverse: spec.reverse,
                                            missing: spec.missing))
        let agreement = try Agreement.run(data, spec)
        let rwg = agreement.rwg, ad = agreement.adM, sizes = agreement.n.map { Int($0) }
        let nullVariance = try spec.null.expectedVariance(options: scale.options)
        // critical values per group size, for the number of items
        let nulls = try AgreementNull.rwgAndAD(for: Set(sizes.map { AgreementNull.GroupSize(raters: $0, items: spec.items.count) }),
                                               scale: scale, nullVariance: nullVariance, replications: replications, seed: seed)
        var critical: [Int: (rwg: Double, ad: Double)] = [:]
        for (size, null) in nulls {
            critical[size.raters] = (null.rwg?.agreementQuantile(0.95) ?? .nan, null.ad?.disagreementQuantile(0.05) ?? .nan)
        }
        var rows = Rows()
        // the scale score's row, the last
        let (p, icc1, icc2) = (icc.p.last ?? .nan, icc.icc1.last ?? .nan, icc.icc2.last ?? .nan)
        rows.add("icc1", icc1, icc.icc1Low.last ?? .nan, icc.icc1High.last ?? .nan, "F test p < .05 (\(pText(p)))",
                 p < 0.05, "Bliese (2000)")
        rows.add("icc2", icc2, icc.icc2Low.last ?? .nan, icc.icc2High.last ?? .nan, ">= .70", icc2 >= 0.70, "Bliese (2000); LeBreton & Senter (2008)")
        let rwgFinite = rwg.filter { $0.isFinite }, adFinite = ad.filter { $0.isFinite }
        let (rwgMean, rwgMedian) = (SampleStatistics.mean(rwgFinite), SampleStatistics.median(rwgFinite))
        let (adMean, adMedian) = (SampleStatistics.mean(adFinite), SampleStatistics.median(adFinite))
        let rwgShare = share(rwgFinite) { $0 >= 0.70 }
        rows.add("rwg_j_mean", rwgMean, .nan, .nan, ">= .70", rwgMean >= 0.70, "LeBreton & Senter (2008)")
        rows.add("rwg_j_median", rwgMedian, .nan, .nan, ">= .70", rwgMedian >= 0.70, "LeBreton & Senter (2008)")
        rows.add("rwg_j_share_70", rwgShare, .nan, .nan, "share of groups >= .70", nil, "LeBreton & Senter (2008)")
        let rwgSignificant = share(Array(zip(rwg, sizes))) { r, k in r.isFinite && r >= (critical[k]?.rwg ?? .infinity) }
        rows.add("rwg_j_share_significant", rwgSignificant, .nan, .nan, "share of groups beyond their .95 null critical value",
                 nil, "Dunlap, Burke & Smith-Crowe (2003)")
        let cutoff = Double(scale.options) / 6
        rows.add("ad_m_mean", adMean, .nan, .nan, "<= A/6 = \(short(cutoff))", adMean <= cutoff, "Burke & Dunlap (2002)")
        rows.add("ad_m_median", adMedian, .nan, .nan, "<= A/6 = \(short(cutoff))", adMedian <= cutoff, "Burke & Dunlap (2002)")
        rows.add("ad_m_share_c6", share(adFinite) { $0 <= cutoff }, .nan, .nan, "share of groups <= A/6", nil, "Burke & Dunlap (2002)")
        let adSignificant = share(Array(zip(ad, sizes))) { a, k in a.isFinite && a <= (critical[k]?.ad ?? -.infinity) }
        rows.add("ad_m_share_significant", adSignificant, .nan, .nan, "share of groups beyond their .05 null critical value",
                 nil, "Dunlap, Burke & Smith-Crowe (2003)")
        let supported = p < 0.05 && rwgMean >= 0.70 && adMean <= cutoff
        let reliable = icc2 >= 0.70
        let verdict = supported
            ? "Aggregation is supported: group membership explains \(percent(icc1)) of the variance (F test \(pText(p))), and members agree (mean rwg(J) \(short(rwgMean)), mean AD_M \(short(adMean)) <= \(short(cutoff)))." + (reliable ? " Group means are reliable (ICC(2) = \(short(icc2)))." : " But group means are not reliable (ICC(2) = \(short(icc2)) < .70): relations with group means will be attenuated.")
            : "Aggregation is not supported by all criteria: ICC(1) F test \(pText(p)), mean rwg(J) = \(short(rwgMean)), mean AD_M = \(short(adMean)) (cut-offs .05, .70, \(short(cutoff))). Report the dispersion, or use the individual level."
        rows.add("verdict", .nan, .nan, .nan, verdict, supported, "Bliese (2000); LeBreton & Senter (2008); Burke & Dunlap (2002)")
        return rows.table(notes: ["null critical values: exact where enumeration is feasible, else \(replications) simulated groups (seed \(seed)), per group size, uniform answers",
                                  "rwg_j truncated as R multilevel; missing data: \(spec.missing.rawValue)"])
    }

    private struct Rows {
        var measure: [String] = [], value: [Double] = [], low: [Double] = [], high: [Double] = []
        var criterion: [String] = [], met: [String] = [], source: [String] = []
        mutating func add(_ m: String, _ v: Double, _ l: Double, _ h: Double, _ c: String, _ ok: Bool?, _ s: String) {
            measure.append(m); value.append(v); low.append(l); high.append(h); criterion.append(c)
            met.append(ok.map { $0 ? "yes" : "no" } ?? ""); source.append(s)
        }
        func table(notes: [String]) -> ResultTable {
            ResultTable(columns: [.init("measure", .text(measure)), .init("value", .double(value)), .init("low", .double(low)),
                                  .init("high", .double(high)), .init("criterion", .text(criterion)), .init("met", .text(met)),
                                  .init("source", .text(source))], notes: notes)
        }
    }

    static func share<T>(_ v: [T], _ test: (T) -> Bool) -> Double {
        v.isEmpty ? .nan : Double(v.filter(test).count) / Double(v.count)
    }
    private static func pText(_ p: Double) -> String { p < 0.001 ? "p < .001" : "p = \(short(p))" }
    private static func short(_ x: Double) -> String {
        guard x.isFinite else { return "NA" }
        let r = (x * 1000).rounded() / 1000
        return "\(r)"
    }
    private static func percent(_ x: Double) -> String { x.isFinite ? "\((x * 1000).rounded() / 10)%" : "NA" }
}
