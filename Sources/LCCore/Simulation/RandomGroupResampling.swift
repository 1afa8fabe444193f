import Glibc

/// What random group resampling is computed on.
public struct RGRSpec: Sendable {
    public var group: [String]
    /// The variable: one column, or the scale score (mean of the items).
    public var items: [String]
    public var scale: ResponseScale?
    public var reverse: [String]
    /// Pseudo groups wanted in all; replicates = round(pseudoGroups / J), as R's `rgr.agree`.
    public var pseudoGroups: Int
    public var seed: UInt64

    public init(group: [String], items: [String], scale: ResponseScale? = nil, reverse: [String] = [],
                pseudoGroups: Int = 1000, seed: UInt64 = 1) {
        self.group = group
        self.items = items
        self.scale = scale
        self.reverse = reverse
        self.pseudoGroups = pseudoGroups
        self.seed = seed
    }
}

/// Random group resampling (Bliese & Halverson 2002; R multilevel's `rgr.agree`):
/// are real groups more alike than pseudo groups of the same sizes?
///
/// Each replicate permutes the N answers and cuts them into pseudo groups with the
/// real group sizes; the within-group variances s² of all pseudo groups form the
/// null distribution. With J real groups, R = round(pseudo groups / J) replicates:
///
///     z = (mean real s² − mean pseudo s²) / (SD pseudo s² / √J),
///
/// negative when real groups agree more than chance; p = Φ(z) (one-sided). The
/// expected pseudo-group variance is var(x) (a random sample's s² is unbiased).
/// Replicate r permutes with `Xoshiro256(seed: seed, stream: r)` (Fisher–Yates),
/// so a seed gives the same result on any number of cores.
///
/// One row: `groups, replicates, pseudo_groups, av_rgr_var, sd_rgr_var, av_grp_var,
/// expected_rgr_var, z, p, q005, q01, q025, q05, q10, q90, q95, q975, q99, q995`
/// (quantiles of the pseudo-group variances, R's type 7).
public enum RandomGroupResampling {
    public static let probabilities = [0.005, 0.01, 0.025, 0.05, 0.10, 0.90, 0.95, 0.975, 0.99, 0.995]
    static let quantileNames = ["q005", "q01", "q025", "q05", "q10", "q90", "q95", "q975", "q99", "q995"]

    public static func run(_ data: Dataset, _ spec: RGRSpec) throws -> ResultTable {
        guard spec.pseudoGroups >= 1, spec.pseudoGroups <= 100_000_000 else {
            throw LCError(.invalidArgument, "the number of pseudo groups must be between 1 and 100000000, got \(spec.pseudoGroups)")
        }
        let groups = try Grouping(data, keys: spec.group)
        let items = try ItemSet(data, items: spec.items, scale: spec.scale, reverse: spec.reverse)
        // the answers by group, leaving out missing values (as R after na.omit)
        var x: [Double] = [], sizes: [Int] = []
        for g in 0..<groups.count {
            let before = x.count
            for r in groups.rows(of: g) {
                let v = items.scaleScore(Int(r), policy: .available)
                if !v.isNaN { x.append(v) }
            }
            if x.count > before { sizes.append(x.count - before) }
        }
        guard sizes.count >= 2, sizes.contains(where: { $0 >= 2 }) else {
            throw LCError(.invalidArgument, "random group resampling needs at least two groups and a group with two answers")
        }
        let replicates = max(1, Int((Double(spec.pseudoGroups) / Double(sizes.count)).rounded(.toNearestOrEven)))
        guard Double(replicates) * Double(x.count) <= 1e10 else {
            throw LCError(.limit, "\(replicates) replicates of \(x.count) answers exceed the 1e10 permuted answers accepted")
        }
        var offsets = [0]
        for s in sizes { offsets.append(offsets[offsets.count - 1] + s) }
        let real = (0..<sizes.count).map { SampleStatistics.variance(x[offsets[$0]..<offsets[$0 + 1]]) }.filter { !$0.isNaN }
        try MemoryBudget.reserve(Double(replicates) * Double(sizes.count) * 16 + Double(Parallel.defaultThreads * x.count) * 16,
                                 for: "\(replicates) replicates of \(sizes.count) pseudo groups")
        Monitor.expect(replicates)
        let pseudo = try Parallel.mapRanges(count: replicates, minimumPerThread: 1) { range -> [Double] in
            var out: [Double] = [], y = x
            out.reserveCapacity(range.count * sizes.count)
            for r in range {
                try Monitor.advance()
                var rng = Xoshiro256(seed: spec.seed, stream: UInt64(r))
                y = x
                for i in stride(from: y.count - 1, to: 0, by: -1) {
                    y.swapAt(i, Int(rng.below(UInt64(i + 1))))
                }
                for g in 0..<sizes.count where sizes[g] >= 2 { out.append(SampleStatistics.variance(y[offsets[g]..<offsets[g + 1]])) }
            }
            return out
        }.flatMap { $0 }
        let j = Double(real.count)
        let avReal = real.reduce(0, +) / j
        let avPseudo = pseudo.reduce(0, +) / Double(pseudo.count)
        let sdPseudo = SampleStatistics.variance(pseudo).squareRoot()
        let z = (avReal - avPseudo) / (sdPseudo / j.squareRoot())
        let sorted = pseudo.sorted()
        var columns: [ResultTable.Column] = [
            .init("groups", .int([Int64(real.count)])), .init("replicates", .int([Int64(replicates)])),
            .init("pseudo_groups", .int([Int64(pseudo.count)])),
            .init("av_rgr_var", .double([avPseudo])), .init("sd_rgr_var", .double([sdPseudo])),
            .init("av_grp_var", .double([avReal])), .init("expected_rgr_var", .double([SampleStatistics.variance(x)])),
            .init("z", .double([z])), .init("p", .double([0.5 * erfc(-z / 2.0.squareRoot())])),
        ]
        for (q, name) in zip(probabilities, quantileNames) { columns.append(.init(name, .double([SampleStatistics.quantileType7(sorted, q)]))) }
        let notes = ["variable: \(spec.items.count == 1 ? spec.items[0] : "scale score (mean of \(spec.items.count) items)"); missing values left out",
                     "\(replicates) replicates = round(\(spec.pseudoGroups) / \(sizes.count) groups), seed \(spec.seed); p = Phi(z), one-sided (real groups agree more)"]
        return ResultTable(columns: columns, notes: notes)
    }
}
