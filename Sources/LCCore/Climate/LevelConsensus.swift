/// Which consensus index enters the level × consensus regression.
public enum ConsensusIndex: String, Sendable, CaseIterable {
    /// rwg(J) as in the agreement table (truncated as R multilevel does).
    case rwgJ = "rwg_j"
    /// The within-group SD of the scale score (a dispersion: higher means less consensus).
    case sd
    /// AD_M, averaged over items.
    case adM = "ad_m"
}

/// What the level × consensus regression is computed on.
public struct LevelConsensusSpec: Sendable {
    /// Groups, items, scale and null for the climate (as for the agreement table).
    public var agreement: AgreementSpec
    /// The respondent-level column whose group mean is the outcome.
    public var outcome: String
    public var consensus: ConsensusIndex
    /// A precomputed scale-score column to take the level (group mean) and SD from,
    /// instead of the mean of the items (as when a study ships its scale scores).
    public var levelColumn: String?
    /// Grand-mean centre level and consensus over groups before forming the product.
    public var center: Bool
    /// Weighted least squares with the group sizes as weights.
    public var weightBySize: Bool

    public init(agreement: AgreementSpec, outcome: String, consensus: ConsensusIndex = .rwgJ, levelColumn: String? = nil,
                center: Bool = false, weightBySize: Bool = false) {
        self.agreement = agreement
        self.outcome = outcome
        self.consensus = consensus
        self.levelColumn = levelColumn
        self.center = center
        self.weightBySize = weightBySize
    }
}

/// Climate level and consensus together (Lindell & Brandt 2000; González-Romá,
/// Fortes-Ferreira & Peiró 2009): one row per group, the group mean of an outcome
/// regressed on the level, the consensus and their product,
///
///     ȳ_j = b₀ + b₁·level_j + b₂·consensus_j + b₃·level_j·consensus_j + e_j,
///
/// by least squares (weighted by group size if asked), with classical, HC3 and
/// HC0 standard errors (R: `lm` and `sandwich::vcovHC`). Columns: `term, estimate,
/// se, t, p, se_hc3, t_hc3, p_hc3, se_hc0, df`, then the model's `r_squared,
/// adj_r_squared, sigma, f, groups` repeated on each row.
public enum LevelConsensus {
    public static let terms = ["(Intercept)", "level", "consensus", "level:consensus"]

    public static func run(_ data: Dataset, _ spec: LevelConsensusSpec) throws -> ResultTable {
        let climate = try Agreement.run(data, spec.agreement)
        let groups = try Grouping(data, keys: spec.agreement.group)
        let outcome = try GroupMoments(data, column: spec.outcome, groups: groups)
        var level = climate.mean, consensus = climate.consensus(spec.consensus)
        if let name = spec.levelColumn {
            let m = try GroupMoments(data, column: name, groups: groups)
            level = m.mean
            if spec.consensus == .sd { consensus = m.sd }
        }
        let sizes = climate.n.map(Double.init)
        let used = (0..<groups.count).filter { g in [level[g], consensus[g], outcome.mean[g]].allSatisfy { $0.isFinite } }
        var x1 = used.map { level[$0] }, x2 = used.map { consensus[$0] }
        if spec.center {
            x1 = centred(x1)
            x2 = centred(x2)
        }
        let product = zip(x1, x2).map { $0 * $1 }
        let fit = try LeastSquares.fit(columns: [[Double](repeating: 1, count: used.count), x1, x2, product],
                                       y: used.map { outcome.mean[$0] },
                                       weights: spec.weightBySize ? used.map { sizes[$0] } : nil)
        let k = terms.count
        let t = zip(fit.beta, fit.se).map { $0 / $1 }, tHC3 = zip(fit.beta, fit.seHC3).map { $0 / $1 }
        func repeated(_ v: Double) -> ResultTable.Values { .double([Double](repeating: v, count: k)) }
        var notes = ["outcome: group mean of \(spec.outcome); level: group mean of \(spec.levelColumn ?? "the scale score"); consensus: \(spec.consensus.rawValue)",
                     spec.center ? "level and consensus grand-mean centred over groups before the product" : "level and consensus uncentred",
                     spec.weightBySize ? "weighted by group size" : "unweighted (one vote per group)",
                     "se_hc3: HC3 (sandwich::vcovHC type HC3); p on the residual df as lmtest::coeftest"]
        if used.count < groups.count { notes.append("\(groups.count - used.count) groups without level, consensus or outcome were left out") }
        return ResultTable(columns: [
            .init("term", .text(terms)), .init("estimate", .double(fit.beta)), .init("se", .double(fit.se)),
            .init("t", .double(t)), .init("p", .double(fit.pValues(fit.se))),
            .init("se_hc3", .double(fit.seHC3)), .init("t_hc3", .double(tHC3)), .init("p_hc3", .double(fit.pValues(fit.seHC3))),
            .init("se_hc0", .double(fit.seHC0)), .init("df", .int([Int64](repeating: Int64(fit.residualDF), count: k))),
            .init("r_squared", repeated(fit.rSquared)), .init("adj_r_squared", repeated(fit.adjustedRSquared)),
            .init("sigma", repeated(fit.sigma)), .init("f", repeated(fit.f)), .init("groups", .int([Int64](repeating: Int64(used.count), count: k))),
        ], notes: notes)
    }

    private static func centred(_ v: [Double]) -> [Double] {
        let m = SampleStatistics.mean(v)
        return v.map { $0 - m }
    }
}
