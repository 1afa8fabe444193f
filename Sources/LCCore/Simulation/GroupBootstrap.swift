/// The bootstrap over groups (resampling whole groups with replacement, so the
/// nesting of members in groups is kept; Field & Welsh 2007): percentile
/// intervals for ICC(1) and ICC(2), and for the mean or median of any group-level
/// column. Replicate r draws with `Xoshiro256(seed: seed, stream: r)`, so a seed
/// gives the same interval on any number of cores.
public enum GroupBootstrap {
    public static let maxReplicates = 1_000_000

    /// ICC(1) and ICC(2) 95% percentile intervals from B resamples of the groups of
    /// `anova`'s per-group summaries (n_j, mean_j, within sum of squares SS_j).
    static func iccIntervals(_ groups: [(n: Double, mean: Double, ss: Double)], groupSize: ICCGroupSize,
                             replicates: Int, seed: UInt64) throws -> (icc1: (Double, Double), icc2: (Double, Double)) {
        guard replicates >= 1, replicates <= maxReplicates else {
            throw LCError(.invalidArgument, "bootstrap replicates must be between 1 and \(maxReplicates), got \(replicates)")
        }
        let j = groups.count
        guard j >= 2 else { return ((.nan, .nan), (.nan, .nan)) }
        try MemoryBudget.reserve(Double(replicates) * 32 + Double(Parallel.defaultThreads * j) * 24, for: "\(replicates) bootstrap resamples of \(j) groups")
        let draws = try Parallel.mapRanges(count: replicates, minimumPerThread: 64) { range -> [(Double, Double)] in
            try range.map { r in
                if r % 64 == 0 { try Monitor.check() }
                var rng = Xoshiro256(seed: seed, stream: UInt64(r))
                let a = OneWayANOVA(summaries: (0..<j).map { _ in groups[Int(rng.below(UInt64(j)))] }, groupSize: groupSize)
                return a.undefinedReason == nil ? (a.icc1, a.icc2) : (.nan, .nan)
            }
        }.flatMap { $0 }
        func interval(_ v: [Double]) -> (Double, Double) {
            let s = v.filter { $0.isFinite }.sorted()
            return (SampleStatistics.quantileType7(s, 0.025), SampleStatistics.quantileType7(s, 0.975))
        }
        return (interval(draws.map(\.0)), interval(draws.map(\.1)))
    }

    /// The mean or median of a group-level column: estimate, bootstrap SE and 95% percentile interval.
    public static func statistic(_ values: [Double], median: Bool, replicates: Int, seed: UInt64) throws -> ResultTable {
        guard replicates >= 2, replicates <= maxReplicates else {
            throw LCError(.invalidArgument, "bootstrap replicates must be between 2 and \(maxReplicates), got \(replicates)")
        }
        let v = values.filter { $0.isFinite }
        guard v.count >= 2 else { throw LCError(.invalidArgument, "the bootstrap needs at least two groups with a value") }
        func stat(_ x: [Double]) -> Double { median ? SampleStatistics.median(x) : SampleStatistics.mean(x) }
        try MemoryBudget.reserve(Double(replicates) * 16 + Double(Parallel.defaultThreads * v.count) * 16, for: "\(replicates) bootstrap resamples of \(v.count) groups")
        let draws = try Parallel.mapRanges(count: replicates, minimumPerThread: 64) { range -> [Double] in
            try range.map { r in
                if r % 64 == 0 { try Monitor.check() }
                var rng = Xoshiro256(seed: seed, stream: UInt64(r))
                return stat((0..<v.count).map { _ in v[Int(rng.below(UInt64(v.count)))] })
            }
        }.flatMap { $0 }
        let se = SampleStatistics.variance(draws).squareRoot()
        let s = draws.sorted()
        return ResultTable(columns: [
            .init("statistic", .text([median ? "median" : "mean"])), .init("estimate", .double([stat(v)])),
            .init("se", .double([se])), .init("low", .double([SampleStatistics.quantileType7(s, 0.025)])),
            .init("high", .double([SampleStatistics.quantileType7(s, 0.975)])),
            .init("groups", .int([Int64(v.count)])), .init("replicates", .int([Int64(replicates)])),
        ], notes: ["bootstrap over groups: \(replicates) resamples with replacement, seed \(seed), 95% percentile interval"])
    }
}
