/// Climate level and consensus per group per wave (session): the agreement table
/// of every (group, wave) cell as a long table, ordered by group and then by wave
/// (numeric waves by value), ready to plot as consensus trajectories.
///
/// Columns: `group, wave` (the group's key columns when there are several; both typed
/// as their input columns), then the agreement columns (`n, mean, sd, rwg_j,
/// rwg_j_lindell, ad_m, ad_md, awg, n_items, rwg_j_raw, awg_raw, note`).
public enum ConsensusOverTime {
    /// `spec.group` names the groups (communities); `wave` the session column.
    public static func run(_ data: Dataset, _ spec: AgreementSpec, wave: String) throws -> AgreementResult {
        guard !spec.group.contains(wave) else {
            throw LCError(.invalidArgument, "the wave column '\(wave)' is also a group column")
        }
        let groups = try Grouping(data, keys: spec.group)
        let waveKey = try Grouping.key(of: data.column(wave))
        // the (group, wave) cells in use, group-major and wave-minor, each with a row that has it
        let groupOf = groups.groupOfRow(rows: data.rowCount)
        let (cell, representative) = Grouping.tuples([groupOf, waveKey.codes], rows: data.rowCount)
        var result = try Agreement.run(data, spec, groups: Grouping(rowCodes: cell, count: representative.count))
        result.notes.append("one row per group and wave (\(wave)); rows without a group or wave were left out")
        result.keys = groups.keyColumns(representative.map { Int(groupOf[$0]) })
            + [.init("wave", waveKey.values.picking(representative.map { Int(waveKey.codes[$0]) }))]
        return result
    }
}
