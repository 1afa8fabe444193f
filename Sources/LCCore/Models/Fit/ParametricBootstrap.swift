/// A parametric bootstrap of a linear mixed model, as lme4's `bootMer` with `use.u = FALSE`
/// (Davison & Hinkley 1997, §4.2): samples y* = Xβ̂ + offset + Zb* + e*, b* ~ N(0, Σ̂) per level,
/// eᵢ* ~ N(0, σ̂²/wᵢ) (correlated within groups as the correlation structure says), are refitted as the model was (REML or ML, same variance function), and
/// each refit's parameters (`LMMFit.parameters`) are kept. Replicate r draws from its own
/// stream (seed, r), so the result does not depend on the number of threads.
struct ParametricBootstrap {
    static let maxSimulations = 100_000
    /// One row per successful refit, in the order of `LMMFit.parameters`.
    let draws: [[Double]]
    let failures: Int

    init(_ fit: LMMFit, simulations: Int, seed: UInt64) throws {
        guard simulations >= 1 && simulations <= ParametricBootstrap.maxSimulations else {
            throw LCError(.invalidArgument, "the bootstrap takes 1 to \(ParametricBootstrap.maxSimulations) simulations, not \(simulations)")
        }
        let frame = fit.frame, n = frame.n
        let mean = fit.fittedValues(random: false).enumerated().map { $1 - (frame.offset?[$0] ?? 0) }
        let count = fit.parameters.count
        try MemoryBudget.reserve(Double(simulations) * Double(count + 1) * 16 + Double(Parallel.defaultThreads) * Double(n) * 8 * Double(frame.p + 8),
                                 for: "\(simulations) bootstrap refits of \(n) rows")
        // correlated residuals: white noise coloured by each group's L (the inverse of the whitening)
        let colour = fit.residual.whitening(fit.residualParameters, forward: false)
        Monitor.expect(simulations)
        let results = try Parallel.mapRanges(count: simulations, minimumPerThread: 1) { range -> [[Double]?] in
            try range.map { r -> [Double]? in
                try Monitor.advance()
                var rng = Xoshiro256(seed: seed, stream: UInt64(r))
                var y = mean
                for (c, block) in zip(fit.components, frame.random) {
                    let q = c.names.count
                    let b = (0..<c.levels.count).map { _ -> [Double] in
                        let u = (0..<q).map { _ in rng.normal() }
                        return (0..<q).map { a in fit.sigma * (0..<q).reduce(0) { $0 + c.lambda[a, $1] * u[$1] } }
                    }
                    for i in 0..<n {
                        let bk = b[Int(block.group[i])]
                        for a in 0..<q { y[i] += block.z[a][i] * bk[a] }
                    }
                }
                var e = (0..<n).map { _ in fit.sigma * rng.normal() }
                if let colour { e = colour(e) }
                for i in 0..<n { y[i] += e[i] / (fit.rowWeights?[i] ?? 1).squareRoot() }
                guard let refit = try? LinearMixedModel.fit(frame.replacingResponse(y), reml: fit.reml,
                                                            residual: fit.residual, degreesOfFreedom: false) else { return nil }
                try Monitor.check()      // a refit stopped by a cancel is not a failed refit
                let values = refit.parameters.map(\.value)
                return values.count == count ? values : nil
            }
        }.flatMap { $0 }
        draws = results.compactMap { $0 }
        failures = results.count - draws.count
    }
}
