import Glibc

/// What the consensus emergence model is fitted to.
public struct EmergenceSpec: Sendable {
    public var group: String, person: String, time: String, value: String
    public var reml: Bool

    public init(group: String, person: String, time: String, value: String, reml: Bool = true) {
        (self.group, self.person, self.time, self.value, self.reml) = (group, person, time, value, reml)
    }

    /// value ~ time + (1 + time | group) + (1 | group:person), built as a tree (no text to parse).
    public func model() throws -> Formula {
        func plus(_ terms: Expression...) -> Expression { .sum(terms.map { Expression.Addend(negative: false, $0) }) }
        let rhs = plus(.name(time),
                       .parenthesised(.binary("|", plus(.number(1), .name(time)), .name(group))),
                       .parenthesised(.binary("|", .number(1), .binary(":", .name(group), .name(person)))))
        return try Formula(response: .name(value), rhs: rhs) { LCError(.invalidArgument, "emergence model: \($0)") }
    }
}

/// The consensus emergence model (Lang, Bliese & de Voogt 2018, Personnel Psychology):
///
///     y_tij = b₀ + b₁·time + u₀ⱼ + u₁ⱼ·time + r_ij + e_tij,   Var(e_tij) = σ² exp(2δ·time),
///
/// fitted with and without the variance function (nlme's `varExp(form = ~time)`).
/// δ < 0 means the residual (within-group) SD shrinks over time: consensus emerges.
/// The likelihood-ratio test of δ = 0 is given two-sided (χ²₁) and one-sided for
/// emergence (half the two-sided p when δ < 0). A 2024 Psychological Methods paper
/// (doi 10.1037/met0000511) shows the model can signal emergence that is not there:
/// read δ with the residual SD per occasion and the trajectories, not as a verdict.
///
/// One row per distinct time: `time, residual_sd`, then the model's `delta, se,
/// ci_low, ci_high, sigma, loglik_null, loglik, lr, df, p_two_sided, p_one_sided,
/// converged, singular` repeated on each row.
public enum Emergence {
    public static func run(_ data: Dataset, _ spec: EmergenceSpec) throws -> (table: ResultTable, fit: TransferResult, null: TransferResult) {
        let frame = try ModelFrame(spec.model(), data: data)
        let null = try LinearMixedModel.fit(frame, reml: spec.reml)
        let fit = try LinearMixedModel.fit(frame, reml: spec.reml, variance: .exp(spec.time), data: data)
        guard let v = fit.variance, let delta = v.estimates.first, let se = v.standardErrors.first else {
            throw LCError(.internalError, "the variance function was not estimated")
        }
        let lr = max(0, null.criterion - fit.criterion)
        let p2 = Distributions.chiSquaredUpperTail(lr, 1)
        let p1 = delta < 0 ? p2 / 2 : 1 - p2 / 2
        let z = Distributions.normalQuantile975
        let k = v.residualSD.count
        func repeated(_ x: Double) -> ResultTable.Values { .double([Double](repeating: x, count: k)) }
        var notes = ["value ~ time + (1 + time | group) + (1 | group:person), residual SD sigma*exp(delta*time); \(spec.reml ? "REML" : "ML") fits",
                     "delta < 0: the within-group residual SD shrinks over time (consensus emerges); LRT of delta = 0 on 1 df, one-sided p for delta < 0",
                     "a significant delta can arise without real emergence (Psychological Methods 2024, doi 10.1037/met0000511): check the residual SD per occasion and the trajectories"]
        if fit.singular || null.singular { notes.append("singular fit: a random-effect variance is at zero or a correlation at ±1") }
        return (ResultTable(columns: [
            .init("time", .numbers(v.residualSD.map { $0.covariate ?? .nan })), .init("residual_sd", .double(v.residualSD.map(\.sd))),
            .init("delta", repeated(delta)), .init("se", repeated(se)),
            .init("ci_low", repeated(delta - z * se)), .init("ci_high", repeated(delta + z * se)),
            .init("sigma", repeated(fit.sigma)), .init("loglik_null", repeated(null.logLik)), .init("loglik", repeated(fit.logLik)),
            .init("lr", repeated(lr)), .init("df", .int([Int64](repeating: 1, count: k))), .init("p_two_sided", repeated(p2)), .init("p_one_sided", repeated(p1)),
            .init("converged", .bool([Bool](repeating: fit.converged && null.converged, count: k))),
            .init("singular", .bool([Bool](repeating: fit.singular || null.singular, count: k))),
        ], notes: notes), TransferResult(fit), TransferResult(null))
    }
}
