import Testing
@testable import LCCore

struct CompositionTests {
    @Test func sdAndBlauByHand() throws {
        let data = try Dataset(columns: [
            Column(name: "g", values: .numeric(.doubles([1, 1, 1, 1, 2, 2, 2]))),
            Column(name: "lgo", values: .numeric(.doubles([2, 4, 4, .nan, 3, 3, 3]))),
            Column(name: "org", values: .labels(codes: [0, 1, 1, 2, 0, 0, -1], levels: ["school", "firm", "ngo"])),
        ])
        let t = try Composition.run(data, group: ["g"], columns: ["lgo", "org"])
        let sd = t.doubles("lgo_sd")!
        #expect(abs(sd[0] - (4.0 / 3.0).squareRoot()) < 1e-15)      // 2, 4, 4: variance 4/3
        #expect(sd[1] == 0)                                          // constant: no diversity
        let blau = t.doubles("org_blau")!
        #expect(abs(blau[0] - (1 - (1.0 + 4 + 1) / 16)) < 1e-15)     // 1 school, 2 firm, 1 ngo
        #expect(blau[1] == 0)                                        // one category (the missing one left out)
        #expect(t.column(named: "org_categories")?.values == .int([3, 1]))
        // Blau's index lies in [0, 1 − 1/K]
        #expect(blau.allSatisfy { $0 >= 0 && $0 <= 1 - 1.0 / 3 })
    }
}
