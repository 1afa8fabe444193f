import CLCStat
import LCCore

/// Runs an analysis of a dataset under a spec, storing a new table handle in `out`.
func analyse(_ dataset: UnsafePointer<lc_dataset>?, _ spec: UnsafePointer<lc_spec>?,
              _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?, _ error: UnsafeMutablePointer<lc_error>?,
              _ run: (Dataset, SpecHandle) throws -> ResultTable) -> Int32 {
    producing(out, error) {
        let d = try Handles.lookup(dataset, as: DatasetHandle.self, .dataset, what: "dataset")
        let s = try Handles.lookup(spec, as: SpecHandle.self, .spec, what: "spec")
        return TableHandle(try run(d.dataset, s))
    }
}

/// Climate level and consensus per group. Columns: group, n, mean, sd, rwg_j,
/// rwg_j_lindell, ad_m, ad_md, awg, n_items, rwg_j_raw, awg_raw, (with
/// lc_spec_set_significance: rwg_j_p, ad_m_p), note.
/// Needs group and items; uses scale, null, missing, reverse.
@c(lc_agreement)
public func lcAgreement(_ dataset: UnsafePointer<lc_dataset>?, _ spec: UnsafePointer<lc_spec>?,
                        _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                        _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    analyse(dataset, spec, out, error) { d, s in
        var spec = AgreementSpec(group: s.group, items: s.items, scale: s.scale, null: s.null,
                                 missing: s.missing, reverse: s.reverse)
        if s.significance { spec.significance = (s.replications, s.seed) }
        return try Agreement.run(d, spec).table
    }
}

/// ICC(1) and ICC(2) per item and for the scale score. Columns: item, icc1,
/// icc2, f, df1, df2, p, groups, n, ms_between, ms_within, k, icc1_low, icc1_high,
/// icc2_low, icc2_high (F-based 95%), with lc_spec_set_bootstrap also
/// icc1_boot_low ... icc2_boot_high (percentile, resampled groups, lc_spec_set_seed), and note.
@c(lc_icc)
public func lcIcc(_ dataset: UnsafePointer<lc_dataset>?, _ spec: UnsafePointer<lc_spec>?,
                  _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                  _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    analyse(dataset, spec, out, error) { d, s in
        var spec = ICCSpec(group: s.group, items: s.items, scale: s.scale, reverse: s.reverse,
                           missing: s.missing, groupSize: s.iccGroupSize)
        (spec.bootstrap, spec.seed) = (s.bootstrap, s.seed)
        return try ICC.run(d, spec).table
    }
}

/// Cronbach's alpha (complete cases). Columns: item, alpha, r_drop, n.
@c(lc_alpha)
public func lcAlpha(_ dataset: UnsafePointer<lc_dataset>?, _ spec: UnsafePointer<lc_spec>?,
                    _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                    _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    analyse(dataset, spec, out, error) { d, s in
        try Alpha.run(d, items: s.items, scale: s.scale, reverse: s.reverse)
    }
}

/// Each respondent's scale score (mean of the answered items after reverse
/// coding; all items under missing = "listwise"). Columns: row (1-based),
/// group (when the spec names group columns), score, n_answered.
@c(lc_scores)
public func lcScores(_ dataset: UnsafePointer<lc_dataset>?, _ spec: UnsafePointer<lc_spec>?,
                     _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                     _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    analyse(dataset, spec, out, error) { d, s in
        try ScaleScores.run(d, items: s.items, group: s.group, ids: s.ids, scale: s.scale, reverse: s.reverse, missing: s.missing)
    }
}

/// Climate level and consensus together: the group mean of the outcome regressed
/// on level, consensus and their product (least squares, classical and HC3 SEs).
/// Columns: term, estimate, se, t, p, se_hc3, t_hc3, p_hc3, se_hc0, df,
/// r_squared, adj_r_squared, sigma, f, groups. Needs group, items and
/// lc_spec_set_outcome; uses scale, null, missing, reverse, consensus, level_column,
/// center and weights (lc_spec_set_*).
@c(lc_level_consensus)
public func lcLevelConsensus(_ dataset: UnsafePointer<lc_dataset>?, _ spec: UnsafePointer<lc_spec>?,
                             _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                             _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    analyse(dataset, spec, out, error) { d, s in
        guard let outcome = s.outcome else {
            throw LCError(.invalidArgument, "level_consensus needs an outcome (lc_spec_set_outcome: the column whose group mean is predicted)")
        }
        let agreement = AgreementSpec(group: s.group, items: s.items, scale: s.scale, null: s.null,
                                      missing: s.missing, reverse: s.reverse)
        return try LevelConsensus.run(d, LevelConsensusSpec(agreement: agreement, outcome: outcome, consensus: s.consensus,
                                                            levelColumn: s.levelColumn, center: s.center,
                                                            weightBySize: s.weightBySize))
    }
}

/// Null distributions of the agreement indices for one group size (no dataset):
/// one row per statistic (rwg_j, rwg_j_lindell, ad_m, ad_md, awg) with columns
/// statistic, method, replications, mean, sd, prob_zero, prob_na, min, max, q01,
/// q05, q10, q90, q95, q99, critical. Needs a scale and lc_spec_set_group_size;
/// uses null, n_items, replications, seed and method (lc_spec_set_*). The same seed
/// gives the same table on every machine and thread count.
@c(lc_null_distribution)
public func lcNullDistribution(_ spec: UnsafePointer<lc_spec>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                               _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let s = try Handles.lookup(spec, as: SpecHandle.self, .spec, what: "spec")
        guard let scale = s.scale else { throw LCError(.invalidArgument, "a null distribution needs a response scale (lc_spec_set_scale)") }
        guard let k = s.groupSize else { throw LCError(.invalidArgument, "a null distribution needs a group size (lc_spec_set_group_size)") }
        let design = try NullDesign(groupSize: k, items: s.itemCount, scale: scale,
                                    nullVariance: try s.null.expectedVariance(options: scale.options))
        return TableHandle(try AgreementNull.run(NullSpec(design: design, method: s.method, replications: s.replications, seed: s.seed)))
    }
}

/// Random group resampling (R's rgr.agree): one row with groups, replicates,
/// pseudo_groups, av_rgr_var, sd_rgr_var, av_grp_var, expected_rgr_var, z, p and
/// quantiles q005 ... q995 of the pseudo-group variances. Needs group and items
/// (one column, or the items' scale score); uses scale, reverse, pseudo_groups and
/// seed (lc_spec_set_*).
@c(lc_rgr)
public func lcRgr(_ dataset: UnsafePointer<lc_dataset>?, _ spec: UnsafePointer<lc_spec>?,
                  _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                  _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    analyse(dataset, spec, out, error) { d, s in
        try RandomGroupResampling.run(d, RGRSpec(group: s.group, items: s.items, scale: s.scale, reverse: s.reverse,
                                                 pseudoGroups: s.pseudoGroups, seed: s.seed))
    }
}

/// Aggregation evidence for a scale: ICC(1) with its F test and interval, ICC(2),
/// mean and median rwg(J) and AD_M, the shares of groups past the usual cut-offs
/// and past their null critical values, and a verdict. Columns: measure, value,
/// low, high, criterion, met, source. Needs group, items and a scale; uses null,
/// missing, reverse, replications and seed (lc_spec_set_*; for simulated nulls).
@c(lc_aggregation)
public func lcAggregation(_ dataset: UnsafePointer<lc_dataset>?, _ spec: UnsafePointer<lc_spec>?,
                          _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                          _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    analyse(dataset, spec, out, error) { d, s in
        try AggregationEvidence.run(d, AgreementSpec(group: s.group, items: s.items, scale: s.scale, null: s.null,
                                                     missing: s.missing, reverse: s.reverse),
                                    replications: s.replications, seed: s.seed)
    }
}

/// Consensus over time: the agreement columns per group per wave, ordered by
/// group and wave. Columns: group, wave, then those of lc_agreement. Needs group,
/// items and lc_spec_set_wave; uses scale, null, missing, reverse.
@c(lc_consensus_over_time)
public func lcConsensusOverTime(_ dataset: UnsafePointer<lc_dataset>?, _ spec: UnsafePointer<lc_spec>?,
                                _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                                _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    analyse(dataset, spec, out, error) { d, s in
        guard let wave = s.wave else { throw LCError(.invalidArgument, "consensus over time needs a wave column (lc_spec_set_wave: the session)") }
        return try ConsensusOverTime.run(d, AgreementSpec(group: s.group, items: s.items, scale: s.scale, null: s.null,
                                                          missing: s.missing, reverse: s.reverse), wave: wave).table
    }
}

/// Group composition on individual characteristics (the spec's items): per group,
/// mean and SD of numeric columns, Blau's index and the number of categories of
/// text columns. Columns: group, n, then <col>_mean, <col>_sd or <col>_blau,
/// <col>_categories. Needs group and items.
@c(lc_composition)
public func lcComposition(_ dataset: UnsafePointer<lc_dataset>?, _ spec: UnsafePointer<lc_spec>?,
                          _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                          _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    analyse(dataset, spec, out, error) { d, s in try Composition.run(d, group: s.group, columns: s.items) }
}

/// The bootstrap over groups of a group-level column (the spec's single item, one
/// row per group, e.g. an agreement table handed back as a dataset): the mean or
/// median (lc_spec_set_statistic), its bootstrap SE and 95% percentile interval. Columns:
/// statistic, estimate, se, low, high, groups, replicates. Uses replications and seed (lc_spec_set_*).
@c(lc_bootstrap)
public func lcBootstrap(_ dataset: UnsafePointer<lc_dataset>?, _ spec: UnsafePointer<lc_spec>?,
                        _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                        _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    analyse(dataset, spec, out, error) { d, s in
        guard s.items.count == 1 else { throw LCError(.invalidArgument, "the bootstrap takes exactly one column (the spec's items)") }
        return try GroupBootstrap.statistic(d.numeric(s.items[0]).doubles, median: s.medianStatistic,
                                            replicates: s.replications, seed: s.seed)
    }
}

/// The consensus emergence model (Lang, Bliese & de Voogt 2018): value ~ time +
/// (1 + time | group) + (1 | group:person), with and without residual SD σ·exp(δ·time).
/// One row per distinct time: time, residual_sd, delta, se, ci_low, ci_high, sigma,
/// loglik_null, loglik, lr, df, p_two_sided, p_one_sided, converged, singular. Needs
/// one group column and lc_spec_set_person, _time and _value; lc_spec_set_reml (REML by default).
/// With lc_spec_set_moderator, the rows gain moderator, moderator_sd, eta_moderator,
/// eta_time_moderator, se_time_moderator, lr_moderator, df_moderator, p_moderator,
/// sd_minus_1sd, sd_at_mean, sd_plus_1sd and observed_sd.
@c(lc_emergence)
public func lcEmergence(_ dataset: UnsafePointer<lc_dataset>?, _ spec: UnsafePointer<lc_spec>?,
                        _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                        _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    analyse(dataset, spec, out, error) { d, s in
        guard s.group.count == 1, let person = s.person, let time = s.time, let value = s.value else {
            throw LCError(.invalidArgument, "emergence needs one group column and the person, time and value columns (lc_spec_set_person, lc_spec_set_time, lc_spec_set_value)")
        }
        let spec = EmergenceSpec(group: s.group[0], person: person, time: time, value: value, reml: s.reml, moderator: s.moderator)
        return try Emergence.run(d, spec).table
    }
}
