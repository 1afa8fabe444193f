import ArgumentParser
import LCCore

struct RGRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rgr",
        abstract: "Random group resampling: real within-group variance against pseudo groups of the same sizes.")

    @OptionGroup var input: InputOptions

    @Option(name: .customLong("pseudo-groups"), help: "Pseudo groups in all (replicates = round(this / groups)), as rgr.agree.")
    var pseudoGroups: Int = 1000

    @Option(parsing: .unconditional, help: "Seed of the random generator.")
    var seed: UInt64 = 1

    func validate() throws { try input.requireGroup() }

    func run() throws {
        try runReporting {
            let spec = RGRSpec(group: input.groupColumns, items: input.itemColumns, scale: try input.responseScale(),
                               reverse: input.reverseColumns, pseudoGroups: pseudoGroups, seed: seed)
            let table = try RandomGroupResampling.run(try input.readData(), spec)
            try input.emit(table)
        }
    }
}

struct AggregationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregation",
        abstract: "Aggregation evidence for a scale: ICC(1), ICC(2), rwg(j), AD_M, their cut-offs and a verdict.")

    @OptionGroup var input: InputOptions

    @Option(help: "Null distribution: uniform, slight_skew, moderate_skew, heavy_skew, triangular, normal, or a variance.")
    var null: String = "uniform"

    @Option(parsing: .unconditional, help: "Simulated groups per group size where the null cannot be enumerated.")
    var replications: Int = 10_000

    @Option(parsing: .unconditional, help: "Seed of the random generator.")
    var seed: UInt64 = 1

    func validate() throws { try input.requireGroup() }

    func run() throws {
        try runReporting {
            let spec = try input.agreementSpec(null: null)
            let table = try AggregationEvidence.run(try input.readData(), spec, replications: replications, seed: seed)
            try input.emit(table)
        }
    }
}
