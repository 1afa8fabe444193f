import Glibc

/// What a cell's text turned out to be.
enum ParsedCell {
    case number(Double)
    case notANumber
    /// Reads as NaN or an infinity, or overflows a Double (e.g. `1e309`).
    case nonFinite
    /// A number written with the other decimal separator than the file uses.
    case wrongDecimal
}

/// Parses the bytes of one unquoted, trimmed cell as a decimal number.
///
/// Integers of up to 15 digits take a fast path (exact in a Double); anything
/// else goes through `strtod` on a NUL-terminated copy, after checking that
/// only `0-9 + - e E` and the decimal separator occur, so hex floats and
/// locale surprises are excluded.
@inline(__always)
func parseNumber(_ p: UnsafePointer<UInt8>, _ n: Int, decimalComma: Bool) -> ParsedCell {
    if n == 0 { return .notANumber }
    var i = 0
    var negative = false
    if p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+") {
        negative = p[0] == UInt8(ascii: "-")
        i = 1
    }
    if n - i > 0 && n - i <= 15 {
        var v: Int64 = 0
        var j = i
        while j < n {
            let d = p[j] &- 48
            if d > 9 { break }
            v = v &* 10 &+ Int64(d)
            j += 1
        }
        if j == n { return .number(negative ? -Double(v) : Double(v)) }
    }
    return parseGeneral(p, n, decimalComma: decimalComma)
}

private func parseGeneral(_ p: UnsafePointer<UInt8>, _ n: Int, decimalComma: Bool) -> ParsedCell {
    let sep = decimalComma ? UInt8(ascii: ",") : UInt8(ascii: ".")
    let other = decimalComma ? UInt8(ascii: ".") : UInt8(ascii: ",")
    var digits = 0, seps = 0, others = 0
    for j in 0..<n {
        let c = p[j]
        if c >= 48 && c <= 57 { digits += 1; continue }
        if c == sep { seps += 1; continue }
        if c == other { others += 1; continue }
        switch c {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "e"), UInt8(ascii: "E"): continue
        default: return looksNonFinite(p, n) ? .nonFinite : .notANumber
        }
    }
    if digits == 0 { return .notANumber }
    if others > 0 { return (others == 1 && seps == 0) ? .wrongDecimal : .notANumber }
    if n > 400 { return .notANumber }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
        guard let start = buf.baseAddress else { return .notANumber }
        for j in 0..<n { buf[j] = CChar(bitPattern: p[j] == sep ? UInt8(ascii: ".") : p[j]) }
        buf[n] = 0
        var end: UnsafeMutablePointer<CChar>? = nil
        let v = strtod(start, &end)
        guard let e = end, e - start == n else { return .notANumber }
        return v.isFinite ? .number(v) : .nonFinite
    }
}

/// `nan`, `inf`, `infinity` in any case, with an optional sign.
private func looksNonFinite(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var s = 0
    if n > 0 && (p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+")) { s = 1 }
    guard n - s <= 8 else { return false }
    var word = ""
    for j in s..<n { word.append(Character(Unicode.Scalar(p[j] | 0x20))) }
    return word == "nan" || word == "inf" || word == "infinity"
}

/// The text R would print for a number that turned out to be a label
/// (`7`, not `7.0`), used when a numeric-looking column becomes textual.
public func labelText(_ v: Double) -> String {
    if v.isNaN { return "NA" }
    if v == v.rounded(.towardZero) && abs(v) <= CellRules.exactIntegers { return String(Int64(v)) }
    return String(v)
}
