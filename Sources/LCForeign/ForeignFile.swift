import CReadStat
import Glibc
import LCCore

/// SPSS (`.sav`, `.zsav`, `.por`) and Stata (`.dta`) files, read through ReadStat, which is
/// loaded at run time (`libreadstat.so.1`: Debian's libreadstat1), so that the core and the
/// build need neither. As SPSS and haven read them:
/// - system-missing and user-missing values (SPSS's "missing values" ranges and codes) are missing;
/// - a numeric variable with value labels stays numbers (haven's `labelled` vectors), with its
///   labels kept (`Column.valueLabels`): as a group key or grouping factor it prints them, so
///   communities coded 1, 2, ... come out by name, while labelled Likert items are answers;
/// - a string variable is text, the empty string missing (as an empty CSV cell).
public enum ForeignFile {
    /// Whether `path` names a file this reader takes (by its extension).
    public static func handles(_ path: String) -> Bool { format(path) != nil }

    private static func format(_ path: String) -> String? {
        let lower = path.lowercased()
        return ["sav", "zsav", "por", "dta"].first { lower.hasSuffix("." + $0) }
    }

    /// The file's variables (only `columns` when given; naming one it lacks is an error).
    public static func read(path: String, columns: [String]? = nil) throws -> Dataset {
        guard let kind = format(path) else { throw LCError(.invalidArgument, "'\(path)' is not an SPSS or Stata file (.sav, .zsav, .por, .dta)") }
        let api = try ReadStat.load()
        let state = ReadState(api: api, wanted: columns.map(Set.init))
        guard let parser = api.parserInit() else { throw LCError(.internalError, "ReadStat could not make a parser") }
        defer { api.parserFree(parser) }
        _ = api.setMetadataHandler(parser, unsafeBitCast(metadataHandler, to: UnsafeMutableRawPointer.self))
        _ = api.setVariableHandler(parser, unsafeBitCast(variableHandler, to: UnsafeMutableRawPointer.self))
        _ = api.setValueHandler(parser, unsafeBitCast(valueHandler, to: UnsafeMutableRawPointer.self))
        _ = api.setValueLabelHandler(parser, unsafeBitCast(valueLabelHandler, to: UnsafeMutableRawPointer.self))
        let parse = kind == "dta" ? api.parseDta : kind == "por" ? api.parsePor : api.parseSav
        let context = Unmanaged.passRetained(state)
        defer { context.release() }
        let status = parse(parser, path, context.toOpaque())
        if let failure = state.failure { throw failure }
        guard status == 0 else {
            throw LCError(.io, "cannot read '\(path)': \(api.errorMessage(status).map { String(cString: $0) } ?? "ReadStat error \(status)")")
        }
        if let columns {
            let present = Set(state.variables.map(\.name))
            if let missing = columns.first(where: { !present.contains($0) }) {
                throw LCError(.unknownColumn, "unknown column '\(missing)' in '\(path)' (variables: \(state.variables.prefix(20).map(\.name).joined(separator: ", ")))")
            }
        }
        return try Dataset(columns: state.variables.filter(\.kept).map { $0.column(labels: state.labels[$0.labelSet] ?? [:]) })
    }

    // MARK: ReadStat's callbacks (C function pointers: no captures; the state comes as ctx)

    private static let metadataHandler: lc_rs_metadata_handler = { metadata, ctx in
        let state = Unmanaged<ReadState>.fromOpaque(ctx!).takeUnretainedValue()
        let rows = Int(state.api.rowCount(metadata))
        if rows > InputLimits.maxRows { state.failure = LCError(.limit, "the file has \(rows) rows, more than \(InputLimits.maxRows)"); return 1 }
        state.rows = max(rows, 0)
        return 0
    }

    private static let variableHandler: lc_rs_variable_handler = { index, variable, labelSet, ctx in
        let state = Unmanaged<ReadState>.fromOpaque(ctx!).takeUnretainedValue()
        let name = state.api.variableName(variable).map { String(cString: $0) } ?? "V\(index + 1)"
        let isText = [LC_RS_TYPE_STRING, LC_RS_TYPE_STRING_REF].contains(state.api.variableType(variable))
        let kept = state.wanted?.contains(name) ?? true
        state.variables.append(Variable(name: name, isText: isText, kept: kept,
                                        labelSet: labelSet.map { String(cString: $0) } ?? "", rows: state.rows))
        return kept ? 0 : 2          // READSTAT_HANDLER_SKIP_VARIABLE
    }

    private static let valueHandler: lc_rs_value_handler = { row, variable, value, ctx in
        let state = Unmanaged<ReadState>.fromOpaque(ctx!).takeUnretainedValue()
        let k = Int(state.api.variableIndex(variable))
        guard k < state.variables.count, row >= 0 else { return 0 }
        let missing = state.api.isSystemMissing(value) != 0 || state.api.isDefinedMissing(value, variable) != 0
        state.variables[k].set(row: Int(row), value: value, missing: missing, api: state.api)
        return 0
    }

    private static let valueLabelHandler: lc_rs_value_label_handler = { set, value, label, ctx in
        let state = Unmanaged<ReadState>.fromOpaque(ctx!).takeUnretainedValue()
        guard let set, let label else { return 0 }
        let type = state.api.valueType(value)
        guard type != LC_RS_TYPE_STRING, type != LC_RS_TYPE_STRING_REF else { return 0 }     // labels of text values: not needed
        state.labels[String(cString: set), default: [:]][state.api.doubleValue(value)] = String(cString: label)
        return 0
    }

    /// What a parse collects.
    private final class ReadState {
        let api: ReadStat
        let wanted: Set<String>?
        var rows = 0
        var variables: [Variable] = []
        var labels: [String: [Double: String]] = [:]
        var failure: LCError?
        init(api: ReadStat, wanted: Set<String>?) { (self.api, self.wanted) = (api, wanted) }
    }

    private struct Variable {
        let name: String, isText: Bool, kept: Bool, labelSet: String
        var numbers: [Double] = [], texts: [String?] = []

        init(name: String, isText: Bool, kept: Bool, labelSet: String, rows: Int) {
            (self.name, self.isText, self.kept, self.labelSet) = (name, isText, kept, labelSet)
            if kept {
                if isText { texts = [String?](repeating: nil, count: rows) } else { numbers = [Double](repeating: .nan, count: rows) }
            }
        }

        mutating func set(row: Int, value: lc_rs_value_t, missing: Bool, api: ReadStat) {
            if isText {
                if row >= texts.count { texts += [String?](repeating: nil, count: row + 1 - texts.count) }
                let s = api.stringValue(value).map { String(cString: $0) } ?? ""
                texts[row] = missing || s.isEmpty ? nil : s
            } else {
                if row >= numbers.count { numbers += [Double](repeating: .nan, count: row + 1 - numbers.count) }
                numbers[row] = missing ? .nan : api.doubleValue(value)
            }
        }

        func column(labels: [Double: String]) -> Column {
            if isText {
                var index: [String: Int32] = [:], levels: [String] = []
                let codes = texts.map { t -> Int32 in
                    guard let t else { return -1 }
                    if let k = index[t] { return k }
                    index[t] = Int32(levels.count); levels.append(t); return Int32(levels.count - 1)
                }
                return Column(name: name, values: .labels(codes: codes, levels: levels))
            }
            return Column(name: name, values: .numeric(.compact(numbers)), valueLabels: labels)
        }
    }
}

/// ReadStat's functions, looked up in `libreadstat.so.1` once.
struct ReadStat: @unchecked Sendable {
    let parserInit: lc_rs_parser_init_fn, parserFree: lc_rs_parser_free_fn
    let setMetadataHandler: lc_rs_set_handler_fn, setVariableHandler: lc_rs_set_handler_fn
    let setValueHandler: lc_rs_set_handler_fn, setValueLabelHandler: lc_rs_set_handler_fn
    let parseSav: lc_rs_parse_fn, parsePor: lc_rs_parse_fn, parseDta: lc_rs_parse_fn
    let errorMessage: lc_rs_error_message_fn, rowCount: lc_rs_metadata_int_fn
    let variableName: lc_rs_variable_name_fn, variableIndex: lc_rs_variable_index_fn
    let variableType: lc_rs_variable_type_fn
    let valueType: lc_rs_value_type_fn, isSystemMissing: lc_rs_value_flag_fn
    let isDefinedMissing: lc_rs_value_defined_missing_fn, doubleValue: lc_rs_double_fn, stringValue: lc_rs_string_fn

    private static let shared: Result<ReadStat, LCError> = {
        guard let handle = dlopen("libreadstat.so.1", RTLD_NOW | RTLD_LOCAL) ?? dlopen("libreadstat.so", RTLD_NOW | RTLD_LOCAL) else {
            return .failure(LCError(.io, "reading SPSS and Stata files needs ReadStat: install it (Debian: apt install libreadstat1)"))
        }
        func symbol<T>(_ name: String, _: T.Type) throws -> T {
            guard let p = dlsym(handle, name) else { throw LCError(.io, "ReadStat lacks \(name): a version 1.1 or later is needed") }
            return unsafeBitCast(p, to: T.self)
        }
        do {
            return .success(ReadStat(
                parserInit: try symbol("readstat_parser_init", lc_rs_parser_init_fn.self),
                parserFree: try symbol("readstat_parser_free", lc_rs_parser_free_fn.self),
                setMetadataHandler: try symbol("readstat_set_metadata_handler", lc_rs_set_handler_fn.self),
                setVariableHandler: try symbol("readstat_set_variable_handler", lc_rs_set_handler_fn.self),
                setValueHandler: try symbol("readstat_set_value_handler", lc_rs_set_handler_fn.self),
                setValueLabelHandler: try symbol("readstat_set_value_label_handler", lc_rs_set_handler_fn.self),
                parseSav: try symbol("readstat_parse_sav", lc_rs_parse_fn.self),
                parsePor: try symbol("readstat_parse_por", lc_rs_parse_fn.self),
                parseDta: try symbol("readstat_parse_dta", lc_rs_parse_fn.self),
                errorMessage: try symbol("readstat_error_message", lc_rs_error_message_fn.self),
                rowCount: try symbol("readstat_get_row_count", lc_rs_metadata_int_fn.self),
                variableName: try symbol("readstat_variable_get_name", lc_rs_variable_name_fn.self),
                variableIndex: try symbol("readstat_variable_get_index", lc_rs_variable_index_fn.self),
                variableType: try symbol("readstat_variable_get_type", lc_rs_variable_type_fn.self),
                valueType: try symbol("readstat_value_type", lc_rs_value_type_fn.self),
                isSystemMissing: try symbol("readstat_value_is_system_missing", lc_rs_value_flag_fn.self),
                isDefinedMissing: try symbol("readstat_value_is_defined_missing", lc_rs_value_defined_missing_fn.self),
                doubleValue: try symbol("readstat_double_value", lc_rs_double_fn.self),
                stringValue: try symbol("readstat_string_value", lc_rs_string_fn.self)))
        } catch {
            return .failure(error as? LCError ?? LCError(.io, "\(error)"))
        }
    }()

    static func load() throws -> ReadStat { try shared.get() }
}
