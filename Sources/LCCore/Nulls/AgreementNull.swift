/// How a null distribution is obtained.
public enum NullMethod: String, Sendable, CaseIterable {
    /// Exact where enumeration is feasible, Monte Carlo for the rest.
    case auto
    case exact
    case monteCarlo = "monte_carlo"
}

/// What `AgreementNull.run` computes.
public struct NullSpec: Sendable {
    public var design: NullDesign
    public var method: NullMethod
    public var replications: Int
    public var seed: UInt64

    public static let maxReplications = 100_000_000
    /// Simulated answers (raters × items × replications) accepted in one call: about a minute on two cores.
    public static let maxDraws = 1e11

    public init(design: NullDesign, method: NullMethod = .auto, replications: Int = 10_000, seed: UInt64 = 1) throws {
        guard replications >= 1, replications <= Self.maxReplications else {
            throw LCError(.invalidArgument, "replications must be between 1 and \(Self.maxReplications), got \(replications)")
        }
        guard Double(design.groupSize) * Double(design.items) * Double(replications) <= Self.maxDraws else {
            throw LCError(.limit, "\(replications) replications of \(design.groupSize) raters × \(design.items) items exceed the \(Int(Self.maxDraws)) simulated answers accepted")
        }
        self.design = design
        self.method = method
        self.replications = replications
        self.seed = seed
    }
}

/// Null distributions of the agreement indices for one group size, item count,
/// scale and null (R: `rwg.sim`, `rwg.j.sim`, `ad.m.sim`; Dunlap, Burke &
/// Smith-Crowe 2003; LeBreton & Senter 2008), exact by enumeration where feasible.
///
/// One row per statistic: `statistic, method, replications, mean, sd, prob_zero,
/// prob_na, min, max, q01, q05, q10, q90, q95, q99, critical`. Quantiles follow
/// Bliese's rules (multilevel's `quantile` methods): for the rwg family and awg the
/// critical value c with P(X ≥ c) ≤ 1 − q, for AD the largest c with P(X ≤ c) ≤ q.
/// `critical` is the .95 value (agreement) or the .05 value (AD): an observed index
/// at or beyond it is significant at 5%.
public enum AgreementNull {
    public static let quantiles = [0.01, 0.05, 0.10, 0.90, 0.95, 0.99]

    /// The distribution of each statistic and whether it is exact. Method `exact` gives
    /// only the statistics that can be enumerated (awg needs one item) and fails when none can.
    public static func distributions(_ spec: NullSpec, wanted: Set<NullStatistic> = Set(NullStatistic.allCases))
        throws -> [(NullStatistic, DiscreteDistribution, exact: Bool)] {
        let exact = spec.method == .monteCarlo ? [:] : NullEnumeration.distributions(spec.design, wanted: wanted)
        if spec.method == .exact {
            guard !exact.isEmpty else {
                throw LCError(.invalidArgument, "an exact null distribution is not feasible here (enumeration is limited to \(Int(NullEnumeration.maxCompositions)) response patterns); use method auto or monte_carlo")
            }
            return NullStatistic.allCases.filter(wanted.contains).compactMap { s in exact[s].map { (s, $0, true) } }
        }
        let simulated = wanted.allSatisfy({ exact[$0] != nil })
            ? nil : try NullSimulation.simulate(spec.design, replications: spec.replications, seed: spec.seed)
        return NullStatistic.allCases.enumerated().filter { wanted.contains($0.1) }.map { i, s in
            if let e = exact[s] { return (s, e, true) }
            return (s, simulated?[i] ?? DiscreteDistribution(sample: []), false)
        }
    }

    /// The nulls of rwg(J) and AD_M for each (group size k, items J) pair with k ≥ 2 and J ≥ 1:
    /// what per-group tests compare each group with (exact where feasible, else simulated).
    static func rwgAndAD(for sizes: Set<GroupSize>, scale: ResponseScale, nullVariance: Double, replications: Int,
                         seed: UInt64) throws -> [GroupSize: (rwg: DiscreteDistribution?, ad: DiscreteDistribution?)] {
        var out: [GroupSize: (rwg: DiscreteDistribution?, ad: DiscreteDistribution?)] = [:]
        for size in sizes where size.raters >= 2 && size.items >= 1 {
            let design = try NullDesign(groupSize: size.raters, items: size.items, scale: scale, nullVariance: nullVariance)
            let rows = try distributions(NullSpec(design: design, replications: replications, seed: seed), wanted: [.rwgJ, .adM])
            out[size] = (rows.first { $0.0 == .rwgJ }?.1, rows.first { $0.0 == .adM }?.1)
        }
        return out
    }

    /// A group's size for the null: raters and items.
    struct GroupSize: Hashable { let raters: Int, items: Int }

    public static func run(_ spec: NullSpec) throws -> ResultTable {
        let rows = try distributions(spec)
        var columns: [String: [Double]] = [:]
        func put(_ name: String, _ v: Double) { columns[name, default: []].append(v) }
        for (s, d, _) in rows {
            put("mean", d.mean); put("sd", d.sd); put("prob_zero", d.probability(of: 0)); put("prob_na", d.undefinedShare)
            put("min", d.values.first ?? .nan); put("max", d.values.last ?? .nan)
            for q in quantiles {
                put(name(q), s.agreementIsHigh ? d.agreementQuantile(q) : d.disagreementQuantile(q))
            }
            put("critical", s.agreementIsHigh ? d.agreementQuantile(0.95) : d.disagreementQuantile(0.05))
        }
        let numeric = ["mean", "sd", "prob_zero", "prob_na", "min", "max"] + quantiles.map(name) + ["critical"]
        let design = spec.design
        let notes = [
            "group size \(design.groupSize), \(design.items) item(s), \(design.scale.options) options, null variance \(design.nullVariance); answers uniform over the options",
            "quantiles by Bliese's rules (R multilevel): agreement indices P(X >= q-value) <= 1 - q, AD P(X <= q-value) <= q",
            "exact: enumeration of all multinomial answer patterns, items convolved; monte_carlo: \(spec.replications) replications, seed \(spec.seed), xoshiro256** in blocks of \(NullSimulation.blockSize)",
        ]
        return ResultTable(columns: [
            .init("statistic", .text(rows.map { $0.0.rawValue })),
            .init("method", .text(rows.map { $0.exact ? "exact" : "monte_carlo" })),
            .init("replications", .int(rows.map { $0.exact ? 0 : Int64(spec.replications) })),
        ] + numeric.map { .init($0, .double(columns[$0] ?? [])) }, notes: notes)
    }

    private static func name(_ q: Double) -> String {
        let pct = Int((q * 100).rounded())
        return pct < 10 ? "q0\(pct)" : "q\(pct)"
    }
}
