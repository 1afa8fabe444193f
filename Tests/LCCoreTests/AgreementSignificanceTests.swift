import Testing
@testable import LCCore

/// Per-group tail probabilities against the null for the group's size.
struct AgreementSignificanceTests {
    @Test func exactTailsForOneItem() throws {
        // group a: ten identical answers (rwg = 1, AD = 0); group b: answers spread over the scale
        let g: [Double] = [Double](repeating: 1, count: 10) + [Double](repeating: 2, count: 10)
        let x: [Double] = [Double](repeating: 3, count: 10) + [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]
        let data = try Dataset(columns: [Column(name: "g", values: .numeric(.doubles(g))),
                                         Column(name: "x", values: .numeric(.doubles(x)))])
        var spec = AgreementSpec(group: ["g"], items: ["x"], scale: try ResponseScale(low: 1, high: 5))
        spec.significance = (10_000, 1)
        let t = try Agreement.run(data, spec).table
        let p = t.doubles("rwg_j_p")!, ad = t.doubles("ad_m_p")!
        // P(all ten answers equal) = 5 · 5⁻¹⁰
        #expect(abs(p[0] - 5 * pow5(-10)) < 1e-15 && abs(ad[0] - 5 * pow5(-10)) < 1e-15)
        // the spread group: its rwg is truncated to 0, so P(rwg ≥ 0) = 1
        #expect(p[1] == 1)
        // the same tails as the exact null distribution for k = 10, J = 1
        let null = try AgreementNull.distributions(NullSpec(design: NullDesign(groupSize: 10, items: 1, scale: ResponseScale(low: 1, high: 5),
                                                                                nullVariance: 2), method: .exact), wanted: [.adM])
        #expect(ad[1] == null[0].1.lowerTail(t.doubles("ad_m")![1]))
        #expect(t.columns.last?.name == "note")
        // without the option the columns are absent
        #expect(try Agreement.run(data, AgreementSpec(group: ["g"], items: ["x"], scale: ResponseScale(low: 1, high: 5))).table
            .column(named: "rwg_j_p") == nil)
    }

    private func pow5(_ e: Int) -> Double { var v = 1.0; for _ in 0..<(-e) { v /= 5 }; return v }
}
