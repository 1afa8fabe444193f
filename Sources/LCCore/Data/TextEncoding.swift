/// The character encoding of a CSV file. lcstat reads UTF-8 (a byte-order mark is honoured);
/// files exported as ISO 8859-1 (latin-1) or Windows-1252 (cp1252, Excel's and SPSS's default on
/// Western-European Windows) are transcoded to UTF-8 before they are parsed, so that "Köln"
/// stays one key. A byte that is not a character of the encoding is an error naming its line.
public enum TextEncoding: String, Sendable, CaseIterable, Equatable {
    case utf8 = "utf-8", latin1 = "latin-1", cp1252

    /// `utf-8`, `latin-1` or `cp1252`, and their common aliases (`utf8`, `latin1`,
    /// `iso-8859-1`, `windows-1252`), in any case.
    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "utf-8", "utf8": self = .utf8
        case "latin-1", "latin1", "iso-8859-1", "iso8859-1": self = .latin1
        case "cp1252", "windows-1252": self = .cp1252
        default: throw LCError(.invalidArgument, "unknown encoding '\(text)'; use utf-8, latin-1 or cp1252")
        }
    }

    /// Windows-1252's characters at 0x80…0x9F (0: none), where it differs from latin-1.
    private static let cp1252High: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    /// The bytes as UTF-8 (unchanged for `.utf8`).
    func utf8(_ bytes: [UInt8]) throws -> [UInt8] {
        guard self != .utf8 else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        var line = 1
        for b in bytes {
            if b == 0x0A { line += 1 }
            var scalar = UInt32(b)
            if self == .cp1252, (0x80...0x9F).contains(b) {
                scalar = Self.cp1252High[Int(b - 0x80)]
                guard scalar != 0 else {
                    throw LCError(.parse, "line \(line): byte 0x\(String(b, radix: 16, uppercase: true)) is not a Windows-1252 character")
                }
            }
            switch scalar {
            case 0..<0x80: out.append(UInt8(scalar))
            case 0x80..<0x800: out += [UInt8(0xC0 | scalar >> 6), UInt8(0x80 | scalar & 0x3F)]
            default: out += [UInt8(0xE0 | scalar >> 12), UInt8(0x80 | (scalar >> 6) & 0x3F), UInt8(0x80 | scalar & 0x3F)]
            }
        }
        return out
    }
}
