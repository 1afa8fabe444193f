import ArgumentParser
import LCCore

struct LevelConsensusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "level-consensus",
        abstract: "Group outcome on climate level, consensus and their product (OLS with HC3 SEs).")

    @OptionGroup var input: InputOptions

    @Option(help: "Respondent column whose group mean is the outcome.")
    var outcome: String

    @Option(help: "Consensus index: rwg_j, sd (within-group SD of the scale score) or ad_m.")
    var consensus: ConsensusIndex = .rwgJ

    @Option(name: .customLong("level-column"), help: "Precomputed scale-score column for the level and SD (default: mean of the items).")
    var levelColumn: String?

    @Flag(help: "Grand-mean centre level and consensus over groups before the product.")
    var center = false

    @Option(help: "Weights: none, or size (weighted by group size).")
    var weights: String = "none"

    @Option(help: "Null distribution for rwg_j (as in agreement).")
    var null: String = "uniform"

    func validate() throws {
        try input.requireGroup()
        if !["none", "size"].contains(weights) { throw ValidationError("--weights must be none or size") }
    }

    func run() throws {
        try runReporting {
            let agreement = try input.agreementSpec(null: null)
            let spec = LevelConsensusSpec(agreement: agreement, outcome: outcome, consensus: consensus, levelColumn: levelColumn,
                                          center: center, weightBySize: weights == "size")
            let table = try LevelConsensus.run(try input.readData(extraColumns: [outcome] + (levelColumn.map { [$0] } ?? [])), spec)
            try input.emit(table)
        }
    }
}

extension ConsensusIndex: ExpressibleByArgument {}
