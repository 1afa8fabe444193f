/// A number as R writes it with `as.character` and `deparse`: at most 15
/// significant digits, in fixed or scientific notation, whichever is shorter
/// (fixed on a tie), as R's `formatReal` chooses with `scipen = 0`:
/// `1000`, `1e+05`, `0.001`, `1e-04`, `1.5`, `123456`.
///
/// These are the names R gives to factor levels made from numbers
/// (`factor(session)` has levels `"1"`, `"2"`, …) and to numbers inside a
/// deparsed term (`I(x/10)`), so lcstat's column names are R's.
func rNumberText(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x < 0 ? "-Inf" : "Inf" }
    if x == 0 { return "0" }
    let (digits, exponent) = significantDigits(abs(x))
    let sign = x < 0 ? "-" : ""
    let n = digits.count
    // fixed notation
    var fixed: String
    if exponent >= 0 {
        if n > exponent + 1 {
            fixed = String(digits.prefix(exponent + 1)) + "." + String(digits.dropFirst(exponent + 1))
        } else {
            fixed = digits + String(repeating: "0", count: exponent + 1 - n)
        }
    } else {
        fixed = "0." + String(repeating: "0", count: -exponent - 1) + digits
    }
    // scientific notation: d[.ddd]e±XX
    let e = abs(exponent)
    let scientific = String(digits.prefix(1)) + (n > 1 ? "." + String(digits.dropFirst()) : "")
        + (exponent < 0 ? "e-" : "e+") + (e < 10 ? "0" : "") + String(e)
    fixed = fixed.count <= scientific.count ? fixed : scientific
    return sign + fixed
}

/// The decimal digits of x > 0 rounded to 15 significant digits, without
/// trailing zeros, and the decimal exponent of the first digit.
private func significantDigits(_ x: Double) -> (String, Int) {
    // Swift's description is the shortest text that reads back as x: "1.5", "1e-10", "123456.0", "1.2345e+20"
    let text = x.description
    var mantissa = Substring(text), exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = text[..<e]
        exponent = Int(text[text.index(after: e)...]) ?? 0
    }
    let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
    let whole = String(parts[0]), fraction = parts.count > 1 ? String(parts[1]) : ""
    var digits = Array(whole + fraction)
    exponent += whole.count - 1
    // drop leading zeros (0.00123 -> 123, exponent -3)
    while digits.count > 1 && digits[0] == "0" { digits.removeFirst(); exponent -= 1 }
    if digits.count > 15 {
        let roundUp = digits[15] >= "5"
        digits = Array(digits.prefix(15))
        if roundUp {
            var k = 14
            while k >= 0 {
                if digits[k] == "9" { digits[k] = "0"; k -= 1 } else {
                    digits[k] = Character(Unicode.Scalar((digits[k].asciiValue ?? 48) + 1)); break
                }
            }
            if k < 0 { digits.insert("1", at: 0); digits.removeLast(); exponent += 1 }
        }
    }
    while digits.count > 1 && digits.last == "0" { digits.removeLast() }
    return (String(digits), exponent)
}
