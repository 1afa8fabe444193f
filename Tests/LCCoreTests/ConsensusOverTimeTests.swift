import Testing
@testable import LCCore

/// Consensus per group per wave equals the agreement table of each wave's rows.
struct ConsensusOverTimeTests {
    @Test func cellsEqualAgreementPerWave() throws {
        let data = try Dataset(columns: [
            Column(name: "team", values: .labels(codes: [0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0], levels: ["B", "A"])),
            Column(name: "session", values: .numeric(.doubles([1, 1, 1, 1, 1, 1, 10, 10, 10, 10, 10, 10, 2, 2]))),
            Column(name: "x", values: .numeric(.doubles([1, 2, 3, 4, 4, 5, 2, 2, 3, 5, 5, 5, 1, 5]))),
            Column(name: "y", values: .numeric(.doubles([2, 2, 3, 4, 5, 5, 3, 2, 3, 4, 5, .nan, 2, 4]))),
        ])
        let spec = AgreementSpec(group: ["team"], items: ["x", "y"], scale: try ResponseScale(low: 1, high: 5))
        let t = try ConsensusOverTime.run(data, spec, wave: "session").table
        // groups by label order, waves by numeric value (1, 2, 10 — not "1", "10", "2"), typed as the input
        #expect(t.column(named: "group")?.values == .text(["A", "A", "B", "B", "B"]))
        #expect(t.column(named: "wave")?.values == .int([1, 10, 1, 2, 10]))
        #expect(t.keys == ["group", "wave"])
        // each row equals the agreement table of that wave alone
        for (row, wave) in [(0, 1.0), (1, 10.0), (2, 1.0), (3, 2.0), (4, 10.0)] {
            let keep = (0..<data.rowCount).filter { (try? data.numeric("session")[$0]) == wave }
            let sub = try data.rows(keep)
            let a = try Agreement.run(sub, spec).table
            let labels = try #require(a.texts("group"))
            let g = try #require(t.texts("group"))[row]         // (text groups stay text)
            let i = try #require(labels.firstIndex(of: g))
            for col in ["mean", "sd", "rwg_j", "ad_m", "awg"] {
                let x = t.doubles(col)![row], y = a.doubles(col)![i]
                #expect(x == y || (x.isNaN && y.isNaN), "row \(row) \(col): \(x) vs \(y)")
            }
        }
    }

    @Test func waveMustDifferFromGroup() throws {
        let data = try Dataset(columns: [Column(name: "g", values: .numeric(.doubles([1, 1, 2, 2]))),
                                         Column(name: "x", values: .numeric(.doubles([1, 2, 3, 4])))])
        #expect(throws: LCError.self) { try ConsensusOverTime.run(data, AgreementSpec(group: ["g"], items: ["x"]), wave: "g").table }
        #expect(throws: LCError.self) { try ConsensusOverTime.run(data, AgreementSpec(group: ["g"], items: ["x"]), wave: "nothere").table }
    }
}
