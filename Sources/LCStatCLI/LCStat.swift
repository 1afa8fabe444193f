import ArgumentParser
import Glibc
import LCCore
import LCForeign

@main
struct LCStat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lcstat",
        abstract: "Learning climate and consensus in learning communities.",
        version: LCStatVersion.string,
        subcommands: [AgreementCommand.self, ICCCommand.self, AlphaCommand.self, ScoresCommand.self, TransferCommand.self,
                      LevelConsensusCommand.self, NullCommand.self, RGRCommand.self, AggregationCommand.self,
                      ConsensusOverTimeCommand.self, CompositionCommand.self, EmergenceCommand.self])

    /// As ArgumentParser's main, except that a usage error (a missing or malformed
    /// option) exits with the library's code for an invalid argument (1) instead of
    /// 64, so that the CLI, the C ABI and Python report the same code for it.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            var err = StandardError()
            print(fullMessage(for: error), to: &err)
            exit(withError: ExitCode(LCErrorCode.invalidArgument.rawValue))
        }
    }
}

/// How a CSV file is read: every command that reads one takes these.
struct ReadOptions: ParsableArguments {
    @Option(help: "Field delimiter: ',', ';' or 'tab' (default: detected).")
    var delimiter: String?

    @Option(help: "Decimal separator: '.' or ',' (default: ',' when the delimiter is ';').")
    var decimal: String?

    @Option(help: "Character encoding of the file: utf-8 (default; a byte-order mark is honoured), latin-1 or cp1252.")
    var encoding: String = "utf-8"

    @Option(parsing: .unconditional, help: "Cell texts that mean missing, comma-separated (default: empty and NA).")
    var na: String?

    func validate() throws {
        if let d = delimiter, !["," , ";", "tab", "\t"].contains(d) { throw ValidationError("--delimiter must be ',', ';' or 'tab'") }
        if let d = decimal, ![".", ","].contains(d) { throw ValidationError("--decimal must be '.' or ','") }
        if (try? TextEncoding(parsing: encoding)) == nil { throw ValidationError("--encoding must be utf-8, latin-1 or cp1252") }
    }

    /// The `columns` of the file at `path`: an SPSS or Stata file (.sav, .zsav, .por, .dta) through
    /// ReadStat, any other as CSV with these options.
    func read(_ path: String, columns: [String]) throws -> Dataset {
        if ForeignFile.handles(path) { return try ForeignFile.read(path: path, columns: columns) }
        return try CSVReader.read(path: path, options: csvOptions(columns: columns))
    }

    /// Reader options for `columns`: the delimiter, decimal separator and encoding asked for,
    /// and `na` (comma-separated) as extra missing codes beside empty and NA.
    func csvOptions(columns: [String]) throws -> CSVOptions {
        var opts = CSVOptions(columns: columns, encoding: try TextEncoding(parsing: encoding))
        if let na { opts.missing = ["", "NA"] + InputOptions.list(na) }
        switch delimiter {
        case ",": opts.delimiter = UInt8(ascii: ",")
        case ";": opts.delimiter = UInt8(ascii: ";")
        case "tab", "\t": opts.delimiter = UInt8(ascii: "\t")
        default: break
        }
        if let d = decimal { opts.decimalComma = d == "," }
        return opts
    }
}

/// Options every analysis of a CSV file shares.
struct InputOptions: ParsableArguments {
    @Argument(help: "CSV file with a header row.")
    var file: String

    @Option(help: "Group column(s), comma-separated; several form one key (a tuple) and print as several columns.")
    var group: String?

    @Option(help: "Item columns, comma-separated.")
    var items: String

    @Option(help: "Declared response scale LOW:HIGH, e.g. 1:5.")
    var scale: String?

    @Option(help: "Items to reverse-code (low + high - x), comma-separated; needs --scale.")
    var reverse: String?

    @Option(help: "Missing data in multi-item indices: available (every answer) or listwise.")
    var missing: MissingPolicy = .available

    @OptionGroup var reading: ReadOptions

    @Option(help: "Output format.")
    var format: OutputFormat?

    @Flag(help: "Also print the extra columns (raw values, notes).")
    var extra = false

    @OptionGroup var out: OutputOptions

    static func list(_ s: String?) -> [String] {
        (s ?? "").split(separator: ",").map { String($0).trimmingBlanks() }.filter { !$0.isEmpty }
    }

    var groupColumns: [String] { Self.list(group) }
    var itemColumns: [String] { Self.list(items) }
    var reverseColumns: [String] { Self.list(reverse) }

    func validate() throws {
        if itemColumns.isEmpty { throw ValidationError("--items names no column") }
    }

    /// For analyses by group: --group must name a column.
    func requireGroup() throws {
        if groupColumns.isEmpty { throw ValidationError("--group is required") }
    }

    func responseScale() throws -> ResponseScale? { try scale.map(ResponseScale.init(parsing:)) }

    /// Reads only the columns the analysis needs.
    func readData(extraColumns: [String] = []) throws -> Dataset {
        try reading.read(file, columns: Array(Set(groupColumns + itemColumns + extraColumns)))
    }

    /// The agreement spec these options describe, with `null` parsed.
    func agreementSpec(null: String) throws -> AgreementSpec {
        AgreementSpec(group: groupColumns, items: itemColumns, scale: try responseScale(),
                      null: try NullResponseDistribution(parsing: null), missing: missing, reverse: reverseColumns)
    }

    /// Prints the table's contract columns (all with --extra) to standard output or --output.
    func emit(_ table: ResultTable) throws {
        let shown = extra ? table : table.contract
        try out.emit(inputs: [file]) { TableFormatter.write(shown, as: out.format(format), to: $0) }
    }
}

extension MissingPolicy: ExpressibleByArgument {}
extension ICCGroupSize: ExpressibleByArgument {}

extension String {
    func trimmingBlanks() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

/// Runs an analysis, turning an `LCError` into a message on stderr and its code as exit status.
/// On a terminal, a call that runs over two seconds shows its progress on stderr.
func runReporting(_ body: () throws -> Void) throws {
    let progress = isatty(2) != 0 ? TerminalProgress() : nil
    defer { progress?.finish() }
    do {
        try Monitor.run(progress.map { p in Monitor(fromWork: true) { done in p.show(done); return false } }, body)
    } catch let e as LCError {
        var err = StandardError()
        print("lcstat: error: \(e.message)", to: &err)
        throw ExitCode(e.code.rawValue)
    }
}

/// `lcstat: 42%` on stderr, rewritten in place, once a call has run for two seconds.
final class TerminalProgress: @unchecked Sendable {
    private let start = TerminalProgress.seconds()
    private var shown = false

    func show(_ done: Double) {
        guard shown || TerminalProgress.seconds() - start >= 2 else { return }
        shown = true
        writeAll(2, done >= 0 ? "\rlcstat: \(Int((done * 100).rounded()))%   " : "\rlcstat: working...")
    }

    func finish() {
        if shown { writeAll(2, "\r                    \r") }
    }

    private static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
