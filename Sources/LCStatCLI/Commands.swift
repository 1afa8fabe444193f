import ArgumentParser
import LCCore

struct AgreementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement",
        abstract: "Climate level and consensus per group: n, mean, sd, rwg(j), r*wg(j), AD_M, AD_Md, awg.")

    @OptionGroup var input: InputOptions

    @Option(help: "Null distribution: uniform, slight_skew, moderate_skew, heavy_skew, triangular, normal, or a variance.")
    var null: String = "uniform"

    @Flag(help: "Test each group's agreement against the null for its size: adds rwg_j_p and ad_m_p.")
    var significance = false

    @Option(parsing: .unconditional, help: "Simulated groups per size where the null cannot be enumerated (with --significance).")
    var replications: Int = 10_000

    @Option(parsing: .unconditional, help: "Seed of the random generator (with --significance).")
    var seed: UInt64 = 1

    func validate() throws { try input.requireGroup() }

    func run() throws {
        try runReporting {
            var spec = try input.agreementSpec(null: null)
            if significance { spec.significance = (replications, seed) }
            try input.emit(try Agreement.run(try input.readData(), spec).table)
        }
    }
}

struct ICCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "icc",
        abstract: "ICC(1) and ICC(2) per item and for the scale score, with F, df and p.")

    @OptionGroup var input: InputOptions

    @Option(name: .customLong("icc-k"), help: "Group size in ICC(1): mean (N/J, R multilevel) or n0.")
    var groupSize: ICCGroupSize = .mean

    @Option(help: "Resamples of the groups for bootstrap percentile intervals (0: none).")
    var bootstrap: Int = 0

    @Option(parsing: .unconditional, help: "Seed of the random generator (bootstrap).")
    var seed: UInt64 = 1

    func validate() throws { try input.requireGroup() }

    func run() throws {
        try runReporting {
            var spec = ICCSpec(group: input.groupColumns, items: input.itemColumns, scale: try input.responseScale(),
                               reverse: input.reverseColumns, missing: input.missing, groupSize: groupSize)
            (spec.bootstrap, spec.seed) = (bootstrap, seed)
            try input.emit(try ICC.run(try input.readData(), spec).table)
        }
    }
}

struct AlphaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alpha",
        abstract: "Cronbach's alpha of the scale, and alpha with each item dropped.")

    @OptionGroup var input: InputOptions

    func run() throws {
        try runReporting {
            let table = try Alpha.run(try input.readData(), items: input.itemColumns, scale: try input.responseScale(),
                                      reverse: input.reverseColumns)
            try input.emit(table)
        }
    }
}

struct ScoresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scores",
        abstract: "Each respondent's scale score: the mean of the answered items, after reverse coding.")

    @OptionGroup var input: InputOptions

    @Option(help: "Id columns to carry into each row, as they are in the file, comma-separated (e.g. person,session).")
    var id: String?

    func run() throws {
        try runReporting {
            let ids = InputOptions.list(id)
            let table = try ScaleScores.run(try input.readData(extraColumns: ids), items: input.itemColumns,
                                            group: input.groupColumns, ids: ids, scale: try input.responseScale(), reverse: input.reverseColumns,
                                            missing: input.missing)
            try input.emit(table)
        }
    }
}
