import ArgumentParser
import LCCore

struct ConsensusOverTimeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consensus-over-time",
        abstract: "Level and consensus per group per wave (session), as a long table.")

    @OptionGroup var input: InputOptions

    @Option(help: "Wave (session) column.")
    var wave: String

    @Option(help: "Null distribution: uniform, slight_skew, moderate_skew, heavy_skew, triangular, normal, or a variance.")
    var null: String = "uniform"

    func validate() throws { try input.requireGroup() }

    func run() throws {
        try runReporting {
            let table = try ConsensusOverTime.run(try input.readData(extraColumns: [wave]), try input.agreementSpec(null: null), wave: wave).table
            try input.emit(table)
        }
    }
}

struct CompositionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "composition",
        abstract: "Group composition: mean and SD of numeric columns, Blau's index of categorical ones (--items lists them).")

    @OptionGroup var input: InputOptions

    func validate() throws { try input.requireGroup() }

    func run() throws {
        try runReporting {
            try input.emit(try Composition.run(try input.readData(), group: input.groupColumns, columns: input.itemColumns))
        }
    }
}
