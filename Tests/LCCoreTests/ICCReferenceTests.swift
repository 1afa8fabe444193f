import Testing
@testable import LCCore

/// ICC(1), ICC(2), F, df and p against `aov` + multilevel's ICC1/ICC2, to 1e-9.
struct ICCReferenceTests {
    static let cases: [(String, [String], String)] = [
        ("lq2002", ["COMPID"], "LEAD"), ("lq2002", ["COMPID"], "TSIG"), ("lq2002", ["COMPID"], "HOSTILE"),
        ("lq2002", ["COMPID"], "LEAD05"), ("lq2002", ["COMPID"], "TSIG01"), ("lq2002", ["COMPID"], "HOSTIL01"),
        ("bhr2000", ["GRP"], "HRS"), ("bhr2000", ["GRP"], "RELIG"), ("bhr2000", ["GRP"], "AF06"), ("bhr2000", ["GRP"], "AS28"),
        ("cohesion", ["UNIT", "PLATOON"], "COH01"), ("cohesion", ["UNIT", "PLATOON"], "COH02"),
    ]

    @Test(arguments: cases.indices)
    func matchesR(_ i: Int) throws {
        let (name, group, variable) = Self.cases[i]
        let ref = try Reference.load(name)
        let t = try ICC.run(ref.data, ICCSpec(group: group, items: [variable])).table
        let base = "icc.\(variable).result"
        for (col, key) in [("icc1", "ICC1"), ("icc2", "ICC2"), ("f", "F"), ("df1", "df_between"), ("df2", "df_within"),
                           ("p", "p"), ("ms_between", "ms_between"), ("ms_within", "ms_within")] {
            let got = t.numbers(col)![0], want = ref.number("\(base).\(key)")
            #expect(close(got, want), "\(name) \(variable) \(col): \(got) vs R \(want)")
        }
        let n = Int64(ref.number("\(base).n_obs"))
        #expect(t.column(named: "n")?.values == .int([n, n]), "\(name) \(variable) n")
        // F-based 95% intervals (the icc_ci entries: psych::statsBy's ci1/ci2)
        let ci = "icc_ci.\(variable).result"
        for (col, key) in [("icc1_low", "ICC1_lower"), ("icc1_high", "ICC1_upper"),
                           ("icc2_low", "ICC2_lower"), ("icc2_high", "ICC2_upper")] {
            let got = t.numbers(col)![0], want = ref.number("\(ci).\(key)")
            #expect(close(got, want), "\(name) \(variable) \(col): \(got) vs R \(want)")
        }
    }

    /// R's qf at the quantiles the intervals use, and the identity F_p(a, b) = 1/F_{1-p}(b, a).
    @Test func fQuantileMatchesR() throws {
        let ref = try Reference.load("lq2002")
        let base = "icc_ci.LEAD.result"
        let (f, df1, df2) = (ref.number("\(base).F"), ref.number("\(base).df1"), ref.number("\(base).df2"))
        #expect(close(f / Distributions.fQuantile(0.975, df1, df2), ref.number("\(base).F_L")))
        for (a, b) in [(1.0, 1.0), (3.0, 40.0), (48.0, 1993.0), (1993.0, 48.0), (0.5, 7.0)] {
            for p in [0.001, 0.025, 0.5, 0.975, 0.999] {
                let q = Distributions.fQuantile(p, a, b)
                let lower = Distributions.regularizedBeta(a * q / (a * q + b), a / 2, b / 2)
                #expect(close(lower, p, 1e-12), "F(\(a), \(b)) at \(p): q = \(q), P(F ≤ q) = \(lower)")
                #expect(close(q, 1 / Distributions.fQuantile(1 - p, b, a), 1e-12), "reciprocal F(\(a), \(b)) at \(p)")
            }
        }
    }

    /// The scale-score row equals the ICC of R's precomputed scale column (rowMeans).
    @Test func scaleRowMatchesRowMeans() throws {
        let ref = try Reference.load("cohesion")
        let t = try ICC.run(ref.data, ICCSpec(group: ["UNIT", "PLATOON"], items: (1...5).map { "COH0\($0)" })).table
        #expect(close(t.doubles("icc1")!.last!, ref.number("icc.COH.result.ICC1")))
        #expect(close(t.doubles("icc2")!.last!, ref.number("icc.COH.result.ICC2")))
        #expect(close(t.doubles("p")!.last!, ref.number("icc.COH.result.p")))
    }
}
