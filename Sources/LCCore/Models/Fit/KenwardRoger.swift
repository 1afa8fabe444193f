/// Kenward & Roger's (1997, Biometrics 53:983) small-sample adjustment of a REML fit, as
/// pbkrtest computes it (`vcovAdj`, `Lb_ddf`, `KRmodcomp`; Halekoh & Højsgaard 2014, JSS 59(9)).
///
/// With V = Σ_r γ_r G_r (γ: each term's variances and covariances, then σ²; G_r = Z E_r Z',
/// G_σ = I), Φ = (X'V⁻¹X)⁻¹, P_r = −X'V⁻¹G_rV⁻¹X, Q_rs = X'V⁻¹G_rV⁻¹G_sV⁻¹X and
/// W = 2 I_E⁻¹ with I_E,rs = tr(G_rV⁻¹G_sV⁻¹) − 2 tr(ΦQ_rs) + tr(ΦP_rΦP_s):
///
///     Φ_A = Φ + 2Φ [Σ_rs W_rs (Q_rs − P_rΦP_s)] Φ,
///
/// and for a hypothesis L (rank q), Θ = L'(LΦL')⁻¹L, A₁ = Σ W_rs tr(ΘΦP_rΦ) tr(ΘΦP_sΦ),
/// A₂ = Σ W_rs tr(ΘΦP_rΦΘΦP_sΦ), the denominator df m = 4 + (q + 2)/(qρ − 1) and the F scaling
/// λ = m(1 − A₂/q)/(m − 2) of pbkrtest. Everything is computed in the space of the random effects
/// (Woodbury: V⁻¹ = σ⁻²(I − ZΛ(I + Λ'Z'ZΛ)⁻¹Λ'Z')), never as n × n matrices.
struct KenwardRoger: Sendable {
    /// The random effects (levels × effects, over all terms) up to which the dense Q × Q work is done.
    static let maxRandomEffects = 2_000
    let phi: Matrix
    let adjusted: Matrix
    let p: [Matrix]
    let w: Matrix

    init(_ fit: LMMFit) throws {
        if let g = fit.generalized {
            throw LCError(.invalidArgument, "Kenward-Roger df are for linear models; a \(g.family.rawValue) model's fixed effects have Wald z tests")
        }
        guard fit.reml else { throw LCError(.invalidArgument, "Kenward-Roger df need a REML fit (as lmerTest and pbkrtest)") }
        guard fit.frame.weights == nil, fit.residual.isEmpty else {
            throw LCError(.invalidArgument, "Kenward-Roger df are not available for models with weights, a residual variance function, a scale formula or a correlation structure; use Satterthwaite df")
        }
        let frame = fit.frame, n = frame.n, px = frame.p
        // the random effects: per component, levels × effects, level-major
        var offsets: [Int] = [], total = 0
        for c in fit.components { offsets.append(total); total += c.levels.count * c.names.count }
        guard total <= KenwardRoger.maxRandomEffects else {
            throw LCError(.limit, "Kenward-Roger df: the model has \(total) random effects; at most \(KenwardRoger.maxRandomEffects) are supported (use Satterthwaite df)")
        }
        let q = total
        // Z'Z, Z'X, X'X from the rows
        var ztz = Matrix(rows: q, cols: q), ztx = Matrix(rows: q, cols: px), xtx = Matrix(rows: px, cols: px)
        var columns: [(Int, Double)] = []
        for i in 0..<n {
            columns.removeAll(keepingCapacity: true)
            for (c, block) in frame.random.enumerated() {
                let base = offsets[c] + Int(block.group[i]) * block.z.count
                for a in block.z.indices { columns.append((base + a, block.z[a][i])) }
            }
            for (a, za) in columns {
                for (b, zb) in columns { ztz[a, b] += za * zb }
                for k in 0..<px { ztx[a, k] += za * frame.x[k][i] }
            }
            for a in 0..<px { for b in 0..<px { xtx[a, b] += frame.x[a][i] * frame.x[b][i] } }
        }
        // Λ over all random effects, and G = Λ(I + Λ'Z'ZΛ)⁻¹Λ'
        var lambda = Matrix(rows: q, cols: q)
        for (c, comp) in fit.components.enumerated() {
            let k = comp.names.count
            for level in 0..<comp.levels.count {
                let o = offsets[c] + level * k
                for a in 0..<k { for b in 0..<k { lambda[o + a, o + b] = comp.lambda[a, b] } }
            }
        }
        guard let chol = (lambda.transposed * ztz * lambda + .identity(q)).cholesky() else {
            throw LCError(.internalError, "Kenward-Roger: I + Λ'Z'ZΛ is not positive definite")
        }
        let g = lambda * chol.inverseOfProduct() * lambda.transposed
        let s2 = fit.sigma * fit.sigma, inv = 1 / s2
        let gztz = g * ztz, ztzg = ztz * g
        let m = (ztz - ztzg * ztz).scaled(inv)                         // Z'V⁻¹Z
        let k = (ztx - ztzg * ztx).scaled(inv)                         // Z'V⁻¹X
        let bz = (Matrix.identity(q) - gztz).scaled(inv)                // V⁻¹Z = Z·bz
        let f = (g * ztx).scaled(inv)                                   // V⁻¹X = X/σ² − Z·f
        let m2 = bz.transposed * ztz * bz                              // Z'V⁻²Z
        let k2 = bz.transposed * k                                     // Z'V⁻²X = (V⁻¹Z)'(V⁻¹X)
        let xtzf = ztx.transposed * f
        let yty = xtx.scaled(inv * inv) - (xtzf + xtzf.transposed).scaled(inv) + f.transposed * ztz * f   // X'V⁻²X
        let xv3x = (yty - k.transposed * g * k).scaled(inv)           // X'V⁻³X, with Z'V⁻¹X = K
        let trV2 = inv * inv * (Double(n) - 2 * gztz.trace + (gztz * gztz).trace)
        // the parameters' E_r: per component, (a ≤ b) entries over all levels, as index pairs
        var pairs: [[(Int, Int)]] = []
        for (c, comp) in fit.components.enumerated() {
            let k = comp.names.count
            for b in 0..<k {
                for a in b..<k {
                    var e: [(Int, Int)] = []
                    for level in 0..<comp.levels.count {
                        let o = offsets[c] + level * k
                        e.append((o + a, o + b))
                        if a != b { e.append((o + b, o + a)) }
                    }
                    pairs.append(e)
                }
            }
        }
        let r = pairs.count + 1                 // the last parameter is σ² (G = I)
        // E_r·X for a Q × m matrix X
        func applyE(_ e: [(Int, Int)], _ x: Matrix) -> Matrix {
            var out = Matrix(rows: x.rows, cols: x.cols)
            for (i, j) in e { for c in 0..<x.cols { out[i, c] += x[j, c] } }
            return out
        }
        let ek = pairs.map { applyE($0, k) }                           // E_r K
        let mek = ek.map { m * $0 }                                    // M E_r K
        var pMatrices: [Matrix] = ek.map { (k.transposed * $0).scaled(-1) }
        pMatrices.append(yty.scaled(-1))
        func qq(_ a: Int, _ b: Int) -> Matrix {
            switch (a == r - 1, b == r - 1) {
            case (false, false): return ek[a].transposed * mek[b]        // K'E_a M E_b K
            case (false, true): return ek[a].transposed * k2              // K'E_a Z'V⁻²X
            case (true, false): return k2.transposed * ek[b]              // X'V⁻²Z E_b K
            case (true, true): return xv3x
            }
        }
        func ktrace(_ a: Int, _ b: Int) -> Double {
            switch (a == r - 1, b == r - 1) {
            case (false, false):
                var s = 0.0
                for (i, kk) in pairs[a] { for (j, l) in pairs[b] { s += m[kk, j] * m[l, i] } }
                return s
            case (false, true): return pairs[a].reduce(0) { $0 + m2[$1.1, $1.0] }
            case (true, false): return pairs[b].reduce(0) { $0 + m2[$1.1, $1.0] }
            case (true, true): return trV2
            }
        }
        let phi = fit.covariance
        var information = Matrix(rows: r, cols: r)
        var qqs = [[Matrix?]](repeating: [Matrix?](repeating: nil, count: r), count: r)
        for a in 0..<r {
            let phiP = phi * pMatrices[a]
            for b in a..<r {
                let qab = qq(a, b)
                qqs[a][b] = qab
                let v = ktrace(a, b) - 2 * phi.frobenius(qab) + phiP.frobenius(pMatrices[b] * phi)
                information[a, b] = v
                information[b, a] = v
            }
        }
        let eigen = SymmetricEigen(information)
        let smallest = eigen.values.map(abs).min() ?? 0
        // pbkrtest: solve(I_E) when well conditioned, else MASS::ginv (singular values above √ε of the largest)
        let largest = eigen.values.map(abs).max() ?? 1
        var w = smallest > 1e-10 ? (information.cholesky()?.inverseOfProduct() ?? eigen.pseudoInverse(tolerance: 0))
                                 : eigen.pseudoInverse(tolerance: Double.ulpOfOne.squareRoot() * largest)
        w = w.scaled(2)
        var u = Matrix(rows: px, cols: px)
        for a in 0..<r {
            for b in a..<r {
                guard let qab = qqs[a][b] else { continue }
                let term = (qab - pMatrices[a] * phi * pMatrices[b]).scaled(w[a, b])
                u = u + (a == b ? term : term + term.transposed)
            }
        }
        self.phi = phi
        adjusted = phi + (phi * u * phi).scaled(2)
        p = pMatrices
        self.w = w
    }

    /// The denominator df and pbkrtest's F scaling of the hypothesis L (rows: contrasts), or nil.
    func test(_ l: [[Double]]) -> (ddf: Double, scaling: Double, q: Int)? {
        let lm = Matrix(rows: l.count, cols: phi.rows, values: l.flatMap { $0 })
        guard let chol = (lm * phi * lm.transposed).cholesky() else { return nil }
        let theta = lm.transposed * chol.inverseOfProduct() * lm
        let thetaPhi = theta * phi
        let us = p.map { thetaPhi * $0 * phi }
        var a1 = 0.0, a2 = 0.0
        for i in p.indices {
            for j in i..<p.count {
                let e = i == j ? 1.0 : 2.0
                a1 += e * w[i, j] * us[i].trace * us[j].trace
                a2 += e * w[i, j] * us[i].frobenius(us[j].transposed)
            }
        }
        let q = Double(l.count)
        let b = (a1 + 6 * a2) / (2 * q)
        let g = ((q + 1) * a1 - (q + 4) * a2) / ((q + 2) * a2)
        let d = 3 * q + 2 * (1 - g)
        let (c1, c2, c3) = (g / d, (q - g) / d, (q + 2 - g) / d)
        var v0 = 1 + c1 * b
        let v1 = 1 - c2 * b, v2 = 1 - c3 * b
        if abs(v0) < 1e-10 { v0 = 0 }
        let ratio = v1 == 0 ? 0 : (1 - a2 / q) / v1           // pbkrtest's .divZero
        let rho = ratio * ratio * v0 / (q * v2)
        let ddf = 4 + (q + 2) / (q * rho - 1)
        let scaling = abs(ddf - 2) < 0.01 ? 1 : ddf * (1 - a2 / q) / (ddf - 2)
        return (ddf, scaling, l.count)
    }
}
