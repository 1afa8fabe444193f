/// How `confint` computes intervals (lme4's `confint.merMod` methods).
public enum IntervalMethod: String, Sendable, CaseIterable {
    /// β̂ ± z·SE for the fixed effects; none for the variance parameters (lme4's "Wald").
    case wald
    /// Profile likelihood (`Profile`).
    case profile
    /// Percentiles of a parametric bootstrap (`ParametricBootstrap`).
    case bootstrap
}

extension LMMFit {
    /// Intervals of every parameter: `parameter` (sd, corr, sigma, fixed), `group`, `term`,
    /// `estimate`, `low`, `high`, in lme4's order (the random table's rows, then the fixed effects).
    /// `simulations` and `seed` are the bootstrap's.
    public func confint(method: IntervalMethod, level: Double = 0.95, simulations: Int = 1000, seed: UInt64 = 1) throws -> ResultTable {
        guard level > 0 && level < 1 else { throw LCError(.invalidArgument, "the level must lie between 0 and 1, not \(level)") }
        let z = Distributions.normalQuantile((1 + level) / 2)
        let list = parameters
        var low = [Double](repeating: .nan, count: list.count), high = low
        var notes: [String] = []
        switch method {
        case .wald:
            for (k, p) in list.enumerated() where p.kind == .fixed {
                let se = standardErrors[p.a]
                (low[k], high[k]) = (beta[p.a] - z * se, beta[p.a] + z * se)
            }
            notes.append("Wald intervals β ± z·SE for the fixed effects, none for the variance parameters (as lme4's confint method \"Wald\")" + (waldTests ? "" : "; the fixed table's ci_low and ci_high use t with Satterthwaite df"))
        case .profile:
            let interval: (Int) -> (Double, Double)
            if generalized != nil {
                let profile = try GeneralizedProfile(self)
                interval = { profile.interval($0, z: z) }
            } else {
                let profile = try Profile(self)
                interval = { k in list[k].kind == .fixed ? profile.fixedInterval(list[k].a, z: z) : profile.varianceInterval(k, z: z) }
            }
            // each parameter's profile is independent: one per thread
            Monitor.expect(list.count)
            let limits = try Parallel.mapRanges(count: list.count, minimumPerThread: 1) { range in
                try range.map { k in
                    let limit = interval(k)
                    try Monitor.advance()     // (a cancel also stops each profile's optimiser early)
                    return limit
                }
            }.flatMap { $0 }
            for k in list.indices { (low[k], high[k]) = limits[k] }
            notes.append(generalized == nil ? "profile-likelihood intervals from the ML deviance" + (reml ? " (the REML fit refitted by ML, as lme4 does)" : "")
                         : "profile-likelihood intervals from the \(generalized!.nagq == 1 ? "Laplace" : "adaptive Gauss-Hermite") deviance over the random SDs, correlations and fixed effects (as lme4's profile of a glmer fit)")
        case .bootstrap:
            try refuseGeneralized("bootstrap intervals")
            let boot = try ParametricBootstrap(self, simulations: simulations, seed: seed)
            let alpha = (1 - level) / 2
            for k in list.indices {
                let values = boot.draws.map { $0[k] }.filter { !$0.isNaN }.sorted()
                guard !values.isEmpty else { continue }
                (low[k], high[k]) = (SampleStatistics.quantileType7(values, alpha), SampleStatistics.quantileType7(values, 1 - alpha))
            }
            notes.append("percentile intervals of \(boot.draws.count) parametric bootstrap refits (seed \(seed)), as lme4's bootMer")
            if boot.failures > 0 { notes.append("\(boot.failures) simulated samples could not be refitted and were left out") }
        }
        return ResultTable(columns: [
            .init("parameter", .text(list.map(\.kind.rawValue))), .init("group", .text(list.map(\.group))),
            .init("term", .text(list.map(\.term))), .init("estimate", .double(list.map(\.value))),
            .init("low", .double(low)), .init("high", .double(high)),
        ], notes: notes)
    }
}

extension LMMFit {
    /// Throws for what is built for linear fits only.
    func refuseGeneralized(_ what: String) throws {
        if let g = generalized {
            throw LCError(.invalidArgument, "\(what) are not available for \(g.family.rawValue) models yet; use Wald intervals (--confint wald, method=\"wald\")")
        }
    }
}
