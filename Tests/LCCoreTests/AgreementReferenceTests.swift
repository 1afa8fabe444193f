import Testing
@testable import LCCore

/// Every agreement index against R multilevel 2.7 on lq2002, bhr2000 and cohesion, to 1e-9.
struct AgreementReferenceTests {
    static let nulls: [(String, NullResponseDistribution)] = [
        ("uniform", .uniform), ("slight_skew", .slightSkew), ("moderate_skew", .moderateSkew),
        ("heavy_skew", .heavySkew), ("triangular", .triangular), ("normal", .normal),
    ]

    /// (dataset, group columns, result key, item columns, scale)
    static let scales: [(String, [String], String, [String], ResponseScale)] = {
        let lead = (1...11).map { "LEAD" + ($0 < 10 ? "0\($0)" : "\($0)") }
        let s15 = try! ResponseScale(low: 1, high: 5), s04 = try! ResponseScale(low: 0, high: 4)
        return [
            ("lq2002", ["COMPID"], "LEAD", lead, s15),
            ("lq2002", ["COMPID"], "TSIG", ["TSIG01", "TSIG02", "TSIG03"], s15),
            ("lq2002", ["COMPID"], "HOSTILE", (1...5).map { "HOSTIL0\($0)" }, s04),
            ("bhr2000", ["GRP"], "LEAD", ["AF06", "AF07", "AP12", "AP17", "AP33", "AP34", "AS14", "AS15", "AS16", "AS17", "AS28"], s15),
            ("cohesion", ["UNIT", "PLATOON"], "COH", (1...5).map { "COH0\($0)" }, s15),
        ]
    }()

    /// The rows' keys as R's `paste(a, b, sep = "_")` writes them (integer ids as integers),
    /// from the table's typed key columns (`group`, or one per key column).
    static func pastedKeys(_ t: ResultTable) -> [String] {
        let columns = t.keys.compactMap { t.column(named: $0)?.values }
        return (0..<t.rowCount).map { r in
            columns.map { c -> String in
                switch c {
                case .int(let v): return String(v[r])
                case .text(let v): return v[r]
                case .double(let v): return labelText(v[r])
                case .bool(let v): return v[r] ? "TRUE" : "FALSE"
                }
            }.joined(separator: "_")
        }
    }

    @Test(arguments: scales.indices)
    func rwgFamilyListwise(_ i: Int) throws {
        let (name, group, key, items, scale) = Self.scales[i]
        let ref = try Reference.load(name)
        for (nullName, null) in Self.nulls {
            let spec = AgreementSpec(group: group, items: items, scale: scale, null: null, missing: .listwise)
            let t = try Agreement.run(ref.data, spec).table
            #expect(Self.pastedKeys(t) == ref.labels("rwg.j.\(key).\(nullName).result.grpid"))
            let rwg = firstMismatch(t.doubles("rwg_j")!, ref.numbers("rwg.j.\(key).\(nullName).result.rwg.j"))
            #expect(rwg == nil, "\(name) \(key) \(nullName) rwg.j: \(rwg ?? "")")
            let lin = firstMismatch(t.doubles("rwg_j_lindell")!, ref.numbers("rwg.j.lindell.\(key).\(nullName).result.rwg.lindell"))
            #expect(lin == nil, "\(name) \(key) \(nullName) rwg.j.lindell: \(lin ?? "")")
        }
    }

    @Test func singleItemRwg() throws {
        let cases: [(String, [String], String, ResponseScale)] = [
            ("lq2002", ["COMPID"], "LEAD05", try ResponseScale(low: 1, high: 5)),
            ("lq2002", ["COMPID"], "TSIG01", try ResponseScale(low: 1, high: 5)),
            ("lq2002", ["COMPID"], "HOSTIL01", try ResponseScale(low: 0, high: 4)),
            ("lq2002", ["COMPID"], "LEAD", try ResponseScale(low: 1, high: 5)),
            ("bhr2000", ["GRP"], "AF06", try ResponseScale(low: 1, high: 5)),
            ("bhr2000", ["GRP"], "RELIG", try ResponseScale(low: 1, high: 5)),
            ("cohesion", ["UNIT", "PLATOON"], "COH01", try ResponseScale(low: 1, high: 5)),
            ("cohesion", ["UNIT", "PLATOON"], "COH02", try ResponseScale(low: 1, high: 5)),
        ]
        for (name, group, item, scale) in cases {
            let ref = try Reference.load(name)
            for (nullName, null) in Self.nulls {
                let t = try Agreement.run(ref.data, AgreementSpec(group: group, items: [item], scale: scale, null: null)).table
                let m = firstMismatch(t.doubles("rwg_j")!, ref.numbers("rwg.\(item).\(nullName).result.rwg"))
                #expect(m == nil, "\(name) rwg \(item) \(nullName): \(m ?? "")")
                #expect(t.column(named: "n")?.values == .int(ref.numbers("rwg.\(item).\(nullName).result.gsize").map { Int64($0) }))
            }
        }
    }

    @Test func adAndAwg() throws {
        // (dataset, group, ad key, awg key or nil, items, scale or nil)
        let lead = (1...11).map { "LEAD" + ($0 < 10 ? "0\($0)" : "\($0)") }
        let bhrLead = ["AF06", "AF07", "AP12", "AP17", "AP33", "AP34", "AS14", "AS15", "AS16", "AS17", "AS28"]
        let s15 = try ResponseScale(low: 1, high: 5), s04 = try ResponseScale(low: 0, high: 4)
        let cases: [(String, [String], String?, String?, [String], ResponseScale?)] = [
            ("lq2002", ["COMPID"], "LEAD_items", "LEAD_items", lead, s15),
            ("lq2002", ["COMPID"], "TSIG_items", nil, ["TSIG01", "TSIG02", "TSIG03"], s15),
            ("lq2002", ["COMPID"], "LEAD05", "LEAD05", ["LEAD05"], s15),
            ("lq2002", ["COMPID"], "HOSTIL01", nil, ["HOSTIL01"], s04),
            ("lq2002", ["COMPID"], nil, "TSIG01", ["TSIG01"], s15),
            ("lq2002", ["COMPID"], nil, "HOSTILE_items", (1...5).map { "HOSTIL0\($0)" }, s04),
            ("bhr2000", ["GRP"], "LEAD_items", "LEAD_items", bhrLead, s15),
            ("bhr2000", ["GRP"], "HRS", nil, ["HRS"], nil),
            ("bhr2000", ["GRP"], "RELIG", "RELIG", ["RELIG"], s15),
            ("bhr2000", ["GRP"], nil, "AF06", ["AF06"], s15),
            ("cohesion", ["UNIT", "PLATOON"], "COH_items", "COH_items", (1...5).map { "COH0\($0)" }, s15),
            ("cohesion", ["UNIT", "PLATOON"], "COH02", "COH02", ["COH02"], s15),
            ("cohesion", ["UNIT", "PLATOON"], nil, "COH01", ["COH01"], s15),
        ]
        for (name, group, adKey, awgKey, items, scale) in cases {
            let ref = try Reference.load(name)
            let t = try Agreement.run(ref.data, AgreementSpec(group: group, items: items, scale: scale, missing: .listwise)).table
            if let adKey {
                let m = firstMismatch(t.doubles("ad_m")!, ref.numbers("ad.m.\(adKey).mean.result.AD.M"))
                #expect(m == nil, "\(name) ad.m \(adKey) mean: \(m ?? "")")
                let md = firstMismatch(t.doubles("ad_md")!, ref.numbers("ad.m.\(adKey).median.result.AD.M"))
                #expect(md == nil, "\(name) ad.m \(adKey) median: \(md ?? "")")
            }
            if let awgKey {
                let m = firstMismatch(t.doubles("awg")!, ref.numbers("awg.\(awgKey).result.a.wg"))
                #expect(m == nil, "\(name) awg \(awgKey): \(m ?? "")")
            }
        }
    }

    @Test func levelIsTheMeanOfScaleScores() throws {
        let cases: [(String, [String], String, [String])] = [
            ("lq2002", ["COMPID"], "TSIG", ["TSIG01", "TSIG02", "TSIG03"]),
            ("lq2002", ["COMPID"], "HOSTILE", (1...5).map { "HOSTIL0\($0)" }),
            ("cohesion", ["UNIT", "PLATOON"], "COH", (1...5).map { "COH0\($0)" }),
        ]
        for (name, group, key, items) in cases {
            let ref = try Reference.load(name)
            let t = try Agreement.run(ref.data, AgreementSpec(group: group, items: items)).table
            #expect(firstMismatch(t.doubles("mean")!, ref.numbers("group_climate.\(key).result.mean")) == nil, "\(name) \(key) mean")
            #expect(firstMismatch(t.doubles("sd")!, ref.numbers("group_climate.\(key).result.sd")) == nil, "\(name) \(key) sd")
            #expect(t.column(named: "n")?.values == .int(ref.numbers("group_climate.\(key).result.n").map { Int64($0) }))
        }
    }
}
