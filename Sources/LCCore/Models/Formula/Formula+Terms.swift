/// From a parsed right-hand side to terms: the random parts are taken out as lme4's
/// `findbars`/`nobars` do, and each part is expanded by R's term algebra
/// (`TermsForm` in R's `src/library/stats/src/model.c`).
extension Formula {
    init(response: Expression, rhs: Expression, fail: @escaping (String) -> LCError) throws {
        if case .call("cbind", let args) = response.unparenthesised {
            // a binomial response of successes and failures (glmer's cbind(s, f)); only that family reads it
            guard args.count == 2 else { throw fail("cbind() takes two columns: cbind(successes, failures)") }
            for a in args { try TermExpansion.checkArithmetic(a.value, fail: fail) }
        } else {
            try TermExpansion.checkVariable(response, fail: fail)
        }
        var fixedParts: [(negative: Bool, Expression)] = []
        var bars: [(Expression, Expression, uncorrelated: Bool)] = []
        try Formula.splitBars(rhs, negative: false, into: &fixedParts, bars: &bars, fail: fail)
        // the fixed part: the remaining addends (lme4's nobars), `1` when none is left
        let fixedExpression = fixedParts.isEmpty ? Expression.number(1)
            : .sum(fixedParts.map { Expression.Addend(negative: $0.negative, $0.1) })
        let fixed = try TermExpansion.terms(of: fixedExpression, fail: fail)
        var random: [RandomTerm] = []
        for (effects, groups, uncorrelated) in bars {
            let terms = try TermExpansion.terms(of: effects, fail: fail)
            guard terms.offsets.isEmpty else { throw fail("offset() belongs in the fixed part, not in a random-effects term") }
            guard terms.intercept || !terms.terms.isEmpty else { throw fail("a random-effects term has no effects") }
            let groupings = try Formula.groupings(groups, fail: fail)
            // (x || g): lme4's expandDoubleVerts, (1 | g) + (0 + x | g) + ... one term per effect
            let parts = !uncorrelated ? [terms] : (terms.intercept
                ? [ModelTerms(variables: [], terms: [], intercept: true, offsets: [])] : [])
                + terms.terms.map { t in
                    ModelTerms(variables: t.map { terms.variables[$0] }, terms: [Array(t.indices)], intercept: false, offsets: [])
                }
            for g in groupings { for p in parts { random.append(RandomTerm(effects: p, grouping: g)) } }
        }
        guard !(fixed.terms.isEmpty && !fixed.intercept && random.isEmpty && fixed.offsets.isEmpty) else {
            throw fail("the model has no terms")
        }
        self.init(response: response, fixed: fixed, random: random)
    }

    /// The addends of a sum, with random-effects terms `(e | g)` and `(e || g)` set apart.
    private static func splitBars(_ e: Expression, negative: Bool, into parts: inout [(negative: Bool, Expression)],
                                  bars: inout [(Expression, Expression, uncorrelated: Bool)], fail: (String) -> LCError) throws {
        switch e {
        case .sum(let addends):
            for a in addends { try splitBars(a.value, negative: a.negative != negative, into: &parts, bars: &bars, fail: fail) }
        case .unary("-", let inner) where containsBar(inner):
            try splitBars(inner, negative: !negative, into: &parts, bars: &bars, fail: fail)
        case .parenthesised(let inner):
            if case .binary(let op, let l, let r) = inner.unparenthesised, op == "|" || op == "||" {
                guard !negative else { throw fail("a random-effects term cannot be subtracted") }
                guard !containsBar(l), !containsBar(r) else { throw fail("random-effects terms cannot nest") }
                bars.append((l, r, op == "||"))
            } else if containsBar(inner) {
                try splitBars(inner, negative: negative, into: &parts, bars: &bars, fail: fail)
            } else {
                parts.append((negative, e))
            }
        case .binary("|", _, _), .binary("||", _, _):
            throw fail("a random-effects term stands in parentheses: write (… | group)")
        default:
            if containsBar(e) { throw fail("random-effects terms cannot stand inside other terms") }
            parts.append((negative, e))
        }
    }

    private static func containsBar(_ e: Expression) -> Bool {
        switch e {
        case .binary(let op, let l, let r): return op == "|" || op == "||" || containsBar(l) || containsBar(r)
        case .sum(let addends): return addends.contains { containsBar($0.value) }
        case .unary(_, let x), .parenthesised(let x): return containsBar(x)
        case .call(_, let args): return args.contains { containsBar($0.value) }
        default: return false
        }
    }

    /// `g` → [[g]]; `a:b` → [[a, b]]; `a/b` → [[a], [b, a]] (lme4 names the nested factor `b:a`).
    private static func groupings(_ e: Expression, fail: (String) -> LCError) throws -> [[String]] {
        switch e.unparenthesised {
        case .name(let n): return [[n]]
        case .binary(":", let l, let r):
            let (a, b) = (try groupings(l, fail: fail), try groupings(r, fail: fail))
            guard a.count == 1, b.count == 1 else { throw fail("write nested groupings as a/b, not inside ':'") }
            return [a[0] + b[0]]
        case .binary("/", let l, let r):
            let outer = try groupings(l, fail: fail), inner = try groupings(r, fail: fail)
            guard inner.count == 1 else { throw fail("write nested groupings as a/b/c") }
            return outer + [inner[0] + (outer.last ?? [])]
        default:
            throw fail("expected a grouping factor after '|' (a column, a:b or a/b), found '\(e)'")
        }
    }
}

/// R's expansion of a formula into terms (`EncodeVars` in R's model.c): each term a
/// set of variables, kept as ascending indices into `variables`, which are numbered
/// in order of first appearance.
struct TermExpansion {
    private(set) var variables: [Expression] = []
    private var intercept = true
    /// Inside the right side of `-` the meaning of `0` and `1` flips (`- 1` drops the intercept).
    private var deleting = false
    private var offsets: [Expression] = []
    let fail: (String) -> LCError

    static func terms(of e: Expression, fail: @escaping (String) -> LCError) throws -> ModelTerms {
        var x = TermExpansion(fail: fail)
        let terms = try x.encode(e)
        // by degree, then in order of appearance (R's terms.formula with keep.order = FALSE)
        let ordered = terms.enumerated().sorted { a, b in
            a.element.count != b.element.count ? a.element.count < b.element.count : a.offset < b.offset
        }.map(\.element)
        return ModelTerms(variables: x.variables, terms: ordered, intercept: x.intercept, offsets: x.offsets)
    }

    /// A variable's expression must be one lcstat can evaluate: checked here so that the
    /// error names the construct before any data are read.
    static func checkVariable(_ e: Expression, fail: (String) -> LCError) throws {
        switch e {
        case .name(let n):
            if n == "." { throw fail("'.' (every other column) is not supported; name the columns") }
        case .call(let f, let args):
            guard VariableFunctions.all.contains(f) else {
                throw fail("unknown function '\(f)()'; lcstat knows \(VariableFunctions.all.sorted().joined(separator: ", "))")
            }
            if let problem = VariableFunctions.arityProblem(f, args.count) { throw fail(problem) }
            for a in args { try checkArithmetic(a.value, fail: fail) }
        case .parenthesised(let x): try checkVariable(x, fail: fail)
        case .binary(let op, _, _):
            throw fail("the operator '\(op)' cannot stand here; write arithmetic inside I(), e.g. I(x \(op) 2)")
        case .sum:
            throw fail("a sum cannot stand here; write arithmetic inside I(), e.g. I(x + 2)")
        case .number, .string, .logical, .unary:
            throw fail("expected a variable, found '\(e)'")
        }
    }

    static func checkArithmetic(_ e: Expression, fail: (String) -> LCError) throws {
        switch e {
        case .name, .number, .string, .logical: return
        case .call: try checkVariable(e, fail: fail)
        case .binary(let op, let l, let r):
            guard ["+", "-", "*", "/", "^"].contains(op) else {
                throw fail("the operator '\(op)' is not arithmetic lcstat evaluates (use + - * / ^)")
            }
            try checkArithmetic(l, fail: fail)
            try checkArithmetic(r, fail: fail)
        case .sum(let addends): for a in addends { try checkArithmetic(a.value, fail: fail) }
        case .unary(_, let x), .parenthesised(let x): try checkArithmetic(x, fail: fail)
        }
    }

    private mutating func install(_ e: Expression) -> Int {
        if let k = variables.firstIndex(of: e) { return k }
        variables.append(e)
        return variables.count - 1
    }

    private func check(_ count: Int) throws {
        if count > Formula.maxExpandedTerms {
            throw LCError(.limit, "formula: the products expand into more than \(Formula.maxExpandedTerms) terms")
        }
    }

    /// Terms without repeats (R's TrimRepeats; the empty term is the intercept's business).
    private func trim(_ terms: [[Int]]) -> [[Int]] {
        var seen = Set<[Int]>(), out: [[Int]] = []
        for t in terms where !t.isEmpty && seen.insert(t).inserted { out.append(t) }
        return out
    }

    private func union(_ a: [Int], _ b: [Int]) -> [Int] { Array(Set(a).union(b)).sorted() }

    private func interact(_ l: [[Int]], _ r: [[Int]]) throws -> [[Int]] {
        try check(l.count * r.count)
        return trim(l.flatMap { a in r.map { union(a, $0) } })
    }

    private mutating func encode(_ e: Expression) throws -> [[Int]] {
        switch e {
        case .sum(let addends):
            // in order: `a - b + c` is (a − b) + c
            var terms: [[Int]] = []
            for a in addends {
                if a.negative {
                    let removed = try deleted(a.value)
                    terms.removeAll { removed.contains($0) }
                } else {
                    terms = trim(terms + (try encode(a.value)))
                    try check(terms.count)
                }
            }
            return terms
        case .binary(":", let l, let r):
            return try interact(encode(l), encode(r))
        case .binary("*", let l, let r):
            let (a, b) = (try encode(l), try encode(r))
            return trim(a + b + (try interact(a, b)))
        case .binary("%in%", let l, let r):
            let (a, b) = (try encode(l), try encode(r))
            let all = b.reduce([], union)
            return trim(a.map { union($0, all) })
        case .binary("/", let l, let r):
            // a/b = a + b %in% a
            let (a, b) = (try encode(l), try encode(r))
            let all = a.reduce([], union)
            return trim(a + b.map { union($0, all) })
        case .binary("^", let l, let r):
            guard case .number(let k) = r.unparenthesised, k >= 1, k == k.rounded(), k <= 64 else {
                throw fail("'^' in a formula takes a whole power, as in (a + b + c)^2 (for the arithmetic power write I(x^\(r)))")
            }
            let base = try encode(l)
            var result = base
            for _ in 1..<Int(k) { result = try interact(base, result) }
            return result
        case .unary("-", let x):
            _ = try deleted(x)
            return []
        case .unary(_, let x), .parenthesised(let x):
            return try encode(x)
        case .number(let x):
            guard x == 0 || x == 1 else { throw fail("only 0 and 1 may stand alone as terms, not \(rNumberText(x))") }
            intercept = (x == 1) != deleting
            return []
        case .call("offset", let args):
            guard args.count == 1, args[0].name == nil else { throw fail("offset(x) takes one argument") }
            try TermExpansion.checkArithmetic(args[0].value, fail: fail)
            offsets.append(args[0].value)
            return []
        case .binary(let op, _, _):
            if op.hasPrefix("%") { throw fail("the operator '\(op)' is not part of R's formula language") }
            throw fail("unexpected '\(op)' in the formula")
        default:
            try TermExpansion.checkVariable(e, fail: fail)
            return [[install(e)]]
        }
    }

    /// The terms of `e` read as the right side of `-`.
    private mutating func deleted(_ e: Expression) throws -> [[Int]] {
        deleting.toggle()
        defer { deleting.toggle() }
        return try encode(e)
    }
}
