/// Monte Carlo null distributions, as R's `rwg.sim`, `rwg.j.sim` and `ad.m.sim`
/// draw them: each replication is a group of k raters answering J items
/// independently and uniformly over the A options.
///
/// Replications come in blocks of `blockSize`; block b is drawn from
/// `Xoshiro256(seed: seed, stream: b)` (replication by replication, item by item,
/// rater by rater), so a seed gives the same values on any number of cores. Blocks
/// are split over the cores.
enum NullSimulation {
    static let blockSize = 4096
    /// Distinct values one statistic may take in a simulation before it is refused: the
    /// draws are counted by value, so memory grows with the distinct values, not the draws.
    static let maxDistinctValues = 5_000_000

    /// The simulated distribution of every statistic (in `NullStatistic.allCases` order),
    /// counted by value as the draws stream past (10⁸ replications need no 10⁸-long array).
    static func simulate(_ design: NullDesign, replications: Int, seed: UInt64) throws -> [DiscreteDistribution] {
        let blocks = (replications + blockSize - 1) / blockSize
        let stats = NullStatistic.allCases.count
        Monitor.expect(blocks)
        let parts = try Parallel.mapRanges(count: blocks, minimumPerThread: 1) { range -> [Tally] in
            var out = [Tally](repeating: Tally(), count: stats)
            let (a, k, j) = (design.options, design.groupSize, design.items)
            var counts = [Int](repeating: 0, count: a * j)
            for b in range {
                try Monitor.advance()
                var rng = Xoshiro256(seed: seed, stream: UInt64(b))
                let n = min(blockSize, replications - b * blockSize)
                for _ in 0..<n {
                    counts.withUnsafeMutableBufferPointer { c in
                        guard let base = c.baseAddress else { return }
                        base.update(repeating: 0, count: a * j)
                        for item in 0..<j {
                            let row = base + item * a
                            for _ in 0..<k { row[Int(rng.below(UInt64(a)))] += 1 }
                        }
                        let values = design.statistics(counts: UnsafePointer(base))
                        for s in 0..<stats { out[s].add(values[s]) }
                    }
                }
                if let big = out.firstIndex(where: { $0.counts.count > maxDistinctValues }) {
                    throw LCError(.limit, "the simulated \(NullStatistic.allCases[big]) took more than \(maxDistinctValues) distinct values; use fewer replications")
                }
            }
            return out
        }
        return (0..<stats).map { s in
            var all = Tally()
            for p in parts { all.merge(p[s]) }
            return DiscreteDistribution(counts: all.counts, undefined: all.undefined)
        }
    }

    /// Draws of one statistic counted by value.
    struct Tally {
        var counts: [Double: Int] = [:]
        var undefined = 0

        mutating func add(_ v: Double) {
            if v.isNaN { undefined += 1 } else { counts[v, default: 0] += 1 }
        }

        mutating func merge(_ o: Tally) {
            undefined += o.undefined
            counts.merge(o.counts, uniquingKeysWith: +)
        }
    }
}
