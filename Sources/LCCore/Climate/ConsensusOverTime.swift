/// Climate level and consensus per group per wave (session): the agreement table
/// of every (group, wave) cell as a long table, ordered by group and then by wave
/// (numeric waves by value), ready to plot as consensus trajectories.
///
/// Columns: `group, wave`, then the agreement columns (`n, mean, sd, rwg_j,
/// rwg_j_lindell, ad_m, ad_md, awg, n_items, rwg_j_raw, awg_raw, note`).
public enum ConsensusOverTime {
    /// `spec.group` names the groups (communities); `wave` the session column.
    public static func run(_ data: Dataset, _ spec: AgreementSpec, wave: String) throws -> ResultTable {
        guard !spec.group.contains(wave) else {
            throw LCError(.invalidArgument, "the wave column '\(wave)' is also a group column")
        }
        let groups = try Grouping(data, keys: spec.group)
        let (waveCodes, waveLabels) = try Grouping.codes(for: data.column(wave))
        // one numeric cell id per row: group-major, wave-minor, so the cells sort as wanted
        var groupOf = [Int32](repeating: -1, count: data.rowCount)
        for g in 0..<groups.count { for r in groups.rows(of: g) { groupOf[Int(r)] = Int32(g) } }
        let waves = max(1, waveLabels.count)
        let cell = (0..<data.rowCount).map { r -> Double in
            groupOf[r] < 0 || waveCodes[r] < 0 ? .nan : Double(Int(groupOf[r]) * waves + Int(waveCodes[r]))
        }
        let name = "\u{1F}cell"    // not a name a CSV header can carry into the dataset by accident
        var cells = data
        try cells.add(Column(name: name, values: .numeric(.doubles(cell))))
        var cellSpec = spec
        cellSpec.group = [name]
        let table = try Agreement.run(cells, cellSpec)
        let ids = table.texts("group")?.compactMap { Int($0) } ?? []
        let groupLabels = ids.map { groups.labels[$0 / waves] }, waveColumn = ids.map { waveLabels[$0 % waves] }
        var notes = table.notes
        notes.append("one row per group and wave (\(wave)); rows without a group or wave were left out")
        return ResultTable(columns: [.init("group", .text(groupLabels)), .init("wave", .text(waveColumn))]
                           + table.columns.filter { $0.name != "group" }, notes: notes)
    }
}
