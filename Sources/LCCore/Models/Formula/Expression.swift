/// An R expression as written in a model formula: the whole right-hand side
/// while it is expanded into terms, and afterwards each variable of a term
/// (`age`, `I(age^2)`, `poly(age, 2)`, `relevel(Sex, "Female")`).
///
/// Two variables are the same when they print the same, and they print as R's
/// `deparse` prints them: `+ - *` and `%in%` with spaces, `/ ^ :` without,
/// strings in double quotes, numbers with at most 15 significant digits,
/// parentheses as written. These texts are R's column names (`I(x/10)`,
/// `poly(age, 2)1`), so the names lcstat reports are the names R reports.
public indirect enum Expression: Sendable, Hashable, CustomStringConvertible {
    case name(String)
    case number(Double)
    case string(String)
    case logical(Bool)
    case call(String, [Argument])
    /// `* / ^ : | || %in%` (and `~` inside calls, which lcstat refuses by name).
    case binary(String, Expression, Expression)
    /// `a + b - c`: a sum kept flat (not as a chain of binary nodes), so that a formula of
    /// many terms is read, expanded and released without deep recursion.
    case sum([Addend])
    /// Unary `-` or `+`.
    case unary(String, Expression)
    case parenthesised(Expression)

    /// An operand of a sum; `negative` for one after `-`.
    public struct Addend: Sendable, Hashable {
        public let negative: Bool
        public let value: Expression
        public init(negative: Bool, _ value: Expression) { self.negative = negative; self.value = value }
    }

    /// A call's argument, `value` or `name = value`.
    public struct Argument: Sendable, Hashable {
        public let name: String?
        public let value: Expression
        public init(name: String? = nil, _ value: Expression) { self.name = name; self.value = value }
    }

    public var description: String {
        switch self {
        case .name(let n): return Expression.quotedName(n)
        case .number(let x): return rNumberText(x)
        case .string(let s):
            return "\"" + s.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
        case .logical(let b): return b ? "TRUE" : "FALSE"
        case .call(let f, let args):
            return Expression.quotedName(f) + "(" + args.map { a in
                (a.name.map { Expression.quotedName($0) + " = " } ?? "") + a.value.description
            }.joined(separator: ", ") + ")"
        case .binary(let op, let l, let r):
            let tight = op == "/" || op == "^" || op == ":"
            return l.description + (tight ? op : " " + op + " ") + r.description
        case .sum(let addends):
            return addends.enumerated().map { k, a in
                k == 0 ? (a.negative ? "-" : "") + a.value.description : (a.negative ? " - " : " + ") + a.value.description
            }.joined()
        case .unary(let op, let e): return op + e.description
        case .parenthesised(let e): return "(" + e.description + ")"
        }
    }

    /// The data columns the expression reads.
    public var columns: [String] {
        switch self {
        case .name(let n): return [n]
        case .number, .string, .logical: return []
        case .call(_, let args): return args.flatMap(\.value.columns)
        case .binary(_, let l, let r): return l.columns + r.columns
        case .sum(let addends): return addends.flatMap(\.value.columns)
        case .unary(_, let e), .parenthesised(let e): return e.columns
        }
    }

    /// The expression without enclosing parentheses.
    var unparenthesised: Expression {
        if case .parenthesised(let e) = self { return e.unparenthesised }
        return self
    }

    /// R's rule for a name that deparses without backticks: letters, digits, `.` and `_`,
    /// starting with a letter or with `.` not followed by a digit, and not a reserved word.
    static func quotedName(_ n: String) -> String {
        let chars = Array(n)
        func nameChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "." || c == "_" }
        let syntactic = !chars.isEmpty && (chars[0].isLetter || (chars[0] == "." && !(chars.count > 1 && chars[1].isNumber)))
            && chars.allSatisfy(nameChar) && !reservedWords.contains(n)
        return syntactic ? n : "`" + n.replacingAll("`", with: "\\`") + "`"
    }

    private static let reservedWords: Set<String> = ["if", "else", "repeat", "while", "function", "for", "next", "break",
                                                    "TRUE", "FALSE", "NULL", "Inf", "NaN", "NA", "in"]
}

extension String {
    /// The string with every occurrence of `target` replaced (no Foundation in the core).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = "", rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
