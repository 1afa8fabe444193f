import CLCStat
import LCCore

// The analyses' options, one typed setter each: numbers as numbers, flags as int32_t
// (0 false, else true), columns and named choices as text. Each value is validated
// when it is set; a bad one is an error that leaves the spec unchanged.

/// A named choice (a Swift enum of strings) read from C text: an unknown name is an error listing the names.
func choice<T: RawRepresentable & CaseIterable>(_ text: UnsafePointer<CChar>?, _ option: String) throws -> T where T.RawValue == String {
    let name = try string(text, option)
    guard let value = T(rawValue: name) else {
        throw LCError(.invalidArgument, "\(option) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'")
    }
    return value
}

/// A whole number ≥ 0 for a count option.
private func count(_ value: Int64, _ option: String) throws -> Int {
    guard value >= 0 else { throw LCError(.invalidArgument, "\(option) must be a whole number ≥ 0, not \(value)") }
    return Int(value)
}

/// A column name: NULL or empty is an error.
private func column(_ text: UnsafePointer<CChar>?, _ option: String) throws -> String {
    let name = try string(text, option)
    guard !name.isEmpty else { throw LCError(.invalidArgument, "\(option) must name a column") }
    return name
}

/// How lc_level_consensus weights the groups.
enum GroupWeights: String, CaseIterable { case none, size }

/// What lc_bootstrap estimates.
enum BootstrapStatistic: String, CaseIterable { case mean, median }

/// Sets the column whose group mean lc_level_consensus predicts.
@c(lc_spec_set_outcome)
public func lcSpecSetOutcome(_ spec: UnsafeMutablePointer<lc_spec>?, _ name: UnsafePointer<CChar>?,
                             _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.outcome = try column(name, "outcome") }
}

/// Sets the consensus index of lc_level_consensus: "rwg_j" (the default), "sd" or "ad_m".
@c(lc_spec_set_consensus)
public func lcSpecSetConsensus(_ spec: UnsafeMutablePointer<lc_spec>?, _ index: UnsafePointer<CChar>?,
                               _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.consensus = try choice(index, "consensus") }
}

/// Sets a precomputed scale-score column for lc_level_consensus's level (NULL or "": the items' mean).
@c(lc_spec_set_level_column)
public func lcSpecSetLevelColumn(_ spec: UnsafeMutablePointer<lc_spec>?, _ name: UnsafePointer<CChar>?,
                                 _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { s in
        let text = try name.map { try string($0, "level_column") } ?? ""
        s.levelColumn = text.isEmpty ? nil : text
    }
}

/// Whether lc_level_consensus grand-mean centres level and consensus (0: no, the default).
@c(lc_spec_set_center)
public func lcSpecSetCenter(_ spec: UnsafeMutablePointer<lc_spec>?, _ on: Int32,
                            _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.center = on != 0 }
}

/// Sets lc_level_consensus's weights: "none" (the default) or "size" (group sizes).
@c(lc_spec_set_weights)
public func lcSpecSetWeights(_ spec: UnsafeMutablePointer<lc_spec>?, _ weights: UnsafePointer<CChar>?,
                             _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.weightBySize = try choice(weights, "weights") as GroupWeights == .size }
}

/// Sets the group size k of lc_null_distribution (required there).
@c(lc_spec_set_group_size)
public func lcSpecSetGroupSize(_ spec: UnsafeMutablePointer<lc_spec>?, _ k: Int64,
                               _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.groupSize = try count(k, "group_size") }
}

/// Sets the number of items J of lc_null_distribution (1 by default).
@c(lc_spec_set_n_items)
public func lcSpecSetNItems(_ spec: UnsafeMutablePointer<lc_spec>?, _ items: Int64,
                            _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.itemCount = try count(items, "n_items") }
}

/// Sets the replications of simulations and bootstraps (10000 by default).
@c(lc_spec_set_replications)
public func lcSpecSetReplications(_ spec: UnsafeMutablePointer<lc_spec>?, _ n: Int64,
                                  _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.replications = try count(n, "replications") }
}

/// Sets the seed of simulations and resampling (1 by default): the same seed gives the same numbers.
@c(lc_spec_set_seed)
public func lcSpecSetSeed(_ spec: UnsafeMutablePointer<lc_spec>?, _ seed: UInt64,
                          _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.seed = seed }
}

/// Sets how lc_null_distribution finds the null: "auto" (the default), "exact" or "monte_carlo".
@c(lc_spec_set_method)
public func lcSpecSetMethod(_ spec: UnsafeMutablePointer<lc_spec>?, _ method: UnsafePointer<CChar>?,
                            _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.method = try choice(method, "method") }
}

/// Sets the pseudo groups drawn by lc_rgr (1000 by default).
@c(lc_spec_set_pseudo_groups)
public func lcSpecSetPseudoGroups(_ spec: UnsafeMutablePointer<lc_spec>?, _ n: Int64,
                                  _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.pseudoGroups = try count(n, "pseudo_groups") }
}

/// Sets the wave (session) column of lc_consensus_over_time.
@c(lc_spec_set_wave)
public func lcSpecSetWave(_ spec: UnsafeMutablePointer<lc_spec>?, _ name: UnsafePointer<CChar>?,
                          _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.wave = try column(name, "wave") }
}

/// Sets the person column of lc_emergence (its members, nested in the group).
@c(lc_spec_set_person)
public func lcSpecSetPerson(_ spec: UnsafeMutablePointer<lc_spec>?, _ name: UnsafePointer<CChar>?,
                            _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.person = try column(name, "person") }
}

/// Sets the time column of lc_emergence (the session, a number).
@c(lc_spec_set_time)
public func lcSpecSetTime(_ spec: UnsafeMutablePointer<lc_spec>?, _ name: UnsafePointer<CChar>?,
                          _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.time = try column(name, "time") }
}

/// Sets the value column of lc_emergence (the climate rating modelled).
@c(lc_spec_set_value)
public func lcSpecSetValue(_ spec: UnsafeMutablePointer<lc_spec>?, _ name: UnsafePointer<CChar>?,
                           _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.value = try column(name, "value") }
}

/// Sets the moderator of lc_emergence: "sd(COLUMN)", "mean(COLUMN)", "blau(COLUMN)" of a
/// person-level column (one value per person), or a group-level column's name; NULL or "" for none.
/// Its effect on the rate of consensus emergence is estimated (see lc_emergence).
@c(lc_spec_set_moderator)
public func lcSpecSetModerator(_ spec: UnsafeMutablePointer<lc_spec>?, _ text: UnsafePointer<CChar>?,
                               _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { s in
        let t = try text.map { try string($0, "moderator") } ?? ""
        s.moderator = t.isEmpty ? nil : try EmergenceModerator(parsing: t)
    }
}

/// Whether lc_emergence fits by REML (nonzero, the default) or maximum likelihood (0).
@c(lc_spec_set_reml)
public func lcSpecSetReml(_ spec: UnsafeMutablePointer<lc_spec>?, _ on: Int32,
                          _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.reml = on != 0 }
}

/// Sets the bootstrap resamples of the groups behind lc_icc's percentile intervals (0, the default: none).
@c(lc_spec_set_bootstrap)
public func lcSpecSetBootstrap(_ spec: UnsafeMutablePointer<lc_spec>?, _ n: Int64,
                               _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.bootstrap = try count(n, "bootstrap") }
}

/// Sets what lc_bootstrap estimates: "mean" (the default) or "median".
@c(lc_spec_set_statistic)
public func lcSpecSetStatistic(_ spec: UnsafeMutablePointer<lc_spec>?, _ statistic: UnsafePointer<CChar>?,
                               _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.medianStatistic = try choice(statistic, "statistic") as BootstrapStatistic == .median }
}

/// Whether lc_agreement adds rwg_j_p and ad_m_p, the groups' tail probabilities under the null (0: no).
@c(lc_spec_set_significance)
public func lcSpecSetSignificance(_ spec: UnsafeMutablePointer<lc_spec>?, _ on: Int32,
                                  _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.significance = on != 0 }
}
