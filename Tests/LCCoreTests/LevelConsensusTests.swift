import Testing
@testable import LCCore

/// The level × consensus regression against R's `lm` and `sandwich::vcovHC`
/// (lq2002 `moderated_regression`): estimates, classical SEs and HC3 to 1e-9.
struct LevelConsensusTests {
    static let items = (1...11).map { String(format2($0)) }
    static func format2(_ i: Int) -> String { i < 10 ? "LEAD0\(i)" : "LEAD\(i)" }

    /// (reference entry, outcome, consensus, centred)
    static let cases: [(String, String, ConsensusIndex, Bool)] = [
        ("HOSTILE_on_level_x_rwgj", "HOSTILE", .rwgJ, false),
        ("HOSTILE_on_level_x_rwgj_centered", "HOSTILE", .rwgJ, true),
        ("TSIG_on_level_x_sd", "TSIG", .sd, false),
    ]

    @Test(arguments: cases.indices)
    func matchesR(_ i: Int) throws {
        let (entry, outcome, consensus, center) = Self.cases[i]
        let ref = try Reference.load("lq2002")
        let base = "moderated_regression.\(entry)"
        let spec = LevelConsensusSpec(
            agreement: AgreementSpec(group: ["COMPID"], items: Self.items, scale: try ResponseScale(low: 1, high: 5)),
            outcome: outcome, consensus: consensus, levelColumn: "LEAD", center: center)
        let t = try LevelConsensus.run(ref.data, spec)
        for (col, key) in [("estimate", "coef.estimate"), ("se", "coef.se"), ("t", "coef.t"), ("p", "coef.p"),
                           ("se_hc3", "hc3.se"), ("t_hc3", "hc3.t"), ("p_hc3", "hc3.p"), ("se_hc0", "hc0.se")] {
            let m = firstMismatch(t.doubles(col)!, ref.numbers("\(base).\(key)"))
            #expect(m == nil, "\(entry) \(col): \(m ?? "")")
        }
        for (col, key) in [("r_squared", "r_squared"), ("adj_r_squared", "adj_r_squared"), ("sigma", "sigma"), ("f", "F")] {
            #expect(close(t.doubles(col)![0], ref.number("\(base).\(key)")), "\(entry) \(col)")
        }
        #expect(t.column(named: "groups")?.values == .int([Int64](repeating: Int64(ref.number("\(base).n")), count: 4)))
    }

    /// Without a level column the level is the mean of the items' scale scores; for
    /// lq2002 that equals R's LEAD column to rounding, so the fits agree closely.
    @Test func itemLevelAgreesWithPrecomputedScale() throws {
        let ref = try Reference.load("lq2002")
        let agreement = AgreementSpec(group: ["COMPID"], items: Self.items, scale: try ResponseScale(low: 1, high: 5))
        let a = try LevelConsensus.run(ref.data, LevelConsensusSpec(agreement: agreement, outcome: "HOSTILE"))
        let b = try LevelConsensus.run(ref.data, LevelConsensusSpec(agreement: agreement, outcome: "HOSTILE", levelColumn: "LEAD"))
        #expect(firstMismatch(a.doubles("estimate")!, b.doubles("estimate")!, 1e-6) == nil)
    }

    /// Properties: centring leaves the interaction and the fit unchanged; weights change the fit;
    /// HC3 ≥ HC0 term by term (the leverage factor 1/(1 − h)² ≥ 1).
    @Test func invariants() throws {
        let ref = try Reference.load("lq2002")
        let agreement = AgreementSpec(group: ["COMPID"], items: Self.items, scale: try ResponseScale(low: 1, high: 5))
        let raw = try LevelConsensus.run(ref.data, LevelConsensusSpec(agreement: agreement, outcome: "TSIG"))
        let centred = try LevelConsensus.run(ref.data, LevelConsensusSpec(agreement: agreement, outcome: "TSIG", center: true))
        #expect(close(raw.doubles("estimate")![3], centred.doubles("estimate")![3], 1e-9))
        #expect(close(raw.doubles("r_squared")![0], centred.doubles("r_squared")![0], 1e-9))
        let hc3 = raw.doubles("se_hc3")!, hc0 = raw.doubles("se_hc0")!
        #expect(zip(hc3, hc0).allSatisfy { $0 >= $1 })
        let weighted = try LevelConsensus.run(ref.data, LevelConsensusSpec(agreement: agreement, outcome: "TSIG", weightBySize: true))
        #expect(weighted.doubles("estimate")! != raw.doubles("estimate")!)
    }

    @Test func collinearPredictorsAreAnError() throws {
        // one group-level value for everyone: consensus constant -> collinear with the intercept
        let data = try Dataset(columns: [
            Column(name: "g", values: .numeric(.doubles([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]))),
            Column(name: "x", values: .numeric(.doubles([3, 3, 2, 2, 4, 4, 1, 1, 5, 5, 3, 3]))),
            Column(name: "y", values: .numeric(.doubles([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))),
        ])
        let spec = LevelConsensusSpec(agreement: AgreementSpec(group: ["g"], items: ["x"], scale: try ResponseScale(low: 1, high: 5)),
                                      outcome: "y")
        #expect(throws: LCError.self) { try LevelConsensus.run(data, spec) }
    }
}
