import Glibc

/// What the consensus emergence model is fitted to.
public struct EmergenceSpec: Sendable {
    public var group: String, person: String, time: String, value: String
    public var reml: Bool
    /// A group characteristic whose effect on the rate of emergence is estimated (`EmergenceModerator`).
    public var moderator: EmergenceModerator?

    public init(group: String, person: String, time: String, value: String, reml: Bool = true, moderator: EmergenceModerator? = nil) {
        (self.group, self.person, self.time, self.value, self.reml, self.moderator) = (group, person, time, value, reml, moderator)
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
        let times = v.residualSD.map { $0.covariate ?? .nan }
        let moderated = try spec.moderator.map { try moderation($0, data, spec, times: times, notes: &notes) } ?? []
        return (ResultTable(columns: [
            .init("time", .numbers(v.residualSD.map { $0.covariate ?? .nan })), .init("residual_sd", .double(v.residualSD.map(\.sd))),
            .init("delta", repeated(delta)), .init("se", repeated(se)),
            .init("ci_low", repeated(delta - z * se)), .init("ci_high", repeated(delta + z * se)),
            .init("sigma", repeated(fit.sigma)), .init("loglik_null", repeated(null.logLik)), .init("loglik", repeated(fit.logLik)),
            .init("lr", repeated(lr)), .init("df", .int([Int64](repeating: 1, count: k))), .init("p_two_sided", repeated(p2)), .init("p_one_sided", repeated(p1)),
            .init("converged", .bool([Bool](repeating: fit.converged && null.converged, count: k))),
            .init("singular", .bool([Bool](repeating: fit.singular || null.singular, count: k))),
        ] + moderated, notes: notes), TransferResult(fit), TransferResult(null))
    }

    /// The moderated emergence model, log σ = η₀ + η₁·time + η₂·m + η₃·time·m with m the
    /// moderator centred over groups, against the unmoderated log σ = η₀ + η₁·time on the same
    /// rows (those of groups that have the moderator): `moderator, moderator_sd, eta_moderator,
    /// eta_time_moderator, se_time_moderator, lr_moderator, df_moderator, p_moderator`, and per
    /// time the implied residual SD at m = −1 SD, 0 and +1 SD (`sd_minus_1sd, sd_at_mean,
    /// sd_plus_1sd`) beside the pooled within-group SD observed (`observed_sd`).
    private static func moderation(_ moderator: EmergenceModerator, _ data: Dataset, _ spec: EmergenceSpec, times: [Double],
                                   notes: inout [String]) throws -> [ResultTable.Column] {
        let (group, labels) = try Grouping.codes(for: data.column(spec.group))
        var byGroup = try moderator.groupValues(data, group: group, groups: labels.count, person: spec.person)
        let present = byGroup.filter { $0.isFinite }
        guard present.count >= 3 else {
            throw LCError(.invalidArgument, "the moderator \(moderator) is defined for \(present.count) groups; it needs at least three")
        }
        let center = present.reduce(0, +) / Double(present.count)
        for g in byGroup.indices { byGroup[g] -= center }
        let spread = SampleStatistics.variance(present.map { $0 - center }[...]).squareRoot()
        let kept = (0..<data.rowCount).filter { group[$0] >= 0 && byGroup[Int(group[$0])].isFinite }
        if kept.count < data.rowCount {
            notes.append("\(labels.count - present.count) groups without a value of \(moderator) were left out of the moderated models")
        }
        var name = "moderator"
        while data.columnNames.contains(name) { name += "_" }
        var restricted = try data.rows(kept)
        try restricted.add(Column(name: name, values: .numeric(.doubles(kept.map { byGroup[Int(group[$0])] }))))
        let formula = try spec.model()
        func fitted(_ scale: String) throws -> LMMFit {
            try LinearMixedModel.fit(ModelFrame(formula, data: restricted, options: ModelOptions(scale: ScaleFormula(parsing: scale))), reml: spec.reml)
        }
        let base = try fitted("~ \(spec.time)"), full = try fitted("~ \(spec.time) * \(name)")
        guard let s = full.scale, s.estimates.count == 4 else { throw LCError(.internalError, "the moderated scale was not estimated") }
        let lr = max(0, base.criterion - full.criterion)
        let p = Distributions.chiSquaredUpperTail(lr, 2)
        notes.append("moderator \(moderator), centred at its mean over groups (\(labelText(center))): log residual SD = eta0 + eta1*time + eta2*m + eta3*time*m; LRT of eta2 = eta3 = 0 on 2 df, \(spec.reml ? "REML" : "ML") fits")
        func implied(_ m: Double) -> [Double] { times.map { t in exp(s.estimates[0] + s.estimates[1] * t + s.estimates[2] * m + s.estimates[3] * t * m) } }
        let k = times.count
        func repeated(_ x: Double) -> ResultTable.Values { .double([Double](repeating: x, count: k)) }
        return [
            .init("moderator", .text([String](repeating: moderator.description, count: k))), .init("moderator_sd", repeated(spread)),
            .init("eta_moderator", repeated(s.estimates[2])), .init("eta_time_moderator", repeated(s.estimates[3])),
            .init("se_time_moderator", repeated(s.standardErrors[3])), .init("lr_moderator", repeated(lr)),
            .init("df_moderator", .int([Int64](repeating: 2, count: k))), .init("p_moderator", repeated(p)),
            .init("sd_minus_1sd", .double(implied(-spread))), .init("sd_at_mean", .double(implied(0))),
            .init("sd_plus_1sd", .double(implied(spread))),
            .init("observed_sd", .double(try observedSD(data, spec, group: group, times: times))),
        ]
    }

    /// The pooled within-group SD of the value at each time: √(Σ_g (n_gt − 1)s²_gt / Σ_g (n_gt − 1)).
    private static func observedSD(_ data: Dataset, _ spec: EmergenceSpec, group: [Int32], times: [Double]) throws -> [Double] {
        let time = try data.numeric(spec.time), value = try data.numeric(spec.value)
        var cells: [Double: [Int32: [Double]]] = [:]
        for r in 0..<data.rowCount where group[r] >= 0 && !time[r].isNaN && !value[r].isNaN {
            cells[time[r], default: [:]][group[r], default: []].append(value[r])
        }
        return times.map { t in
            var ss = 0.0, df = 0.0
            for (_, x) in cells[t] ?? [:] where x.count >= 2 {
                ss += SampleStatistics.variance(x[...]) * Double(x.count - 1)
                df += Double(x.count - 1)
            }
            return df > 0 ? (ss / df).squareRoot() : .nan
        }
    }
}
