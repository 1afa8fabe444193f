import Testing
@testable import LCCore

/// Random group resampling against `rgr.agree` (lq2002): the deterministic parts to
/// 1e-9, the resampled ones within 4 Monte-Carlo SEs of the analytic expectations.
struct RandomGroupResamplingTests {
    @Test(arguments: ["LEAD", "HOSTILE"])
    func matchesR(_ variable: String) throws {
        let ref = try Reference.load("lq2002")
        let base = "rgr.agree.\(variable)"
        let t = try RandomGroupResampling.run(ref.data, RGRSpec(group: ["COMPID"], items: [variable], pseudoGroups: 1000, seed: 9))
        func one(_ c: String) -> Double { t.doubles(c)![0] }
        #expect(close(one("av_grp_var"), ref.number("\(base).deterministic.AvGrpVar")))
        #expect(t.column(named: "pseudo_groups")?.values == .int([Int64(ref.number("\(base).deterministic.NRanGrp"))]))
        #expect(close(one("expected_rgr_var"), ref.number("\(base).analytic.expected_AvRGRVar")))
        let expected = ref.number("\(base).analytic.expected_AvRGRVar"), se = ref.number("\(base).analytic.mc_se_AvRGRVar")
        #expect(abs(one("av_rgr_var") - expected) <= 4 * se, "AvRGRVar \(one("av_rgr_var")) vs \(expected) ± \(se)")
        let sdSpread = ref.number("\(base).across_seeds.SDRGRVar_sd"), zSpread = ref.number("\(base).across_seeds.zvalue_sd")
        #expect(abs(one("sd_rgr_var") - ref.number("\(base).analytic.approx_expected_SDRGRVar")) <= 4 * sdSpread,
                "SDRGRVar \(one("sd_rgr_var"))")
        #expect(abs(one("z") - ref.number("\(base).analytic.approx_expected_zvalue")) <= 4 * zSpread, "z \(one("z"))")
        #expect(one("q005") <= one("q05") && one("q05") <= one("q95") && one("q95") <= one("q995"))
    }

    @Test func seedIsReproducibleAndMatters() throws {
        let ref = try Reference.load("lq2002")
        let a = try RandomGroupResampling.run(ref.data, RGRSpec(group: ["COMPID"], items: ["LEAD"], pseudoGroups: 500, seed: 3))
        let b = try RandomGroupResampling.run(ref.data, RGRSpec(group: ["COMPID"], items: ["LEAD"], pseudoGroups: 500, seed: 3))
        let c = try RandomGroupResampling.run(ref.data, RGRSpec(group: ["COMPID"], items: ["LEAD"], pseudoGroups: 500, seed: 4))
        #expect(a == b)
        #expect(a.doubles("av_rgr_var") != c.doubles("av_rgr_var"))
    }

    @Test func badInputIsAnError() throws {
        let ref = try Reference.load("lq2002")
        #expect(throws: LCError.self) { try RandomGroupResampling.run(ref.data, RGRSpec(group: ["COMPID"], items: ["LEAD"], pseudoGroups: 0)) }
        #expect(throws: LCError.self) { try RandomGroupResampling.run(ref.data, RGRSpec(group: ["nothere"], items: ["LEAD"])) }
    }
}
