/// A generalized model's response as R's family `initialize` codes it, on every data row
/// (NaN where missing): y on the family's scale and the binomial trials (prior weights).
///
/// - binomial: `cbind(successes, failures)` gives y = s/(s + f) with s + f trials; a factor or
///   text response gives 0 for its first level and 1 for every other (glmer's rule: the first
///   level is failure); a numeric response must lie in [0, 1] (a proportion with `weights =`
///   trials, or 0/1).
/// - poisson: non-negative integer counts.
struct FamilyResponse {
    let y: [Double]
    /// The trials per row (binomial `cbind`), nil otherwise.
    let trials: [Double]?
    /// Labels of a factor response: (failure, successes), for the notes.
    let levels: (failure: String, success: [String])?

    init(_ e: Expression, family: Family, evaluator: inout VariableEvaluator) throws {
        if case .call("cbind", let args) = e.unparenthesised {
            guard family == .binomial, args.count == 2, args.allSatisfy({ $0.name == nil }) else {
                throw LCError(.invalidArgument, "\(e): cbind(successes, failures) is a binomial response of two columns")
            }
            let s = try evaluator.numeric(args[0].value), f = try evaluator.numeric(args[1].value)
            var y = [Double](repeating: .nan, count: s.count), trials = y
            for r in s.indices where !s[r].isNaN && !f[r].isNaN {
                guard s[r] >= 0, f[r] >= 0, s[r] == s[r].rounded(), f[r] == f[r].rounded() else {
                    throw LCError(.invalidArgument, "\(e) on data row \(r + 1): \(s[r]) successes and \(f[r]) failures; counts must be non-negative integers")
                }
                trials[r] = s[r] + f[r]
                y[r] = trials[r] > 0 ? s[r] / trials[r] : 0
            }
            (self.y, self.trials, levels) = (y, trials, nil)
            return
        }
        if family == .binomial, case .factor(let factor) = try evaluator.value(e) {
            guard factor.levels.count >= 2 else {
                throw LCError(.invalidArgument, "the binomial response '\(e)' has only the level '\(factor.levels.first ?? "")'; it needs two")
            }
            y = factor.codes.map { $0 < 0 ? .nan : $0 == 0 ? 0 : 1 }
            (trials, levels) = (nil, (factor.levels[0], Array(factor.levels.dropFirst())))
            return
        }
        let y = try evaluator.numeric(e)
        for (r, v) in y.enumerated() where !v.isNaN {
            switch family {
            case .binomial where v < 0 || v > 1:
                throw LCError(.invalidArgument, "the binomial response '\(e)' is \(v) on data row \(r + 1); it must be 0/1 or a proportion in [0, 1] (use cbind(successes, failures) for counts)")
            case .poisson where v < 0 || v != v.rounded(), .nbinom2 where v < 0 || v != v.rounded():
                throw LCError(.invalidArgument, "the \(family == .poisson ? "Poisson" : "negative binomial") response '\(e)' is \(v) on data row \(r + 1); counts must be non-negative integers")
            default: break
            }
        }
        (self.y, trials, levels) = (y, nil, nil)
    }
}
