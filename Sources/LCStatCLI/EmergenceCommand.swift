import ArgumentParser
import LCCore

struct EmergenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emergence",
        abstract: "Consensus emergence model (Lang, Bliese & de Voogt 2018): does the within-group residual SD shrink over time?")

    @Argument(help: "CSV file with a header row.")
    var file: String

    @Option(help: "Group (community) column.")
    var group: String

    @Option(help: "Person column.")
    var person: String

    @Option(help: "Time (session) column, numeric.")
    var time: String

    @Option(help: "Rating column.")
    var value: String

    @Option(help: "Does a group characteristic change the rate of emergence? sd(COLUMN), mean(COLUMN) or blau(COLUMN) of a person-level column, or a group-level column.")
    var moderator: String?

    @Flag(help: "Fit by maximum likelihood instead of REML.")
    var ml = false

    @Option(help: "Output format.")
    var format: OutputFormat?

    @OptionGroup var reading: ReadOptions

    @OptionGroup var out: OutputOptions

    func run() throws {
        try runReporting {
            let moderated = try moderator.map(EmergenceModerator.init(parsing:))
            let columns = [group, person, time, value] + (moderated.map { [$0.column] } ?? [])
            let data = try reading.read(file, columns: columns)
            let spec = EmergenceSpec(group: group, person: person, time: time, value: value, reml: !ml, moderator: moderated)
            let table = try Emergence.run(data, spec).table
            try out.emit(inputs: [file]) { TableFormatter.write(table, as: out.format(format), to: $0) }
        }
    }
}
