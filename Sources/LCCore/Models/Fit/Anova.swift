import Glibc

/// F tests of the fixed-effect terms with Satterthwaite denominator df, as lmerTest's
/// `anova(fit)` gives them (type III; Kuznetsova, Brockhoff & Christensen 2017, JSS 82(13)).
///
/// Each term's hypothesis is a matrix L. Type III L are built as lmerTest builds them: the
/// over-parameterised design (each term coded `~ 0 + term`, all levels) is mapped onto the
/// treatment-coded design, L = (ginv(X) X_rd)ᵀ, and each term's columns are made orthogonal
/// to those of the terms that contain it (higher-order terms first). A model with one term
/// (or one column) uses the type I (Doolittle) L. Then for L with q independent rows
/// (eigen-decomposition LVL' = PDP'):
///
///     F = Σ_m (P'Lβ̂)²_m / d_m / q,   ν_m = 2 d_m² / (g_m' A g_m),
///     ddf = 2E / (E − q), E = Σ ν_m / (ν_m − 2)  (2 when some ν_m ≤ 2; ν when q = 1)
///
/// (Fai & Cornelius 1996), with A and ∂V/∂φ from `Satterthwaite`.
extension LMMFit {
    /// `term, num_df, den_df, f, p`: one row per fixed-effect term.
    public func anova() throws -> ResultTable { try anova(kenwardRoger: nil) }


    /// With `kenwardRoger`, the F statistics use its adjusted Var(β̂), scaled, with its df (pbkrtest's KRmodcomp).
    func anova(kenwardRoger: KenwardRoger? = nil) throws -> ResultTable {
        let tests = try Anova.hypotheses(frame)
        var terms: [String] = [], numDF: [Double] = [], denDF: [Double] = [], f: [Double] = [], p: [Double] = []
        for (term, l) in tests {
            let result: (q: Double, ddf: Double, f: Double)?
            if let kr = kenwardRoger {
                result = l.isEmpty ? nil : kr.test(l).flatMap { t in
                    Anova.wald(l, beta: beta, vcov: kr.adjusted).map { (Double(t.q), t.ddf, t.scaling * $0 / Double(t.q)) }
                }
            } else {
                result = Anova.test(l, beta: beta, vcov: covariance, satterthwaite: satterthwaite)
            }
            guard var test = result else { continue }
            if waldTests { test.ddf = .infinity }       // Wald tests: F·q is χ²_q
            terms.append(term); numDF.append(test.q); denDF.append(test.ddf); f.append(test.f)
            p.append(test.ddf.isInfinite ? Distributions.chiSquaredUpperTail(test.f * test.q, test.q)
                     : test.ddf > 0 ? Distributions.fUpperTail(test.f, test.q, test.ddf) : .nan)
        }
        var notes = [waldTests ? "type III Wald tests (den_df = Inf: F times num_df is chi-squared on num_df)"
                     : kenwardRoger == nil ? "type III tests with Satterthwaite df (as lmerTest's anova)"
                     : "type III tests with Kenward-Roger df and scaled F (as lmerTest's anova with ddf = \"Kenward-Roger\")"]
        if satterthwaite == nil && !waldTests { notes.append("the denominator df could not be computed") }
        return ResultTable(columns: [.init("term", .text(terms)), .init("num_df", .double(numDF)),
                                     .init("den_df", .double(denDF)), .init("f", .double(f)), .init("p", .double(p))],
                           notes: notes)
    }
}

enum Anova {
    /// (term label, L) for every term of the fixed part, L with one row per hypothesis
    /// and one column per column of X.
    static func hypotheses(_ frame: ModelFrame) throws -> [(String, [[Double]])] {
        let terms = frame.formula.fixed
        let x = frame.x, p = x.count
        if p == 0 || terms.terms.isEmpty { return [] }
        let columnsOf = { (assign: [Int], t: Int) in assign.indices.filter { assign[$0] == t } }
        if p <= 1 || terms.terms.count <= 1 {
            let l = typeOne(x)
            return terms.terms.indices.map { t in (terms.label(terms.terms[t]), columnsOf(frame.xAssign, t).map { l[$0] }) }
        }
        // the treatment-coded design (the model's own X when it already is)
        let values = try frame.fixedValues()
        let kinds = try frame.contrastKinds(values)
        let treatment = kinds.allSatisfy { $0 == nil || $0 == .treatment }
        var xt = x, assign = frame.xAssign, names = frame.xNames
        if !treatment {
            let remade = try DesignMatrix(terms, values: values, rows: frame.n, contrasts: { _ in .treatment })
            let kept = GramSchmidt(remade.columns).kept
            (xt, assign, names) = (kept.map { remade.columns[$0] }, kept.map { remade.assign[$0] }, kept.map { remade.names[$0] })
        }
        let basis = GramSchmidt(xt, tolerance: 0)
        // the over-parameterised design: each term as `~ 0 + term`
        var rdNames: [String] = [], rd: [[Double]] = []
        if terms.intercept { rdNames.append("(Intercept)"); rd.append([Double](repeating: 1, count: frame.n)) }
        for term in terms.terms {
            let alone = ModelTerms(variables: term.map { terms.variables[$0] }, terms: [Array(term.indices)], intercept: false, offsets: [])
            let m = try DesignMatrix(alone, values: term.map { values[$0] }, rows: frame.n, contrasts: { _ in nil })
            rdNames += m.names
            rd += m.columns
        }
        // L (rows: over-parameterised columns, columns: X's) = (ginv(X) X_rd)ᵀ
        var l = zapsmall(rd.map { basis.coefficients($0) })
        // orthogonal to the terms that contain each term, highest order first
        let contains = containment(terms, values: values)
        let order = terms.terms.indices.sorted { terms.terms[$0].count != terms.terms[$1].count
            ? terms.terms[$0].count > terms.terms[$1].count : $0 < $1 }
        for t in order where !contains[t].isEmpty {
            let own = columnsOf(assign, t)
            let others = contains[t].flatMap { columnsOf(assign, $0) }
            let span = GramSchmidt(others.map { c in l.map { $0[c] } })
            let residuals = zapsmall(own.map { c in span.residual(l.map { $0[c] }) })
            for (k, c) in own.enumerated() { for row in l.indices { l[row][c] = residuals[k][row] } }
        }
        // rows as X's columns, by name
        let rowOf = Dictionary(rdNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let square = try names.map { name -> [Double] in
            guard let k = rowOf[name] else { throw LCError(.internalError, "anova: column \(name) has no over-parameterised counterpart") }
            return l[k]
        }
        // back to the model's own coding: L · ginv(X_t) X
        let map: [[Double]]? = treatment ? nil : zapsmall(x.map { basis.coefficients($0) }).transposedRows(count: xt.count)
        return terms.terms.indices.map { t in
            var rows = columnsOf(assign, t).map { c in square.map { $0[c] } }.filter { $0.reduce(0) { $0 + abs($1) } > 1e-8 }
            if let map { rows = rows.map { row in (0..<p).map { j in zip(row, map).reduce(0) { $0 + $1.0 * $1.1[j] } } } }
            return (terms.label(terms.terms[t]), rows)
        }
    }

    /// For each term, the terms that contain it (lmerTest's `containment`): a strict superset
    /// of its contrast-coded variables with the same numeric (one-column) variables.
    static func containment(_ terms: ModelTerms, values: [VariableValue]) -> [[Int]] {
        let codes = DesignMatrix.termCodings(terms)
        let vars = terms.terms.indices.map { t in Set(terms.terms[t].enumerated().filter { codes[t][$0.offset] }.map(\.element)) }
        let numeric = vars.map { v in v.filter { if case .numeric(let c, _) = values[$0] { return c.count == 1 } else { return false } } }
        return terms.terms.indices.map { t in
            terms.terms.indices.filter { u in vars[t].isSubset(of: vars[u]) && !vars[u].subtracting(vars[t]).isEmpty && numeric[t] == numeric[u] }
        }
    }

    /// Type I hypotheses: the rows of the transposed unit-lower factor of X'X (lmerTest's
    /// `doolittle`, entries below 1e-6 set to zero).
    static func typeOne(_ x: [[Double]]) -> [[Double]] {
        let n = x.count
        let a = x.map { c in x.map { GramSchmidt.dot(c, $0) } }
        var lower = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0 } }, upper = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0..<n { upper[i][j] = a[i][j] - (0..<i).reduce(0) { $0 + lower[i][$1] * upper[$1][j] } }
            for j in (i + 1)..<max(i + 1, n) {
                let v = a[j][i] - (0..<i).reduce(0) { $0 + lower[j][$1] * upper[$1][i] }
                lower[j][i] = abs(upper[i][i]) < 1e-6 ? 0 : v / upper[i][i]
            }
        }
        return (0..<n).map { i in (0..<n).map { j in abs(lower[j][i]) < 1e-6 ? 0 : lower[j][i] } }
    }

    /// R's `zapsmall`: every entry rounded to 7 − ⌈log₁₀ max|x|⌉ decimal places.
    static func zapsmall(_ m: [[Double]]) -> [[Double]] {
        let largest = m.joined().reduce(0) { max($0, abs($1)) }
        guard largest > 0, largest.isFinite else { return m }
        let digits = max(0, 7 - Int((log10(largest)).rounded(.up)))
        let scale = pow(10, Double(digits))
        return m.map { $0.map { ($0 * scale).rounded() / scale } }
    }

    /// The Wald statistic β'L'(LVL')⁻¹Lβ.
    static func wald(_ l: [[Double]], beta: [Double], vcov: Matrix) -> Double? {
        let lm = Matrix(rows: l.count, cols: beta.count, values: l.flatMap { $0 })
        guard let chol = (lm * vcov * lm.transposed).cholesky() else { return nil }
        let lb = lm * Matrix(column: beta)
        return (lb.transposed * chol.inverseOfProduct() * lb)[0, 0]
    }

    /// The F test of Lβ = 0 (lmerTest's `contestMD` and `contest1D`).
    static func test(_ l: [[Double]], beta: [Double], vcov: Matrix, satterthwaite: Satterthwaite?)
        -> (q: Double, ddf: Double, f: Double)? {
        guard !l.isEmpty else { return nil }
        func one(_ row: [Double]) -> (Double, Double) {
            let estimate = zip(row, beta).reduce(0) { $0 + $1.0 * $1.1 }
            let t = estimate / vcov.quadratic(row, row).squareRoot()
            return (t * t, satterthwaite?.df(row) ?? .nan)
        }
        if l.count == 1 { let (f, df) = one(l[0]); return (1, df, f) }
        var vl = Matrix(rows: l.count, cols: l.count)
        for i in l.indices { for j in l.indices { vl[i, j] = vcov.quadratic(l[i], l[j]) } }
        let eigen = SymmetricEigen(vl)
        let tolerance = max((Double.ulpOfOne).squareRoot() * (eigen.values.first ?? 0), 0)
        let q = eigen.values.filter { $0 > tolerance }.count
        guard q > 0 else { return nil }
        let ptl = (0..<q).map { m in (0..<beta.count).map { c in l.indices.reduce(0) { $0 + eigen.vectors[$1, m] * l[$1][c] } } }
        if q == 1 { let (f, df) = one(ptl[0]); return (1, df, f) }
        let f = (0..<q).reduce(0) { s, m in
            let e = zip(ptl[m], beta).reduce(0) { $0 + $1.0 * $1.1 }
            return s + e * e / eigen.values[m]
        } / Double(q)
        guard let satterthwaite else { return (Double(q), .nan, f) }
        let nu = (0..<q).map { m in 2 * eigen.values[m] * eigen.values[m] / satterthwaite.denominator(ptl[m]) }
        let ddf: Double
        if zip(nu, nu.dropFirst()).allSatisfy({ abs($0 - $1) < 1e-8 }) { ddf = nu.reduce(0, +) / Double(q) }
        else if nu.contains(where: { $0 <= 2 }) { ddf = 2 }
        else { let e = nu.reduce(0) { $0 + $1 / ($1 - 2) }; ddf = 2 * e / (e - Double(q)) }
        return (Double(q), ddf, f)
    }

}

extension Array where Element == [Double] {
    /// Rows of a column-major list of `count`-long columns (a transpose).
    func transposedRows(count: Int) -> [[Double]] {
        (0..<count).map { i in self.map { $0[i] } }
    }
}
