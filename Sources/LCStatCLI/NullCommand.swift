import ArgumentParser
import LCCore

struct NullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "null",
        abstract: "Null distributions of rwg, rwg(j), r*wg(j), AD_M, AD_Md and awg for one group size: exact or simulated.")

    @Option(name: .customLong("group-size"), parsing: .unconditional, help: "Raters per group (k).")
    var groupSize: Int

    @Option(help: "Number of items (J).")
    var items: Int = 1

    @Option(help: "Response scale LOW:HIGH, e.g. 1:5.")
    var scale: String

    @Option(help: "Null for the rwg denominator: uniform, slight_skew, ..., or a variance. Answers are drawn uniformly.")
    var null: String = "uniform"

    @Option(help: "auto (exact where feasible), exact, or monte_carlo.")
    var method: NullMethod = .auto

    @Option(parsing: .unconditional, help: "Monte Carlo replications.")
    var replications: Int = 10_000

    @Option(parsing: .unconditional, help: "Seed of the random generator (0 to 2^64 - 1); the same seed gives the same numbers everywhere.")
    var seed: UInt64 = 1

    @Option(help: "Output format.")
    var format: OutputFormat?

    @OptionGroup var out: OutputOptions

    func run() throws {
        try runReporting {
            let s = try ResponseScale(parsing: scale)
            let design = try NullDesign(groupSize: groupSize, items: items, scale: s,
                                        nullVariance: try NullResponseDistribution(parsing: null).expectedVariance(options: s.options))
            let table = try AgreementNull.run(NullSpec(design: design, method: method, replications: replications, seed: seed))
            try out.emit(inputs: []) { TableFormatter.write(table, as: out.format(format), to: $0) }
        }
    }
}

extension NullMethod: ExpressibleByArgument {}
