import Testing
@testable import LCCore

/// The aggregation table on lq2002's leadership climate: each row from the pieces
/// it summarises (ICC, rwg(J), AD_M, which are themselves tested against R).
struct AggregationEvidenceTests {
    static let items = (1...11).map { $0 < 10 ? "LEAD0\($0)" : "LEAD\($0)" }

    @Test func rowsSummariseRsIndices() throws {
        let ref = try Reference.load("lq2002")
        let spec = AgreementSpec(group: ["COMPID"], items: Self.items, scale: try ResponseScale(low: 1, high: 5))
        let t = try AggregationEvidence.run(ref.data, spec, replications: 1000)
        let measures = try #require(t.texts("measure"))
        func value(_ m: String) -> Double { t.doubles("value")![measures.firstIndex(of: m)!] }
        let rwg = ref.numbers("rwg.j.LEAD.uniform.result.rwg.j")
        #expect(close(value("rwg_j_mean"), SampleStatistics.mean(rwg)))
        #expect(close(value("rwg_j_median"), SampleStatistics.median(rwg)))
        #expect(close(value("rwg_j_share_70"), Double(rwg.filter { $0 >= 0.7 }.count) / Double(rwg.count)))
        let ad = ref.numbers("ad.m.LEAD_items.mean.result.AD.M")
        #expect(close(value("ad_m_mean"), SampleStatistics.mean(ad)))
        // the scale row of the ICC: R's ICC of the LEAD scale score (stored rounded in the data)
        #expect(close(value("icc1"), ref.number("icc.LEAD.result.ICC1"), 1e-6))
        #expect(close(value("icc2"), ref.number("icc.LEAD.result.ICC2"), 1e-6))
        // shares are proportions; significance is rarer than or as common as the .70 rule allows
        for m in ["rwg_j_share_70", "rwg_j_share_significant", "ad_m_share_c6", "ad_m_share_significant"] {
            #expect(value(m) >= 0 && value(m) <= 1, "\(m)")
        }
        #expect(measures.last == "verdict")
    }

    @Test func needsAScale() throws {
        let ref = try Reference.load("lq2002")
        #expect(throws: LCError.self) { try AggregationEvidence.run(ref.data, AgreementSpec(group: ["COMPID"], items: Self.items)) }
    }
}
