import Glibc

/// The PIRLS step of a generalized model whose random effects are scalar (one effect per
/// grouping factor, as `(1 | person) + (1 | organisation)`) on one or two factors, at fixed β:
/// the system (Λ'Z'WZΛ + I)u = Λ'Z'Wr of the working weights W and working residual
/// r = z − Xβ, solved from sums over rows with no model frame or engine built per step.
///
/// Factors in engine order (more levels first), λ₁, λ₂ their scalar θ, z₁, z₂ their Z columns:
///
///     D₁ = diag(1 + λ₁² Σᵢ∈ⱼ wᵢz₁ᵢ²),  D₂ = diag(1 + λ₂² Σᵢ∈ₖ wᵢz₂ᵢ²),  Cₖⱼ = λ₁λ₂ Σᵢ∈(j,k) wᵢz₁ᵢz₂ᵢ
///     S = D₂ − C D₁⁻¹ C'    (diagonal when factor 1 is nested in factor 2; else dense, g₂ × g₂)
///     u₂ = S⁻¹(r₂ − C D₁⁻¹ r₁),  u₁ = D₁⁻¹(r₁ − C'u₂),  log|L|² = Σ log D₁ⱼ + log|S|
///
/// with r₁ⱼ = λ₁Σᵢ∈ⱼ wᵢz₁ᵢrᵢ, r₂ₖ = λ₂Σᵢ∈ₖ wᵢz₂ᵢrᵢ (the blocked Cholesky of Bates et al. 2015, §3,
/// for scalar blocks). Each step costs O(n) plus the pairs each level of factor 1 meets.
struct ScalarModes {
    let levels: [Int]
    let group: [[Int32]], z: [[Double]]
    /// For two factors: each row's (j, k) pair, and the pairs by level of factor 1 (CSR:
    /// `pairStart[j] ..< pairStart[j + 1]` index `pairLevel2`).
    let pairOfRow: [Int32]
    let pairStart: [Int], pairLevel2: [Int]
    let nested: Bool

    /// The largest second factor whose Schur complement is factored densely here.
    static let maxDense = 2_000

    init?(_ problem: GeneralizedProblem) {
        let blocks = problem.order.map { problem.frame.random[$0] }
        guard (1...2).contains(blocks.count), blocks.allSatisfy({ $0.z.count == 1 }) else { return nil }
        levels = blocks.map { $0.levels.count }
        group = blocks.map(\.group)
        z = blocks.map { $0.z[0] }
        guard blocks.count == 2 else {
            (pairOfRow, pairStart, pairLevel2, nested) = ([], [], [], true)
            return
        }
        // the (j, k) pairs that occur, numbered by j then k
        var keys: [Int] = []
        keys.reserveCapacity(problem.n)
        for i in 0..<problem.n { keys.append(Int(group[0][i]) * levels[1] + Int(group[1][i])) }
        let distinct = Array(Set(keys)).sorted()
        var index: [Int: Int32] = [:]
        index.reserveCapacity(distinct.count)
        for (p, key) in distinct.enumerated() { index[key] = Int32(p) }
        pairOfRow = keys.map { index[$0] ?? 0 }
        var start = [Int](repeating: 0, count: levels[0] + 1)
        for key in distinct { start[key / levels[1] + 1] += 1 }
        for j in 0..<levels[0] { start[j + 1] += start[j] }
        let g1 = levels[0], g2 = levels[1]
        pairStart = start
        pairLevel2 = distinct.map { $0 % g2 }
        let isNested = (0..<g1).allSatisfy { start[$0 + 1] - start[$0] <= 1 }
        nested = isNested
        guard isNested || g2 <= Self.maxDense else { return nil }
    }

    /// The factored system at θ and the weights: D₁, C, and S (its diagonal, or its Cholesky factor).
    struct Factor {
        let theta: [Double]
        let d1: [Double], c: [Double]
        let schur: [Double], schurFactor: Matrix?
        let logDetL: Double
    }

    func factor(theta: [Double], weights w: [Double]) -> Factor? {
        let n = w.count, l1 = theta[0], g1 = levels[0]
        var d1 = [Double](repeating: 0, count: g1)
        guard levels.count == 2 else {
            d1.withUnsafeMutableBufferPointer { d in
                group[0].withUnsafeBufferPointer { g in
                    z[0].withUnsafeBufferPointer { z in
                        for i in 0..<n { d[Int(g[i])] += w[i] * z[i] * z[i] }
                    }
                }
            }
            var logDet = 0.0
            for j in 0..<g1 { d1[j] = 1 + l1 * l1 * d1[j]; logDet += log(d1[j]) }
            return Factor(theta: theta, d1: d1, c: [], schur: [], schurFactor: nil, logDetL: logDet)
        }
        let l2 = theta[1], g2 = levels[1]
        var d2 = [Double](repeating: 0, count: g2), c = [Double](repeating: 0, count: pairLevel2.count)
        // D₁, D₂ and C in one pass over the rows
        d1.withUnsafeMutableBufferPointer { d1 in
            d2.withUnsafeMutableBufferPointer { d2 in
                c.withUnsafeMutableBufferPointer { c in
                    group[0].withUnsafeBufferPointer { g1 in
                        group[1].withUnsafeBufferPointer { g2 in
                            pairOfRow.withUnsafeBufferPointer { pair in
                                z[0].withUnsafeBufferPointer { z1 in
                                    z[1].withUnsafeBufferPointer { z2 in
                                        w.withUnsafeBufferPointer { w in
                                            for i in 0..<n {
                                                let wz1 = w[i] * z1[i], wz2 = w[i] * z2[i]
                                                d1[Int(g1[i])] += wz1 * z1[i]
                                                d2[Int(g2[i])] += wz2 * z2[i]
                                                c[Int(pair[i])] += wz2 * z1[i]
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var logDet = 0.0
        for j in 0..<g1 { d1[j] = 1 + l1 * l1 * d1[j]; logDet += log(d1[j]) }
        for k in 0..<g2 { d2[k] = 1 + l2 * l2 * d2[k] }
        for p in c.indices { c[p] *= l1 * l2 }
        if nested {
            var s = d2
            for j in 0..<g1 {
                for p in pairStart[j]..<pairStart[j + 1] { s[pairLevel2[p]] -= c[p] * c[p] / d1[j] }
            }
            for k in 0..<g2 { guard s[k] > 0 else { return nil }; logDet += log(s[k]) }
            return Factor(theta: theta, d1: d1, c: c, schur: s, schurFactor: nil, logDetL: logDet)
        }
        // S = D₂ − C D₁⁻¹ C', its lower triangle only (what the Cholesky reads): within a level of
        // factor 1 the pairs are in increasing k, so p2 ≤ p is k₂ ≤ k
        var s = Matrix(rows: g2, cols: g2)
        for k in 0..<g2 { s[k, k] = d2[k] }
        s.values.withUnsafeMutableBufferPointer { sv in
            c.withUnsafeBufferPointer { c in
                pairLevel2.withUnsafeBufferPointer { k2 in
                    pairStart.withUnsafeBufferPointer { start in
                        for j in 0..<g1 {
                            let first = start[j], end = start[j + 1], inverse = 1 / d1[j]
                            for p in first..<end {
                                let row = k2[p] &* g2, scaled = c[p] * inverse
                                for p2 in first...p { sv[row &+ k2[p2]] -= scaled * c[p2] }
                            }
                        }
                    }
                }
            }
        }
        guard let l = s.cholesky() else { return nil }
        return Factor(theta: theta, d1: d1, c: c, schur: [], schurFactor: l, logDetL: logDet + l.logDeterminantOfProduct)
    }

    /// Λ'Z'Wv by factor: λ₁Σᵢ∈ⱼ wᵢz₁ᵢvᵢ per level j of factor 1, λ₂Σᵢ∈ₖ wᵢz₂ᵢvᵢ per level k of factor 2.
    func rightSide(theta: [Double], weights w: [Double], _ v: [Double]) -> [[Double]] {
        rightSides(theta: theta, weights: w, [v])[0]
    }

    /// `rightSide` of several vectors in one pass over the rows.
    func rightSides(theta: [Double], weights w: [Double], _ vectors: [[Double]]) -> [[[Double]]] {
        let m = vectors.count
        var out: [[[Double]]] = []
        for f in levels.indices {
            // sums[level · m + vector], then split by vector
            var sums = [Double](repeating: 0, count: levels[f] * m)
            // one pass over the rows, the vectors read side by side
            sums.withUnsafeMutableBufferPointer { s in
                group[f].withUnsafeBufferPointer { g in
                    z[f].withUnsafeBufferPointer { zf in
                        w.withUnsafeBufferPointer { w in
                            for i in 0..<w.count {
                                let base = Int(g[i]) &* m, wz = w[i] * zf[i]
                                for k in 0..<m { s[base &+ k] += wz * vectors[k][i] }
                            }
                        }
                    }
                }
            }
            out.append((0..<m).map { k in (0..<levels[f]).map { theta[f] * sums[$0 * m + k] } })
        }
        return (0..<m).map { k in out.map { $0[k] } }
    }

    /// u = (Λ'Z'WZΛ + I)⁻¹ rhs through the factor.
    func solve(_ f: Factor, _ rhs: [[Double]]) -> [[Double]] {
        let r1 = rhs[0]
        guard levels.count == 2 else { return [(0..<levels[0]).map { r1[$0] / f.d1[$0] }] }
        var r2 = rhs[1]
        for j in 0..<levels[0] {
            for p in pairStart[j]..<pairStart[j + 1] { r2[pairLevel2[p]] -= f.c[p] * r1[j] / f.d1[j] }
        }
        let u2: [Double]
        if let l = f.schurFactor {
            u2 = l.solveLowerTransposed(l.solveLower(Matrix(column: r2))).column(0)
        } else {
            u2 = (0..<levels[1]).map { r2[$0] / f.schur[$0] }
        }
        var u1 = [Double](repeating: 0, count: levels[0])
        for j in 0..<levels[0] {
            var v = r1[j]
            for p in pairStart[j]..<pairStart[j + 1] { v -= f.c[p] * u2[pairLevel2[p]] }
            u1[j] = v / f.d1[j]
        }
        return [u1, u2]
    }

    /// u per factor (one effect per level) and log|L|² at the engine's θ (one λ per factor), at fixed β.
    func solve(theta: [Double], weights w: [Double], residual r: [Double]) -> (u: [[Double]], logDetL: Double)? {
        guard let f = factor(theta: theta, weights: w) else { return nil }
        return (solve(f, rightSide(theta: theta, weights: w, r)), f.logDetL)
    }

    /// β and u together (glmer's first stage): with B = X'WZΛ and A = Λ'Z'WZΛ + I,
    /// (X'WX − BA⁻¹B')β = X'Wz − BA⁻¹Λ'Z'Wz, u = A⁻¹(Λ'Z'Wz − B'β), z the working response.
    func solveJoint(theta: [Double], weights w: [Double], response zw: [Double], x: [[Double]])
        -> (beta: [Double], u: [[Double]], logDetL: Double)? {
        guard let f = factor(theta: theta, weights: w) else { return nil }
        let p = x.count, n = w.count
        let sides = rightSides(theta: theta, weights: w, [zw] + x)
        let ry = sides[0], uy = solve(f, ry)
        let rx = Array(sides.dropFirst()), ux = rx.map { solve(f, $0) }
        func dot(_ a: [[Double]], _ b: [[Double]]) -> Double {
            var s = 0.0
            for (u, v) in zip(a, b) { for (s1, s2) in zip(u, v) { s += s1 * s2 } }
            return s
        }
        // X'WX and X'Wz in one pass over the rows
        var xwx = [Double](repeating: 0, count: p * p), xwz = [Double](repeating: 0, count: p)
        let row = UnsafeMutableBufferPointer<Double>.allocate(capacity: p)
        defer { row.deallocate() }
        xwx.withUnsafeMutableBufferPointer { xwx in
            xwz.withUnsafeMutableBufferPointer { xwz in
                for i in 0..<n {
                    for a in 0..<p { row[a] = x[a][i] }
                    let wi = w[i], zi = zw[i]
                    for a in 0..<p {
                        let wa = wi * row[a]
                        xwz[a] += wa * zi
                        for b in 0...a { xwx[a &* p &+ b] += wa * row[b] }
                    }
                }
            }
        }
        var m = Matrix(rows: p, cols: p), v = Matrix(rows: p, cols: 1)
        for a in 0..<p {
            v[a, 0] = xwz[a] - dot(rx[a], uy)
            for b in 0...a {
                m[a, b] = xwx[a * p + b] - dot(rx[a], ux[b]); m[b, a] = m[a, b]
            }
        }
        guard let l = m.cholesky() else { return nil }
        let beta = l.solveLowerTransposed(l.solveLower(v)).column(0)
        var u = uy
        for c in 0..<p { for f in u.indices { for k in u[f].indices { u[f][k] -= beta[c] * ux[c][f][k] } } }
        return (beta, u, f.logDetL)
    }
}
