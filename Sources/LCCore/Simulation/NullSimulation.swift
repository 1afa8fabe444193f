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

    /// The simulated values of every statistic (in `NullStatistic.allCases` order), replication order.
    static func simulate(_ design: NullDesign, replications: Int, seed: UInt64) throws -> [[Double]] {
        let blocks = (replications + blockSize - 1) / blockSize
        let stats = NullStatistic.allCases.count
        Monitor.expect(blocks)
        let parts = try Parallel.mapRanges(count: blocks, minimumPerThread: 1) { range -> [[Double]] in
            var out = [[Double]](repeating: [], count: stats)
            let (a, k, j) = (design.options, design.groupSize, design.items)
            var counts = [Int](repeating: 0, count: a * j)
            for b in range {
                var rng = Xoshiro256(seed: seed, stream: UInt64(b))
                try Monitor.advance()
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
                        for s in 0..<stats { out[s].append(values[s]) }
                    }
                }
            }
            return out
        }
        return (0..<stats).map { s in parts.flatMap { $0[s] } }
    }
}
