/// A recursive-descent parser for lme4 formulas. Nesting is limited to
/// `maxDepth` levels, so no input can exhaust the stack, and `a * b * …` or
/// `(a + b):(c + d)` may expand into at most `maxExpandedTerms` terms, so no
/// short formula can ask for exponentially many (`a*b*…*t` would be 2²⁰).
extension Formula {
    public static let maxDepth = 100
    public static let maxExpandedTerms = ModelLimits.maxFixedEffects

    public init(parsing text: String) throws {
        var p = FormulaParser(text)
        self = try p.formula()
    }
}

private enum Token: Equatable {
    case name(String), number(String), symbol(Character), end
}

private struct FormulaParser {
    let source: String
    private var tokens: [(token: Token, at: Int)] = []
    private var i = 0
    private var depth = 0

    init(_ text: String) {
        source = text
        tokens = FormulaParser.tokenize(text)
    }

    private static func tokenize(_ text: String) -> [(token: Token, at: Int)] {
        var out: [(Token, Int)] = []
        let chars = Array(text)
        var k = 0
        while k < chars.count {
            let c = chars[k]
            if c == " " || c == "\t" || c == "\n" || c == "\r" { k += 1; continue }
            if c.isLetter || c == "_" || c == "." {
                let s = k
                while k < chars.count && (chars[k].isLetter || chars[k].isNumber || chars[k] == "_" || chars[k] == ".") { k += 1 }
                out.append((.name(String(chars[s..<k])), s))
            } else if c == "`" {
                let s = k
                k += 1
                while k < chars.count && chars[k] != "`" { k += 1 }
                out.append((.name(String(chars[(s + 1)..<min(k, chars.count)])), s))
                k += 1
            } else if c.isNumber {
                let s = k
                while k < chars.count && (chars[k].isNumber || chars[k] == ".") { k += 1 }
                out.append((.number(String(chars[s..<k])), s))
            } else {
                out.append((.symbol(c), k))
                k += 1
            }
        }
        out.append((.end, chars.count))
        return out
    }

    private var current: Token { tokens[min(i, tokens.count - 1)].token }
    private var position: Int { tokens[min(i, tokens.count - 1)].at + 1 }

    private func fail(_ what: String) -> LCError {
        LCError(.parse, "formula: \(what) at character \(position) of '\(source.prefix(200))'")
    }

    private mutating func expect(_ c: Character) throws {
        guard current == .symbol(c) else { throw fail("expected '\(c)'") }
        i += 1
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Formula.maxDepth { throw fail("nesting deeper than \(Formula.maxDepth) levels") }
    }

    mutating func formula() throws -> Formula {
        guard case .name(let response) = current else { throw fail("expected the response variable") }
        i += 1
        try expect("~")
        var rhs = try sum()
        guard current == .end else { throw fail("unexpected '\(describe(current))'") }
        var fixed: [Term] = []
        for t in rhs.terms where !fixed.contains(t) { fixed.append(t) }
        fixed = FormulaParser.lme4Order(fixed)
        rhs.terms = fixed
        guard !(fixed.isEmpty && !rhs.intercept && rhs.random.isEmpty) else { throw fail("the model has no terms") }
        return Formula(response: response, intercept: rhs.intercept, fixed: fixed, random: rhs.random)
    }

    /// Main effects first, then two-way interactions, and so on (R's term order), stable otherwise.
    private static func lme4Order(_ terms: [Term]) -> [Term] {
        terms.enumerated().sorted { a, b in
            a.element.factors.count != b.element.factors.count ? a.element.factors.count < b.element.factors.count : a.offset < b.offset
        }.map(\.element)
    }

    private func describe(_ t: Token) -> String {
        switch t {
        case .name(let s), .number(let s): return s
        case .symbol(let c): return String(c)
        case .end: return "end of formula"
        }
    }

    /// A sum of terms: what stands right of `~` or inside parentheses.
    private struct Sum {
        var intercept = true
        var terms: [Term] = []
        var random: [RandomTerm] = []
    }

    private mutating func sum() throws -> Sum {
        try enter()
        defer { depth -= 1 }
        var s = Sum()
        var sign = 1
        if current == .symbol("-") { sign = -1; i += 1 }
        while true {
            try addend(into: &s, sign: sign)
            if current == .symbol("+") { sign = 1; i += 1 }
            else if current == .symbol("-") { sign = -1; i += 1 }
            else { return s }
        }
    }

    private mutating func addend(into s: inout Sum, sign: Int) throws {
        if case .number(let n) = current {
            i += 1
            switch (n, sign) {
            case ("0", _): s.intercept = false
            case ("1", 1): s.intercept = true
            case ("1", -1): s.intercept = false
            default: throw fail("only 0 and 1 may stand alone as terms, not \(n)")
            }
            return
        }
        if current == .symbol("("), let random = try randomTermIfAny() {
            guard sign == 1 else { throw fail("a random-effects term cannot be subtracted") }
            s.random += random
            return
        }
        let terms = try product()
        if sign == 1 {
            for t in terms where !s.terms.contains(t) { s.terms.append(t) }
        } else {
            s.terms.removeAll { terms.contains($0) }
        }
    }

    /// `(… | g)` if the parenthesis holds a bar; nil (position unchanged) otherwise.
    private mutating func randomTermIfAny() throws -> [RandomTerm]? {
        // look ahead for a '|' at this nesting level
        var k = i + 1, level = 0
        while k < tokens.count {
            switch tokens[k].token {
            case .symbol("("): level += 1
            case .symbol(")"): if level == 0 { return nil } else { level -= 1 }
            case .symbol("|") where level == 0:
                i += 1
                try enter()
                defer { depth -= 1 }
                let inner = try sum()
                try expect("|")
                let groups = try groupingFactors()
                try expect(")")
                guard inner.random.isEmpty else { throw fail("random-effects terms cannot nest") }
                return groups.map { RandomTerm(intercept: inner.intercept, terms: inner.terms, grouping: $0) }
            case .end: return nil
            default: break
            }
            k += 1
        }
        return nil
    }

    /// `g`, `a:b`, or `a/b` (which means `a` and `b:a`).
    private mutating func groupingFactors() throws -> [[String]] {
        guard case .name(let first) = current else { throw fail("expected a grouping factor after '|'") }
        i += 1
        var chain = [[first]]
        while current == .symbol(":") || current == .symbol("/") {
            let nested = current == .symbol("/")
            i += 1
            guard case .name(let next) = current else { throw fail("expected a grouping factor") }
            i += 1
            if nested {
                // lme4 names the nested factor inner:outer: (1 | community/person) -> person:community
                chain.append([next] + (chain.last ?? []))
            } else {
                chain[chain.count - 1].append(next)
            }
        }
        return chain
    }

    private func checkExpansion(_ count: Int) throws {
        if count > Formula.maxExpandedTerms {
            throw LCError(.limit, "formula: the products expand into more than \(Formula.maxExpandedTerms) terms at character \(position)")
        }
    }

    /// `a * b * …` expanded into all interactions.
    private mutating func product() throws -> [Term] {
        var terms = try interaction()
        while current == .symbol("*") {
            i += 1
            let right = try interaction()
            try checkExpansion(terms.count + right.count + terms.count * right.count)
            var out = terms
            for r in right where !out.contains(r) { out.append(r) }
            for l in terms {
                for r in right {
                    let t = Term(l.factors + r.factors.filter { !l.factors.contains($0) })
                    if !out.contains(t) { out.append(t) }
                }
            }
            terms = out
        }
        return terms
    }

    /// `a:b:…`, where each side may itself be a parenthesised sum.
    private mutating func interaction() throws -> [Term] {
        var terms = try atom()
        while current == .symbol(":") {
            i += 1
            let right = try atom()
            try checkExpansion(terms.count * right.count)
            terms = terms.flatMap { l in right.map { r in Term(l.factors + r.factors.filter { !l.factors.contains($0) }) } }
        }
        return terms
    }

    private mutating func atom() throws -> [Term] {
        switch current {
        case .symbol("("):
            i += 1
            let inner = try sum()
            try expect(")")
            guard inner.random.isEmpty else { throw fail("random-effects terms cannot stand inside other terms") }
            return inner.terms
        case .name(let name):
            i += 1
            if current == .symbol("(") { return [Term([try function(name)])] }
            return [Term([.column(name)])]
        default:
            throw fail("expected a variable, found '\(describe(current))'")
        }
    }

    private mutating func function(_ name: String) throws -> Variable {
        try expect("(")
        var args: [String] = []
        while true {
            guard case .name(let a) = current else { throw fail("\(name)() takes column names") }
            args.append(a)
            i += 1
            if current == .symbol(",") { i += 1; continue }
            try expect(")")
            break
        }
        switch (name, args.count) {
        case ("within", 2): return .within(args[0], group: args[1])
        case ("between", 2): return .between(args[0], group: args[1])
        case ("lag", 3): return .lag(args[0], group: args[1], time: args[2])
        case ("center", 1): return .center(args[0])
        case ("within", _), ("between", _): throw fail("\(name)(x, group) takes 2 arguments, got \(args.count)")
        case ("lag", _): throw fail("lag(x, group, time) takes 3 arguments, got \(args.count)")
        case ("center", _): throw fail("center(x) takes 1 argument, got \(args.count)")
        default: throw fail("unknown function '\(name)'; use within, between, lag or center")
        }
    }
}
