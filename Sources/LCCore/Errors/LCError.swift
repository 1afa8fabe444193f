/// Stable error codes shared by every frontend. The raw values are part of the
/// C ABI (`LC_STATUS_*` in `include/lcstat.h`) and never change meaning.
public enum LCErrorCode: Int32, Sendable, CaseIterable {
    /// An argument is missing, malformed or inconsistent (e.g. `reverse` without a scale).
    case invalidArgument = 1
    /// A file could not be opened or read.
    case io = 2
    /// The input is not well-formed (ragged CSV row, bad header, invalid UTF-8).
    case parse = 3
    /// A cell that must be a number is not one.
    case nonNumeric = 4
    /// A value lies outside the declared response scale.
    case outOfScale = 5
    /// A named column does not exist.
    case unknownColumn = 6
    /// NaN or an infinity where a finite number is required.
    case nonFinite = 7
    /// A documented size limit was exceeded.
    case limit = 8
    /// A handle was NULL, freed, or of the wrong kind (C ABI only).
    case badHandle = 9
    /// The caller stopped the call (its progress callback asked to cancel; Ctrl-C).
    case cancelled = 10
    /// A bug in lcstat: please report it.
    case internalError = 99

    /// A short, stable description of the code.
    public var summary: String {
        switch self {
        case .invalidArgument: return "invalid argument"
        case .io: return "input/output error"
        case .parse: return "malformed input"
        case .nonNumeric: return "non-numeric value"
        case .outOfScale: return "value outside the declared scale"
        case .unknownColumn: return "unknown column"
        case .nonFinite: return "non-finite value"
        case .limit: return "limit exceeded"
        case .badHandle: return "invalid handle"
        case .cancelled: return "cancelled"
        case .internalError: return "internal error"
        }
    }
}

/// The one error type the core throws. `message` names the column, row or value at fault.
public struct LCError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: LCErrorCode
    public let message: String

    public init(_ code: LCErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
