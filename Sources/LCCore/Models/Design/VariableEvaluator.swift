import Glibc

/// The functions a formula may call.
enum VariableFunctions {
    /// Applied to each value: R's functions of the same names.
    static let elementwise: [String: @Sendable (Double) -> Double] = [
        "log": { Glibc.log($0) }, "log2": { Glibc.log2($0) }, "log10": { Glibc.log10($0) },
        "log1p": { Glibc.log1p($0) }, "exp": { Glibc.exp($0) }, "expm1": { Glibc.expm1($0) },
        "sqrt": { $0.squareRoot() }, "abs": { Swift.abs($0) },
    ]
    static let factors: Set<String> = ["factor", "as.factor", "ordered", "relevel"]
    /// Learned from the data (`scale`, `poly`, `center`) or computed within groups.
    static let dataDependent: Set<String> = ["scale", "poly", "center", "within", "between", "lag"]
    static let all: Set<String> = Set(elementwise.keys).union(factors).union(dataDependent).union(["I", "offset"])

    /// How each function is written, where its number of arguments is fixed.
    static let usage: [String: (arguments: ClosedRange<Int>, text: String)] = [
        "within": (2...2, "within(x, group)"), "between": (2...2, "between(x, group)"), "lag": (3...3, "lag(x, group, time)"),
        "center": (1...1, "center(x)"), "scale": (1...1, "scale(x)"), "I": (1...1, "I(expression)"),
        "factor": (1...1, "factor(x)"), "as.factor": (1...1, "as.factor(x)"), "ordered": (1...1, "ordered(x)"),
        "relevel": (2...2, "relevel(x, \"reference\")"), "log": (1...2, "log(x) or log(x, base)"),
        "poly": (2...3, "poly(x, degree) or poly(x, degree, raw = TRUE)"), "offset": (1...1, "offset(x)"),
    ]

    /// An error text when `f` is called with a wrong number of arguments.
    static func arityProblem(_ f: String, _ count: Int) -> String? {
        if let u = usage[f] {
            return u.arguments.contains(count) ? nil : "\(f)() takes \(u.arguments.lowerBound == u.arguments.upperBound ? "\(u.arguments.lowerBound)" : "\(u.arguments.lowerBound) to \(u.arguments.upperBound)") argument\(u.arguments.upperBound == 1 ? "" : "s"), got \(count): write \(u.text)"
        }
        return elementwise[f] != nil && count != 1 ? "\(f)() takes 1 argument, got \(count)" : nil
    }
}

/// Evaluates formula variables on every row of a dataset, each expression once.
///
/// Data-dependent functions use all rows where their argument is present, before rows
/// with a missing model variable are dropped, as R evaluates them in `model.frame`:
/// `scale(x)` is (x − mean)/SD (n − 1), `center(x)` is x − mean, `poly(x, k)` learns its
/// polynomials (R's `poly` refuses missing values; lcstat uses the present ones).
/// Given the parameters learned on a fitted model's data (`fitted`), the same variables
/// are evaluated on new data with those parameters, as R's `predict` does.
struct VariableEvaluator {
    let data: Dataset
    let fitted: [Expression: LearnedTransform]?
    private(set) var learned: [Expression: LearnedTransform] = [:]
    private var cache: [Expression: VariableValue] = [:]
    /// Conventions used where lcstat and R differ (a labelled column made a factor by its labels).
    private(set) var notes: [String] = []
    private var groupings: [[String]: Grouping] = [:]

    init(data: Dataset, fitted: [Expression: LearnedTransform]? = nil) {
        self.data = data
        self.fitted = fitted
    }

    /// The groups of the columns `keys` (labels joined by ":"), formed once for every term
    /// that uses them (`within(x, person)`, `lag(x, person, t)`, `(1 | person)`).
    mutating func grouping(_ keys: [String]) throws -> Grouping {
        if let hit = groupings[keys] { return hit }
        let g = try Grouping(data, keys: keys, separator: ":")
        groupings[keys] = g
        return g
    }

    private var n: Int { data.rowCount }

    /// A variable of a term: numbers or a factor.
    mutating func value(_ e: Expression) throws -> VariableValue {
        if let hit = cache[e] { return hit }
        var v = try compute(e)
        if case .factor(let f) = v, case .levels(let levels, _)? = fitted?[e] {
            v = .factor(try f.recoded(to: levels, variable: e.description))
        }
        cache[e] = v
        return v
    }

    private mutating func compute(_ e: Expression) throws -> VariableValue {
        switch e {
        case .name(let c):
            let column = try data.column(c)
            if case .labels = column.values { return .factor(try factor(of: column, explicit: false)) }
            return .single(try numeric(e))
        case .parenthesised(let x):
            return try value(x)
        case .call(let f, let args) where VariableFunctions.factors.contains(f):
            return .factor(try factorCall(f, args, e))
        case .call("poly", let args):
            return try poly(args, e)
        default:
            return .single(try numeric(e))
        }
    }

    // MARK: factors

    private func factor(of column: Column, explicit: Bool) throws -> Factor {
        if case .integers = column.values {
            // 64-bit integer ids: levels by value, as R's factor() of integers orders them
            let (codes, levels) = try Grouping.codes(for: column)
            return Factor(codes: codes, levels: levels, ordered: false)
        }
        guard case .labels(let raw, let levels) = column.values else {
            throw LCError(.internalError, "factor(of:) on a numeric column")
        }
        if case .given(let ordered) = column.levelOrder {
            return Factor(codes: raw.map { $0 >= 0 && Int($0) < levels.count ? $0 : -1 }, levels: levels, ordered: ordered)
        }
        let (codes, sorted) = try Grouping.codes(for: column)
        if !explicit, let first = sorted.first, sorted.allSatisfy({ Double($0) != nil }) {
            throw LCError(.invalidArgument, "column '\(column.name)' holds numbers kept as text ids ('\(first)'; written with leading zeros, or among text); write factor(\(Expression.quotedName(column.name))) to use it as a factor")
        }
        if !explicit, let date = sorted.first, sorted.allSatisfy(VariableEvaluator.looksLikeDate) {
            throw LCError(.invalidArgument, "column '\(column.name)' holds dates ('\(date)'); lcstat does not turn dates into a factor silently: use a numeric time (e.g. days since the start), or write factor(\(Expression.quotedName(column.name))) for one level per date")
        }
        return Factor(codes: codes, levels: sorted, ordered: false)
    }

    /// `2024-01-31`, optionally followed by a time: what a date column becomes in a CSV file.
    static func looksLikeDate(_ s: String) -> Bool {
        let c = Array(s.utf8)
        guard c.count >= 10 else { return false }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9]
        return digits.allSatisfy { c[$0] >= 48 && c[$0] <= 57 } && c[4] == 45 && c[7] == 45
            && (c.count == 10 || c[10] == 84 || c[10] == 32)
    }

    /// `factor(x)`, `as.factor(x)`, `ordered(x)`, `relevel(x, "ref")` (or `ref = 2`, an index).
    private mutating func factorCall(_ f: String, _ args: [Expression.Argument], _ e: Expression) throws -> Factor {
        let wantsRef = f == "relevel"
        guard args.count == (wantsRef ? 2 : 1), args[0].name == nil || args[0].name == "x" else {
            throw LCError(.invalidArgument, wantsRef ? "\(e): write relevel(x, \"reference level\")" : "\(e): \(f)(x) takes one argument")
        }
        var result: Factor
        switch args[0].value {
        case .name(let c) where isLabels(c):
            result = try factor(of: data.column(c), explicit: true)
        case .name(let c) where !(try data.column(c).valueLabels.isEmpty):
            // an SPSS or Stata column with value labels: its levels are the labels in the order of
            // their values (haven::as_factor; R's factor() of the labelled numbers would name them by number)
            let (codes, labels) = try Grouping.codes(for: data.column(c))
            result = Factor(codes: codes, levels: labels, ordered: false)
            let note = "\(e): the levels are the value labels of '\(c)' in the order of their values (as haven::as_factor; R's factor() would use the numbers)"
            if !notes.contains(note) { notes.append(note) }
        case let x:
            switch try value(x) {
            case .factor(let inner): result = inner
            case .numeric(let columns, _):
                guard columns.count == 1 else { throw LCError(.invalidArgument, "\(e): \(x) has several columns") }
                result = VariableEvaluator.factor(numbers: columns[0])
            }
        }
        switch f {
        case "ordered": result.ordered = true
        case "relevel":
            guard !result.ordered else { throw LCError(.invalidArgument, "\(e): relevel() is for unordered factors, as in R") }
            let k: Int
            switch args[1].value {
            case .string(let ref):
                guard let at = result.levels.firstIndex(of: ref) else {
                    throw LCError(.invalidArgument, "\(e): '\(ref)' is not a level of \(args[0].value) (levels: \(result.levels.prefix(20).joined(separator: ", ")))")
                }
                k = at
            case .number(let index) where index >= 1 && index <= Double(result.levels.count) && index == index.rounded():
                k = Int(index) - 1
            default:
                throw LCError(.invalidArgument, "\(e): the reference must be a level name in quotes or a level number")
            }
            let order = [k] + result.levels.indices.filter { $0 != k }
            var position = [Int32](repeating: 0, count: order.count)
            for (new, old) in order.enumerated() { position[old] = Int32(new) }
            result = Factor(codes: result.codes.map { $0 < 0 ? -1 : position[Int($0)] }, levels: order.map { result.levels[$0] },
                            ordered: false)
        default: break
        }
        return result
    }

    /// Whether column `c` is text or 64-bit integer ids: what `factor(c)` takes as it is.
    private func isLabels(_ c: String) -> Bool {
        switch try? data.column(c).values {
        case .labels?, .integers?: return true
        default: return false
        }
    }

    /// A factor of numbers: levels sorted by value, named as R's `as.character` names them.
    static func factor(numbers x: [Double]) -> Factor {
        let distinct = Array(Set(x.filter { !$0.isNaN })).sorted()
        var index: [Double: Int32] = [:]
        for (k, v) in distinct.enumerated() { index[v] = Int32(k) }
        return Factor(codes: x.map { $0.isNaN ? -1 : index[$0] ?? -1 }, levels: distinct.map(rNumberText), ordered: false)
    }

    // MARK: numbers

    /// `poly(x, k)`, `poly(x, degree = k)`, `poly(x, k, raw = TRUE)`.
    private mutating func poly(_ args: [Expression.Argument], _ e: Expression) throws -> VariableValue {
        var degree = 1.0, raw = false
        var positional = 0
        for (k, a) in args.enumerated() where k > 0 {
            switch (a.name, a.value) {
            case (nil, .number(let d)) where positional == 0, ("degree", .number(let d)): degree = d; positional += 1
            case ("raw", .logical(let b)): raw = b
            case ("raw", .name("T")): raw = true
            case ("raw", .name("F")): raw = false
            default: throw LCError(.invalidArgument, "\(e): lcstat's poly takes poly(x, degree) and raw = TRUE/FALSE")
            }
        }
        guard args.first?.name == nil || args.first?.name == "x", let xArg = args.first?.value else {
            throw LCError(.invalidArgument, "\(e): write poly(x, degree)")
        }
        guard degree >= 1, degree <= 20, degree == degree.rounded() else {
            throw LCError(.invalidArgument, "\(e): the degree must be a whole number from 1 to 20")
        }
        let x = try numeric(xArg)
        let k = Int(degree)
        if raw {
            return .numeric(columns: (1...k).map { p in x.map { Glibc.pow($0, Double(p)) } }, suffixes: (1...k).map(String.init))
        }
        let basis: OrthogonalPolynomials
        if case .poly(let b)? = fitted?[e] { basis = b } else {
            basis = try OrthogonalPolynomials(fitting: x.filter { !$0.isNaN }, degree: k, name: e.description)
        }
        learned[e] = .poly(basis)
        return .numeric(columns: basis.columns(at: x), suffixes: (1...k).map(String.init))
    }

    /// An arithmetic expression's value on every row (NaN where an input is missing).
    mutating func numeric(_ e: Expression) throws -> [Double] {
        let values = try arithmetic(e)
        if let bad = values.firstIndex(where: { $0.isInfinite }) {
            throw LCError(.nonFinite, "\(e) is \(values[bad]) on data row \(bad + 1); a model variable must be finite")
        }
        return values
    }

    private mutating func arithmetic(_ e: Expression) throws -> [Double] {
        switch e {
        case .name(let c):
            switch try data.column(c).values {
            case .numeric(let v):
                let d = v.doubles
                if let bad = d.firstIndex(where: { $0.isInfinite }) {
                    throw LCError(.nonFinite, "column '\(c)', data row \(bad + 1): \(d[bad]) is not a finite number")
                }
                return d
            case .labels: throw LCError(.nonNumeric, "column '\(c)' must be numeric here, but it holds text")
            case .integers: return try data.numeric(c).doubles
            }
        case .number(let x): return [Double](repeating: x, count: n)
        case .logical(let b): return [Double](repeating: b ? 1 : 0, count: n)
        case .string(let s): throw LCError(.invalidArgument, "the text \"\(s)\" cannot be used as a number")
        case .parenthesised(let x): return try arithmetic(x)
        case .unary(let op, let x):
            let v = try arithmetic(x)
            return op == "-" ? v.map { -$0 } : v
        case .sum(let addends):
            var total = [Double](repeating: 0, count: n)
            for a in addends {
                let v = try arithmetic(a.value)
                for k in 0..<n { total[k] += a.negative ? -v[k] : v[k] }
            }
            return total
        case .binary(let op, let l, let r):
            let (a, b) = (try arithmetic(l), try arithmetic(r))
            let f: (Double, Double) -> Double
            switch op {
            case "*": f = (*)
            case "/": f = (/)
            case "^": f = { Glibc.pow($0, $1) }
            default: throw LCError(.invalidArgument, "'\(op)' is not arithmetic lcstat evaluates (use + - * / ^)")
            }
            return (0..<n).map { f(a[$0], b[$0]) }
        case .call(let f, let args):
            return try call(f, args, e)
        }
    }

    private mutating func call(_ f: String, _ args: [Expression.Argument], _ e: Expression) throws -> [Double] {
        func one() throws -> Expression {
            guard args.count == 1, args[0].name == nil || args[0].name == "x" else {
                throw LCError(.invalidArgument, "\(e): \(f)() takes one argument here")
            }
            return args[0].value
        }
        func names(_ count: Int, _ usage: String) throws -> [String] {
            let out = args.compactMap { a -> String? in if case .name(let c) = a.value { return c } else { return nil } }
            guard args.count == count, out.count == count else { throw LCError(.invalidArgument, "\(e): write \(usage) with column names") }
            return out
        }
        if f == "log", args.count == 2, args[1].name == nil || args[1].name == "base" {
            let (x, base) = (try arithmetic(args[0].value), try arithmetic(args[1].value))
            return (0..<n).map { Glibc.log(x[$0]) / Glibc.log(base[$0]) }
        }
        if let g = VariableFunctions.elementwise[f] { return try arithmetic(one()).map(g) }
        switch f {
        case "I": return try arithmetic(one())
        case "scale", "center":
            let x = try arithmetic(one())
            let transform: LearnedTransform
            if let t = fitted?[e] { transform = t } else {
                let present = x.filter { !$0.isNaN }
                let mean = present.reduce(0, +) / Double(max(present.count, 1))
                let sd = (present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(present.count - 1, 1))).squareRoot()
                transform = .affine(center: mean, scale: f == "scale" ? sd : 1)
            }
            learned[e] = transform
            guard case .affine(let center, let scale) = transform, scale > 0 else {
                throw LCError(.invalidArgument, "\(e): the values do not vary (SD 0)")
            }
            return x.map { ($0 - center) / scale }
        case "poly":
            guard case .numeric(let columns, _) = try value(e), columns.count == 1 else {
                throw LCError(.invalidArgument, "\(e) has several columns; it cannot be used inside arithmetic")
            }
            return columns[0]
        case "within", "between":
            let c = try names(2, "\(f)(x, group)")
            let (values, means) = try groupMeans(c[0], c[1])
            return f == "within" ? zip(values, means).map { $0 - $1 } : means
        case "lag":
            let c = try names(3, "lag(x, group, time)")
            return try lagged(c[0], c[1], c[2])
        case "factor", "as.factor", "ordered", "relevel":
            throw LCError(.invalidArgument, "\(e) is a factor; it cannot be used as a number")
        default:
            throw LCError(.invalidArgument, "unknown function '\(f)()' in \(e)")
        }
    }

    /// x, and the mean of x's non-missing values within each group of g (R's ave with na.rm).
    private mutating func groupMeans(_ x: String, _ g: String) throws -> ([Double], [Double]) {
        let values = try arithmetic(.name(x))
        let groups = try grouping([g])
        var means = [Double](repeating: .nan, count: n)
        for k in 0..<groups.count {
            var s = 0.0, count = 0
            for r in groups.rows(of: k) where !values[Int(r)].isNaN { s += values[Int(r)]; count += 1 }
            let m = count > 0 ? s / Double(count) : .nan
            for r in groups.rows(of: k) { means[Int(r)] = m }
        }
        return (values, means)
    }

    /// x at occasion t − 1 of the same group; missing when that occasion is absent or missing.
    private mutating func lagged(_ x: String, _ g: String, _ t: String) throws -> [Double] {
        let values = try arithmetic(.name(x))
        let time = try arithmetic(.name(t))
        let groups = try grouping([g])
        var out = [Double](repeating: .nan, count: n)
        for k in 0..<groups.count {
            var at: [Double: Double] = [:]
            for r in groups.rows(of: k) where !time[Int(r)].isNaN {
                if at[time[Int(r)]] != nil {
                    throw LCError(.invalidArgument, "lag(\(x), \(g), \(t)): \(g) '\(groups.labels[k])' has occasion \(labelText(time[Int(r)])) twice")
                }
                at[time[Int(r)]] = values[Int(r)]
            }
            for r in groups.rows(of: k) where !time[Int(r)].isNaN { out[Int(r)] = at[time[Int(r)] - 1] ?? .nan }
        }
        return out
    }
}
