import Glibc

extension RandomScaleModel {
    /// One level's integral ∫ exp g(z) dz by adaptive Gauss–Hermite quadrature (Liu & Pierce
    /// 1994): the mode ẑ of g and σ̂ = (−g''(ẑ))^{−1/2} by Newton steps on central differences,
    /// then Σₖ wₖ e^{xₖ²} exp g(ẑ + √2σ̂xₖ) · √2σ̂. Returns its logarithm, the mode and σ̂, and
    /// the nodes' z and normalised weights (the posterior of z given the level's data).
    struct LevelIntegral {
        var logValue: Double
        var mode: Double, spread: Double
        var z: [Double], posterior: [Double]
    }

    func integrate(level c: Int, _ a: Parameters, _ sums: UnitSums, _ s: inout LevelScratch, from start: Double) -> LevelIntegral? {
        func g(_ z: Double) -> Double { logIntegrand(level: c, z: z, a, sums, &s) }
        let h = 1e-4
        var z = start, gz = g(z), curvature = -1.0
        for _ in 0..<50 {
            let (up, down) = (g(z + h), g(z - h))
            let slope = (up - down) / (2 * h)
            curvature = (up - 2 * gz + down) / (h * h)
            guard slope.isFinite, curvature.isFinite else { return nil }
            // Newton where g is concave, else a bounded step uphill
            var step = curvature < 0 ? -slope / curvature : (slope > 0 ? 1 : -1)
            step = max(-2, min(2, step))
            var next = z + step, gNext = g(next)
            var halvings = 0
            while !(gNext >= gz - 1e-12 * abs(gz)) && halvings < 30 { step /= 2; next = z + step; gNext = g(next); halvings += 1 }
            (z, gz) = (next, gNext)
            if abs(step) < 1e-6 { break }       // Newton: the error after a step δ is O(δ²)
        }
        let (up, down) = (g(z + h), g(z - h))
        curvature = (up - 2 * gz + down) / (h * h)
        guard curvature < 0, gz.isFinite else { return nil }
        let spread = 1 / (-curvature).squareRoot()
        var logs: [Double] = [], zs: [Double] = []
        for (x, w) in zip(rule.nodes, rule.weights) {
            let zk = z + 2.squareRoot() * spread * x
            let gk = x == 0 ? gz : g(zk)
            zs.append(zk)
            logs.append(log(w) + x * x + gk)
        }
        let top = logs.max() ?? gz
        let terms = logs.map { exp($0 - top) }
        let total = terms.reduce(0, +)
        guard total > 0, total.isFinite else { return nil }
        return LevelIntegral(logValue: top + log(total) + log(2.squareRoot() * spread), mode: z, spread: spread,
                             z: zs, posterior: terms.map { $0 / total })
    }

    /// −2 log L at x, and each level's mode (the start of the next evaluation's search).
    /// `sums` must be those of x's η. Levels run in parallel; nil where undefined.
    func criterion(_ x: [Double], sums: UnitSums, modes: [Double]) throws -> (value: Double, modes: [Double])? {
        let a = parameters(x)
        let maxUnits = maxUnitsPerLevel
        let parts = try Parallel.mapRanges(count: levels, minimumPerThread: 32) { range -> (Double, [Double])? in
            try Monitor.check()
            var scratch = LevelScratch(self, maxUnits: maxUnits)
            var total = 0.0, found: [Double] = []
            for c in range {
                prepare(level: c, a, sums, &scratch)
                guard let r = integrate(level: c, a, sums, &scratch, from: modes[c]) else { return nil }
                total += r.logValue
                found.append(r.mode)
            }
            return (total, found)
        }
        var value = 0.0, found: [Double] = []
        for part in parts {
            guard let part else { return nil }
            value += part.0
            found += part.1
        }
        return value.isFinite ? (-2 * value, found) : nil
    }
}
