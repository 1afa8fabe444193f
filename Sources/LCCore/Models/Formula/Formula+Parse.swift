/// Reading a formula's text into an `Expression` with R's operator precedence
/// (`?Syntax`, lowest first): `~`, `| ||`, binary `+ -`, `* /`, `%in%`, `:`,
/// unary `+ -`, `^` (right-associative). Nesting is limited to `maxDepth` levels,
/// so no input can exhaust the stack. The tree is then expanded into terms by
/// `TermExpansion` (Formula+Terms.swift).
extension Formula {
    public static let maxDepth = 100
    public static let maxExpandedTerms = ModelLimits.maxFixedEffects

    public init(parsing text: String) throws {
        var p = ExpressionParser(text)
        let (response, rhs) = try p.formula()
        let source = String(text.prefix(200))
        self = try Formula(response: response, rhs: rhs, fail: { LCError(.parse, "formula: \($0) in '\(source)'") })
    }
}

enum FormulaToken: Equatable {
    case name(String), number(Double, String), string(String), symbol(String), end
}

struct ExpressionParser {
    let source: String
    private var tokens: [(token: FormulaToken, at: Int)] = []
    private var i = 0
    private var depth = 0
    private var tokenError: (String, Int)?

    init(_ text: String) {
        source = text
        (tokens, tokenError) = ExpressionParser.tokenize(text)
    }

    private static let symbols = ["||", "~", "+", "-", "*", "/", "^", ":", "|", "(", ")", ",", "="]

    private static func tokenize(_ text: String) -> ([(token: FormulaToken, at: Int)], (String, Int)?) {
        var out: [(FormulaToken, Int)] = []
        let chars = Array(text)
        var k = 0
        func isNameChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "." }
        while k < chars.count {
            let c = chars[k]
            let s = k
            if c == " " || c == "\t" || c == "\n" || c == "\r" { k += 1; continue }
            if c.isNumber || (c == "." && k + 1 < chars.count && chars[k + 1].isNumber) {
                while k < chars.count && (chars[k].isNumber || chars[k] == ".") { k += 1 }
                if k < chars.count && (chars[k] == "e" || chars[k] == "E") {
                    var m = k + 1
                    if m < chars.count && (chars[m] == "+" || chars[m] == "-") { m += 1 }
                    if m < chars.count && chars[m].isNumber {
                        k = m
                        while k < chars.count && chars[k].isNumber { k += 1 }
                    }
                }
                if k < chars.count && chars[k] == "L" { k += 1 }     // R's integer suffix
                let literal = String(chars[s..<k])
                guard let value = Double(literal.hasSuffix("L") ? String(literal.dropLast()) : literal) else {
                    return (out, ("cannot read the number '\(literal)'", s))
                }
                out.append((.number(value, literal), s))
            } else if c.isLetter || c == "_" || c == "." {
                while k < chars.count && isNameChar(chars[k]) { k += 1 }
                out.append((.name(String(chars[s..<k])), s))
            } else if c == "`" || c == "\"" || c == "'" {
                k += 1
                var value = ""
                while k < chars.count && chars[k] != c {
                    if chars[k] == "\\" && k + 1 < chars.count { k += 1 }
                    value.append(chars[k])
                    k += 1
                }
                guard k < chars.count else { return (out, ("unterminated \(c == "`" ? "backtick name" : "string")", s)) }
                k += 1
                out.append((c == "`" ? .name(value) : .string(value), s))
            } else if c == "%" {
                k += 1
                while k < chars.count && chars[k] != "%" { k += 1 }
                guard k < chars.count else { return (out, ("unterminated operator '%'", s)) }
                k += 1
                out.append((.symbol(String(chars[s..<k])), s))
            } else if let op = symbols.first(where: { op in
                op.count <= chars.count - k && String(chars[k..<(k + op.count)]) == op }) {
                k += op.count
                out.append((.symbol(op), s))
            } else {
                return (out, ("unexpected character '\(c)'", s))
            }
        }
        out.append((.end, chars.count))
        return (out, nil)
    }

    private var current: FormulaToken { tokens[min(i, tokens.count - 1)].token }
    private var position: Int { tokens[min(i, tokens.count - 1)].at + 1 }

    func fail(_ what: String) -> LCError {
        LCError(.parse, "formula: \(what) at character \(position) of '\(source.prefix(200))'")
    }

    private mutating func expect(_ s: String, _ context: String) throws {
        guard current == .symbol(s) else { throw fail("expected '\(s)' \(context), found '\(describe(current))'") }
        i += 1
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Formula.maxDepth { throw fail("nesting deeper than \(Formula.maxDepth) levels") }
    }

    private func describe(_ t: FormulaToken) -> String {
        switch t {
        case .name(let s), .number(_, let s), .symbol(let s): return s
        case .string(let s): return "\"" + s + "\""
        case .end: return "end of formula"
        }
    }

    /// `response ~ rhs`.
    mutating func formula() throws -> (Expression, Expression) {
        if let (message, at) = tokenError {
            throw LCError(.parse, "formula: \(message) at character \(at + 1) of '\(source.prefix(200))'")
        }
        guard current != .end else { throw fail("the formula is empty") }
        if current == .symbol("~") { throw fail("the formula needs a response before '~'") }
        let response = try binary(level: 0)
        try expect("~", "after the response (write e.g. 'y ~ x' or 'log(y) ~ x')")
        guard current != .end else { throw fail("the formula has nothing after '~'") }
        let rhs = try binary(level: 0)
        guard current == .end else { throw fail("unexpected '\(describe(current))'") }
        return (response, rhs)
    }

    /// Binary operators by precedence level, lowest first.
    private static let levels: [[String]] = [["|", "||"], ["+", "-"], ["*", "/"], ["%"], [":"]]

    private func binaryOperator(at level: Int) -> String? {
        guard case .symbol(let s) = current else { return nil }
        let ops = ExpressionParser.levels[level]
        if ops == ["%"] { return s.hasPrefix("%") ? s : nil }
        return ops.contains(s) ? s : nil
    }

    /// Operands one chain of `* / %in% :` may have: longer products expand into more terms
    /// than a model may have anyway, and a bound keeps the tree shallow.
    static let maxChain = 64

    private mutating func binary(level: Int) throws -> Expression {
        if level == ExpressionParser.levels.count { return try unary() }
        var left = try binary(level: level + 1)
        if ExpressionParser.levels[level] == ["+", "-"] {
            // a sum is kept flat, however long
            var addends = [Expression.Addend(negative: false, left)]
            while let op = binaryOperator(at: level) {
                i += 1
                guard current != .end else { throw fail("'\(op)' needs something on its right") }
                addends.append(Expression.Addend(negative: op == "-", try binary(level: level + 1)))
            }
            return addends.count == 1 ? left : .sum(addends)
        }
        var operands = 1
        while let op = binaryOperator(at: level) {
            i += 1
            guard current != .end else { throw fail("'\(op)' needs something on its right") }
            operands += 1
            if operands > ExpressionParser.maxChain {
                throw LCError(.limit, "formula: more than \(ExpressionParser.maxChain) operands joined by '\(op)' at character \(position) of '\(source.prefix(200))'")
            }
            left = .binary(op, left, try binary(level: level + 1))
        }
        return left
    }

    private mutating func unary() throws -> Expression {
        if current == .symbol("-") || current == .symbol("+") {
            guard case .symbol(let op) = current else { return try power() }
            i += 1
            try enter()
            defer { depth -= 1 }
            return .unary(op, try unary())
        }
        return try power()
    }

    private mutating func power() throws -> Expression {
        let base = try primary()
        guard current == .symbol("^") else { return base }
        i += 1
        try enter()
        defer { depth -= 1 }
        return .binary("^", base, try unary())     // right-associative, binds tighter than unary minus on its left
    }

    private mutating func primary() throws -> Expression {
        switch current {
        case .symbol("("):
            i += 1
            try enter()
            defer { depth -= 1 }
            let inner = try binary(level: 0)
            try expect(")", "to close '('")
            return .parenthesised(inner)
        case .number(let x, _):
            i += 1
            return .number(x)
        case .string(let s):
            i += 1
            return .string(s)
        case .name(let n):
            i += 1
            if current == .symbol("(") { return try call(n) }
            if n == "TRUE" { return .logical(true) }
            if n == "FALSE" { return .logical(false) }
            return .name(n)
        case .symbol("~"):
            throw fail("a formula has one '~'")
        default:
            throw fail("expected a variable, found '\(describe(current))'")
        }
    }

    private mutating func call(_ name: String) throws -> Expression {
        try expect("(", "after '\(name)'")
        try enter()
        defer { depth -= 1 }
        var args: [Expression.Argument] = []
        if current == .symbol(")") { i += 1; return .call(name, args) }
        while true {
            var argName: String?
            if case .name(let n) = current, tokens[min(i + 1, tokens.count - 1)].token == .symbol("=") {
                argName = n
                i += 2
            }
            args.append(Expression.Argument(name: argName, try binary(level: 0)))
            if current == .symbol(",") { i += 1; continue }
            try expect(")", "to close \(name)(")
            return .call(name, args)
        }
    }
}
