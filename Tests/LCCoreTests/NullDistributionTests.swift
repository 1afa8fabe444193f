import Testing
@testable import LCCore

/// Null distributions against lq2002's `null_simulations`: exact enumeration to
/// 1e-9 (the `exact` blocks), Monte Carlo within 4 Monte-Carlo standard errors.
struct NullDistributionTests {
    /// (reference entry, statistic, items, agreement-type quantiles)
    static let exactCases: [(String, NullStatistic, Int)] = [
        ("rwg.sim_g10_A5", .rwgJ, 1), ("rwg.j.sim_g10_J6_A5", .rwgJ, 6),
        ("ad.m.sim_g10_A5_mean", .adM, 1), ("ad.m.sim_g10_A5_median", .adMd, 1), ("ad.m.sim_g10_J6_A5_mean", .adM, 6),
    ]

    static func spec(items: Int, method: NullMethod, replications: Int = 10_000, seed: UInt64 = 7) throws -> NullSpec {
        try NullSpec(design: NullDesign(groupSize: 10, items: items, scale: ResponseScale(low: 1, high: 5), nullVariance: 2),
                     method: method, replications: replications, seed: seed)
    }

    @Test(arguments: exactCases.indices)
    func exactMatchesR(_ i: Int) throws {
        let (entry, statistic, items) = Self.exactCases[i]
        let ref = try Reference.load("lq2002")
        let base = "null_simulations.\(entry).exact"
        let d = try #require(try AgreementNull.distributions(Self.spec(items: items, method: .exact)).first { $0.0 == statistic })
        #expect(d.exact)
        let qs = ref.numbers("\(base).q")
        let ours = qs.map { statistic.agreementIsHigh ? d.1.agreementQuantile($0) : d.1.disagreementQuantile($0) }
        let m = firstMismatch(ours, ref.numbers("\(base).bliese_rule"))
        #expect(m == nil, "\(entry) Bliese quantiles: \(m ?? "")")
        #expect(close(d.1.mean, ref.number("\(base).mean")), "\(entry) mean \(d.1.mean)")
        #expect(close(d.1.sd, ref.number("\(base).sd")), "\(entry) sd \(d.1.sd)")
        #expect(close(d.1.probability(of: 0), ref.number("\(base).prob_zero")), "\(entry) P(0)")
        #expect(d.1.values.count == Int(ref.number("\(base).n_support_points")), "\(entry) support \(d.1.values.count)")
    }

    /// Simulated quantiles agree with R's simulations (three seeds of 10,000) within
    /// 4 Monte-Carlo SEs; the simulated mean agrees with the exact mean within 4 SEs.
    @Test(arguments: exactCases.indices)
    func monteCarloAgreesWithR(_ i: Int) throws {
        let (entry, statistic, items) = Self.exactCases[i]
        let ref = try Reference.load("lq2002")
        let replications = 100_000
        let d = try #require(try AgreementNull.distributions(Self.spec(items: items, method: .monteCarlo, replications: replications))
            .first { $0.0 == statistic })
        #expect(!d.exact && d.1.total == Double(replications))
        let across = "null_simulations.\(entry).across_seeds"
        let qs = ref.numbers("\(across).q"), rMean = ref.numbers("\(across).mean"), rSd = ref.numbers("\(across).sd")
        let runs = ref.at("null_simulations.\(entry).runs") as? [[String: Any]] ?? []
        let bootstrap = runs.compactMap { $0["bootstrap_se_bliese_quantile"] as? [Double] }
        for (k, q) in qs.enumerated() {
            let ours = statistic.agreementIsHigh ? d.1.agreementQuantile(q) : d.1.disagreementQuantile(q)
            // R's mean of 3 seeds: its SE from the spread of seeds and the per-seed bootstrap SEs;
            // ours (10× the replications) has at most the per-seed SE / √10
            let seBoot = bootstrap.map { $0[k] }.reduce(0, +) / Double(max(1, bootstrap.count))
            let se = (rSd[k] * rSd[k] / 3 + seBoot * seBoot / 3 + seBoot * seBoot / 10).squareRoot()
            let step = 1.0 / Double(10 * 10 * items)     // one step of the statistic's lattice
            #expect(abs(ours - rMean[k]) <= 4 * se + step, "\(entry) q\(q): ours \(ours), R \(rMean[k]) ± \(se)")
        }
        let exact = ref.number("null_simulations.\(entry).exact.mean"), sd = ref.number("null_simulations.\(entry).exact.sd")
        #expect(abs(d.1.mean - exact) <= 4 * sd / Double(replications).squareRoot(), "\(entry) mean \(d.1.mean) vs exact \(exact)")
    }

    /// The same seed gives the same values whatever the number of threads; another seed does not.
    @Test func seedIsReproducible() throws {
        let s = try Self.spec(items: 3, method: .monteCarlo, replications: 20_000, seed: 42)
        let a = try NullSimulation.simulate(s.design, replications: s.replications, seed: 42)
        let b = try NullSimulation.simulate(s.design, replications: s.replications, seed: 42)
        let c = try NullSimulation.simulate(s.design, replications: s.replications, seed: 43)
        #expect(a == b)
        #expect(a != c)
        #expect(a.allSatisfy { Int($0.total + $0.undefined) == 20_000 })     // every draw counted once
        #expect(try AgreementNull.run(s) == AgreementNull.run(s))
    }

    /// Invariants of every simulated group: rwg(J) in [0, 1], r*wg(J) ≤ 1, AD ≥ 0, awg ≤ 1.
    @Test func simulatedValuesAreInRange() throws {
        let s = try Self.spec(items: 4, method: .monteCarlo, replications: 5_000)
        let v = try NullSimulation.simulate(s.design, replications: s.replications, seed: 3)
        #expect(v[0].values.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(v[1].values.allSatisfy { $0 <= 1 })
        #expect(v[2].values.allSatisfy { $0 >= 0 } && v[3].values.allSatisfy { $0 >= 0 })
        #expect(v[4].values.allSatisfy { $0 <= 1 })
    }

    /// Exact probabilities sum to one, and the generator's integers are uniform (chi-squared).
    @Test func exactIsADistributionAndDrawsAreUniform() throws {
        for (s, d, exact) in try AgreementNull.distributions(Self.spec(items: 2, method: .auto)) where exact {
            #expect(abs(d.total + d.undefined - 1) < 1e-12, "\(s.rawValue) total \(d.total)")
        }
        var rng = Xoshiro256(seed: 11)
        var counts = [Double](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[Int(rng.below(7))] += 1 }
        let chi2 = counts.reduce(0) { $0 + ($1 - 10_000) * ($1 - 10_000) / 10_000 }
        #expect(chi2 < 22.46, "chi-squared \(chi2) on 6 df (p < .001 beyond 22.46)")
    }

    @Test func badDesignsAreErrors() throws {
        let scale = try ResponseScale(low: 1, high: 5)
        #expect(throws: LCError.self) { try NullDesign(groupSize: 1, items: 1, scale: scale, nullVariance: 2) }
        #expect(throws: LCError.self) { try NullDesign(groupSize: 10, items: 0, scale: scale, nullVariance: 2) }
        #expect(throws: LCError.self) {
            try NullDesign(groupSize: 100_000, items: 10_000, scale: ResponseScale(low: 1, high: 1000), nullVariance: 2)
        }
        #expect(throws: LCError.self) { try NullSpec(design: NullDesign(groupSize: 10, items: 1, scale: scale, nullVariance: 2), replications: 0) }
        #expect(throws: LCError.self) {
            try NullSpec(design: NullDesign(groupSize: 1000, items: 1000, scale: scale, nullVariance: 2), replications: 1_000_000)
        }
        // exact awg for several items is left out, not approximated; an infeasible enumeration is an error
        let rows = try AgreementNull.distributions(Self.spec(items: 3, method: .exact))
        #expect(rows.allSatisfy { $0.exact } && !rows.contains { $0.0 == .awg })
        let big = try NullSpec(design: NullDesign(groupSize: 60, items: 1, scale: ResponseScale(low: 1, high: 11), nullVariance: 10),
                               method: .exact)
        #expect(throws: LCError.self) { try AgreementNull.run(big) }
    }
}
