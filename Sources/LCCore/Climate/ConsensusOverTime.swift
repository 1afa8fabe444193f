/// Climate level and consensus per group per wave (session): the agreement table
/// of every (group, wave) cell as a long table, ordered by group and then by wave
/// (numeric waves by value), ready to plot as consensus trajectories.
///
/// Columns: `group, wave` (the group's key columns when there are several; both typed
/// as their input columns), then the agreement columns (`n, mean, sd, rwg_j,
/// rwg_j_lindell, ad_m, ad_md, awg, n_items, rwg_j_raw, awg_raw, note`).
public enum ConsensusOverTime {
    /// `spec.group` names the groups (communities); `wave` the session column.
    public static func run(_ data: Dataset, _ spec: AgreementSpec, wave: String) throws -> ResultTable {
        guard !spec.group.contains(wave) else {
            throw LCError(.invalidArgument, "the wave column '\(wave)' is also a group column")
        }
        let groups = try Grouping(data, keys: spec.group)
        let waveKey = try Grouping.key(of: data.column(wave))
        // one numeric cell id per row: group-major, wave-minor, so the cells sort as wanted
        let groupOf = groups.groupOfRow(rows: data.rowCount)
        let waves = max(1, waveKey.labels.count)
        let cell = (0..<data.rowCount).map { r -> Double in
            groupOf[r] < 0 || waveKey.codes[r] < 0 ? .nan : Double(Int(groupOf[r]) * waves + Int(waveKey.codes[r]))
        }
        let name = "\u{1F}cell"    // not a name a CSV header can carry into the dataset by accident
        var cells = data
        try cells.add(Column(name: name, values: .numeric(.doubles(cell))))
        var cellSpec = spec
        cellSpec.group = [name]
        let table = try Agreement.run(cells, cellSpec)
        let ids = (table.ints("group") ?? []).map { Int($0) }
        var notes = table.notes
        notes.append("one row per group and wave (\(wave)); rows without a group or wave were left out")
        let keys = groups.keyColumns(ids.map { $0 / waves }) + [.init("wave", waveKey.values.picking(ids.map { $0 % waves }))]
        return ResultTable(keys: keys, columns: table.columns.filter { !table.keys.contains($0.name) }, notes: notes)
    }
}
