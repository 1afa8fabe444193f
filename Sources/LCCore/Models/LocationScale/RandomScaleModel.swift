import Glibc

/// The marginal likelihood of a mixed-effects location-scale model with a random scale
/// effect (MELS: Hedeker, Mermelstein & Demirtas 2008, *Biometrics* 64; Hedeker & Nordgren
/// 2013, MIXREGLS, *J Stat Softw* 52(12)):
///
///     yᵢ = xᵢ'β + z_pᵢ'b_p + z_cᵢ'u_c + eᵢ,   eᵢ ~ N(0, exp(2(wᵢ'η + τ_c)))
///     (τ_c, u_c) ~ N(0, JJ'),  b_p ~ N(0, T_pT_p')
///
/// for units p (persons) nested in levels c (communities) of the scale's grouping factor; J is
/// lower-triangular with τ first (J₀₀ = σ_τ; J_k0 = 0 when τ and u are independent).
/// Given τ = J₀₀z, u_c | z ~ N(μ(z), T_cT_c') with μ = J[1:, 0]z and T_c = J[1:, 1:], and y_c | z
/// is Gaussian: with row precisions πᵢ = aᵢs, aᵢ = exp(−2wᵢ'η), s = e^{−2τ}, and
/// r = y − Xβ − Z_cμ, Woodbury's identity over the nested blocks gives
///
///     −2 log p(y_c | z) = n_c log 2π − Σ log πᵢ + log|I + T'Z'PZT| + r'Pr − c'(I + T'Z'PZT)⁻¹c,
///
/// c = T'Z'Pr, eliminated unit by unit (2×2 blocks for a random intercept and slope) and then
/// the community's block. Each level's integral over z ~ N(0, 1) is by adaptive Gauss–Hermite
/// quadrature about the mode of its integrand (Liu & Pierce 1994; `nagq` = 1 is Laplace's
/// approximation). The rows enter once per η, as weighted cross-products per unit (`UnitSums`);
/// an evaluation at fixed η then costs per unit and node, not per row.
struct RandomScaleModel: @unchecked Sendable {
    /// Effects per unit (q_p, 0 without a nested factor), per level (q_c), fixed effects, scale
    /// columns beyond the intercept, and the cross-product width d = q_p + q_c + p + 1.
    let qp: Int, qc: Int, p: Int, m: Int, d: Int
    let correlated: Bool
    /// Units of level c: `unitStart[c] ..< unitStart[c + 1]`; rows of unit i (in `rowOrder`):
    /// `rowStart[i] ..< rowStart[i + 1]`.
    let unitStart: [Int], rowStart: [Int]
    /// The used rows, grouped by level and unit.
    let rowOrder: [Int]
    /// The unit (its code on the frame) of each unit in this order.
    let unitIndex: [Int]
    /// Per row in `rowOrder`: its d columns [z_p, z_c, x, y], and its m scale columns.
    let columns: [Double], scaleColumns: [Double]
    let rule: GaussHermite

    var levels: Int { unitStart.count - 1 }
    var units: Int { rowStart.count - 1 }
    var n: Int { rowOrder.count }

    /// `level`: each row's level of the scale's factor; `unit`: its unit (nil: none); `zp`, `zc`:
    /// the unit's and the level's random-effect columns; `w`: the scale columns after the intercept.
    init(level: [Int32], levels: Int, unit: [Int32]?, units: Int, zp: [[Double]], zc: [[Double]], x: [[Double]],
         y: [Double], w: [[Double]], correlated: Bool, nagq: Int) {
        let n = y.count
        (qp, qc, p, m) = (zp.count, zc.count, x.count, w.count)
        d = qp + qc + p + 1
        self.correlated = correlated
        rule = GaussHermite(nagq)
        // units numbered within levels: one unit per level without a nested factor
        let unitOf: [Int] = unit.map { $0.map(Int.init) } ?? level.map(Int.init)
        let unitCount = unit == nil ? levels : units
        var levelOfUnit = [Int](repeating: 0, count: unitCount)
        for r in 0..<n { levelOfUnit[unitOf[r]] = Int(level[r]) }
        // units sorted by level, rows sorted by unit (counting sorts, stable)
        let unitsByLevel = (0..<unitCount).sorted { (levelOfUnit[$0], $0) < (levelOfUnit[$1], $1) }
        var unitRank = [Int](repeating: 0, count: unitCount)
        for (k, u) in unitsByLevel.enumerated() { unitRank[u] = k }
        var unitStart = [Int](repeating: 0, count: levels + 1)
        for u in 0..<unitCount { unitStart[levelOfUnit[u] + 1] += 1 }
        for c in 0..<levels { unitStart[c + 1] += unitStart[c] }
        var rowStart = [Int](repeating: 0, count: unitCount + 1)
        for r in 0..<n { rowStart[unitRank[unitOf[r]] + 1] += 1 }
        for i in 0..<unitCount { rowStart[i + 1] += rowStart[i] }
        var next = rowStart, order = [Int](repeating: 0, count: n)
        for r in 0..<n { let k = unitRank[unitOf[r]]; order[next[k]] = r; next[k] += 1 }
        var columns = [Double](repeating: 0, count: n * d), scale = [Double](repeating: 0, count: n * w.count)
        for (k, r) in order.enumerated() {
            var at = k * d
            for z in zp { columns[at] = z[r]; at += 1 }
            for z in zc { columns[at] = z[r]; at += 1 }
            for v in x { columns[at] = v[r]; at += 1 }
            columns[at] = y[r]
            for (j, v) in w.enumerated() { scale[k * w.count + j] = v[r] }
        }
        (self.unitStart, self.rowStart, rowOrder, self.columns, scaleColumns) = (unitStart, rowStart, order, columns, scale)
        unitIndex = unitsByLevel
    }

    // MARK: parameters

    /// The lengths of the parameter vector's parts: β, η (with the intercept log σ first), T_p's
    /// lower triangle, J's lower triangle (without J[1:, 0] when independent).
    var parameterCount: Int { p + m + 1 + qp * (qp + 1) / 2 + jointCount }
    var jointCount: Int { correlated ? (qc + 1) * (qc + 2) / 2 : 1 + qc * (qc + 1) / 2 }

    struct Parameters {
        var beta: [Double], eta: [Double]
        /// T_p (q_p×q_p) and J ((q_c+1)×(q_c+1)), lower-triangular, row-major.
        var tp: [Double], joint: [Double]
    }

    func parameters(_ x: [Double]) -> Parameters {
        var k = 0
        func take(_ count: Int) -> [Double] { defer { k += count }; return Array(x[k..<(k + count)]) }
        let beta = take(p), eta = take(m + 1)
        var tp = [Double](repeating: 0, count: qp * qp)
        for i in 0..<qp { for j in 0...i { tp[i * qp + j] = x[k]; k += 1 } }
        let e = qc + 1
        var joint = [Double](repeating: 0, count: e * e)
        for i in 0..<e { for j in 0...i where correlated || i == 0 || j > 0 { joint[i * e + j] = x[k]; k += 1 } }
        return Parameters(beta: beta, eta: eta, tp: tp, joint: joint)
    }

    /// The inverse of `parameters`.
    func vector(_ a: Parameters) -> [Double] {
        var x = a.beta + a.eta
        for i in 0..<qp { for j in 0...i { x.append(a.tp[i * qp + j]) } }
        let e = qc + 1
        for i in 0..<e { for j in 0...i where correlated || i == 0 || j > 0 { x.append(a.joint[i * e + j]) } }
        return x
    }

    // MARK: the rows, once per η

    /// K_i = Σ aᵢ cᵢcᵢ' per unit (d×d, full), and Σ wᵢ'η per level (the rows' share of −Σ log πᵢ).
    struct UnitSums {
        let eta: [Double]
        let k: [Double]
        let linear: [Double]
    }

    func unitSums(_ eta: [Double]) throws -> UnitSums {
        let (d, m) = (d, m)
        var k = [Double](repeating: 0, count: units * d * d), linear = [Double](repeating: 0, count: levels)
        try k.withUnsafeMutableBufferPointer { kb in
            let out = kb.baseAddress!
            let parts = try Parallel.mapRanges(count: levels, minimumPerThread: 64) { range -> [Double] in
                try Monitor.check()
                var sums: [Double] = []
                columns.withUnsafeBufferPointer { cb in
                    scaleColumns.withUnsafeBufferPointer { wb in
                        for c in range {
                            var total = 0.0
                            for i in unitStart[c]..<unitStart[c + 1] {
                                let ki = out + i * d * d
                                for r in rowStart[i]..<rowStart[i + 1] {
                                    var lin = eta[0]
                                    for j in 0..<m { lin += eta[j + 1] * wb[r * m + j] }
                                    total += lin
                                    let a = exp(-2 * lin), row = cb.baseAddress! + r * d
                                    for u in 0..<d { let au = a * row[u]; for v in u..<d { ki[u * d + v] += au * row[v] } }
                                }
                                for u in 0..<d { for v in 0..<u { ki[u * d + v] = ki[v * d + u] } }
                            }
                            sums.append(total)
                        }
                    }
                }
                return sums
            }
            linear = parts.flatMap { $0 }
        }
        return UnitSums(eta: eta, k: k, linear: linear)
    }
}

extension RandomScaleModel {
    /// One level's terms at fixed parameters (what does not depend on z), in scratch owned by
    /// the caller: per unit P₁ = T_p'K_ppT_p, P₂ = T_p'K_pcT_c, v₀ = T_p'(Kγ₀)_p, V = T_p'K_pc
    /// (so that T_p'(Kγ)_p = v₀ − Vμ, γ = γ₀ − [0, μ, 0, 0], γ₀ = [0, 0, −β, 1]); for the level,
    /// Σ T_c'K_ccT_c, Σ K_cc, Σ (Kγ₀)_c and Σ γ₀'Kγ₀.
    final class LevelScratch {
        let p1: UnsafeMutablePointer<Double>, p2: UnsafeMutablePointer<Double>, v0: UnsafeMutablePointer<Double>
        let vc: UnsafeMutablePointer<Double>, kcc: UnsafeMutablePointer<Double>, tkt: UnsafeMutablePointer<Double>
        let k0c: UnsafeMutablePointer<Double>, scc: UnsafeMutablePointer<Double>, hc: UnsafeMutablePointer<Double>
        let a: UnsafeMutablePointer<Double>, w: UnsafeMutablePointer<Double>, f: UnsafeMutablePointer<Double>
        let mu: UnsafeMutablePointer<Double>, kg: UnsafeMutablePointer<Double>, tmp: UnsafeMutablePointer<Double>
        var g0 = 0.0
        private var owned: [UnsafeMutablePointer<Double>] = []
        init(_ model: RandomScaleModel, maxUnits: Int) {
            let (qp, qc, d) = (model.qp, model.qc, model.d)
            var blocks: [UnsafeMutablePointer<Double>] = []
            func block(_ n: Int) -> UnsafeMutablePointer<Double> {
                let b = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
                b.initialize(repeating: 0, count: max(n, 1))
                blocks.append(b)
                return b
            }
            p1 = block(maxUnits * qp * qp); p2 = block(maxUnits * qp * qc); v0 = block(maxUnits * qp); vc = block(maxUnits * qp * qc)
            kcc = block(qc * qc); tkt = block(qc * qc); k0c = block(qc); scc = block(qc * qc); hc = block(qc)
            a = block(qp * qp); w = block(qp); f = block(qp * qc); mu = block(qc); kg = block(d); tmp = block(max(qp * qp, d + qc) + 1)
            owned = blocks
        }
        deinit { owned.forEach { $0.deallocate() } }
    }

    var maxUnitsPerLevel: Int { (0..<levels).map { unitStart[$0 + 1] - unitStart[$0] }.max() ?? 0 }

    /// Fills the scratch's z-independent terms of level c.
    func prepare(level c: Int, _ a: Parameters, _ sums: UnitSums, _ s: inout LevelScratch) {
        let (qp, qc, p, d) = (qp, qc, p, d), e = qc + 1
        for j in 0..<(qc * qc) { s.kcc[j] = 0 }
        for j in 0..<qc { s.k0c[j] = 0 }
        s.g0 = 0
        sums.k.withUnsafeBufferPointer { all in
        for (slot, i) in (unitStart[c]..<unitStart[c + 1]).enumerated() {
            let k = all.baseAddress! + i * d * d, base = 0
            // Kγ₀
            for u in 0..<d {
                var v = k[base + u * d + d - 1]
                for b in 0..<p { v -= k[base + u * d + qp + qc + b] * a.beta[b] }
                s.kg[u] = v
            }
            var g0 = s.kg[d - 1]
            for b in 0..<p { g0 -= s.kg[qp + qc + b] * a.beta[b] }
            s.g0 += g0
            for x in 0..<qc {
                s.k0c[x] += s.kg[qp + x]
                for y in 0..<qc { s.kcc[x * qc + y] += k[base + (qp + x) * d + qp + y] }
            }
            guard qp > 0 else { continue }
            // T_p'K_pp (qp×qp) into tmp, then P₁ = (T_p'K_pp)T_p; V = T_p'K_pc; P₂ = V T_c; v₀ = T_p'(Kγ₀)_p
            for x in 0..<qp {
                for y in 0..<qp {
                    var v = 0.0
                    for t in x..<qp { v += a.tp[t * qp + x] * k[base + t * d + y] }
                    s.tmp[x * qp + y] = v
                }
                for y in 0..<qc {
                    var v = 0.0
                    for t in x..<qp { v += a.tp[t * qp + x] * k[base + t * d + qp + y] }
                    s.vc[(slot * qp + x) * qc + y] = v
                }
                var v = 0.0
                for t in x..<qp { v += a.tp[t * qp + x] * s.kg[t] }
                s.v0[slot * qp + x] = v
            }
            for x in 0..<qp {
                for y in 0..<qp {
                    var v = 0.0
                    for t in 0..<qp { v += s.tmp[x * qp + t] * a.tp[t * qp + y] }
                    s.p1[(slot * qp + x) * qp + y] = v
                }
                for y in 0..<qc {
                    var v = 0.0
                    for t in 0..<qc { v += s.vc[(slot * qp + x) * qc + t] * a.joint[(t + 1) * e + y + 1] }
                    s.p2[(slot * qp + x) * qc + y] = v
                }
            }
        }
        }
        // T_c'(ΣK_cc)T_c
        for x in 0..<qc {
            for y in 0..<qc {
                var v = 0.0
                for t in 0..<qc { for u in 0..<qc { v += a.joint[(t + 1) * e + x + 1] * s.kcc[t * qc + u] * a.joint[(u + 1) * e + y + 1] } }
                s.tkt[x * qc + y] = v
            }
        }
    }

    /// log of level c's integrand at z (prepared in `s`): log p(y_c | z) + log φ(z). With `modes`,
    /// also E[u_c | y, z] (q_c) and Var(u_c | y, z) (q_c×q_c) into it.
    func logIntegrand(level c: Int, z: Double, _ a: Parameters, _ sums: UnitSums, _ s: inout LevelScratch,
                      modes: UnsafeMutablePointer<Double>? = nil) -> Double {
        let (qp, qc) = (qp, qc), e = qc + 1
        let tau = a.joint[0] * z, scale = exp(-2 * tau)
        for x in 0..<qc { s.mu[x] = a.joint[(x + 1) * e] * z }
        // the community block before the units' elimination: I + sT_c'ΣK_ccT_c; its right side sT_c'(Σ(Kγ₀)_c − ΣK_ccμ)
        var q = s.g0, logDet = 0.0, determinant = LogProduct()
        for x in 0..<qc {
            var r = s.k0c[x]
            for y in 0..<qc { r -= s.kcc[x * qc + y] * s.mu[y] }
            q -= 2 * s.mu[x] * s.k0c[x]
            for y in 0..<qc { q += s.mu[x] * s.kcc[x * qc + y] * s.mu[y] }
            s.tmp[x] = r
        }
        q *= scale
        for x in 0..<qc {
            var v = 0.0
            for t in 0..<qc { v += a.joint[(t + 1) * e + x + 1] * s.tmp[t] }
            s.hc[x] = scale * v
            for y in 0..<qc { s.scc[x * qc + y] = scale * s.tkt[x * qc + y] + (x == y ? 1 : 0) }
        }
        if qp == 2 && qc == 1 {
            // a random intercept and slope per unit and an intercept per level, written out
            let mu = s.mu[0]
            var scc = s.scc[0], hc = s.hc[0]
            for slot in 0..<(unitStart[c + 1] - unitStart[c]) {
                let p1 = s.p1 + 4 * slot, p2 = s.p2 + 2 * slot, v0 = s.v0 + 2 * slot, vc = s.vc + 2 * slot
                let r00 = (1 + scale * p1[0]).squareRoot(), r10 = scale * p1[2] / r00
                let r11 = (1 + scale * p1[3] - r10 * r10).squareRoot()
                determinant.multiply(by: r00 * r11)
                let w0 = scale * (v0[0] - vc[0] * mu) / r00
                let w1 = (scale * (v0[1] - vc[1] * mu) - r10 * w0) / r11
                let f0 = scale * p2[0] / r00, f1 = (scale * p2[1] - r10 * f0) / r11
                q -= w0 * w0 + w1 * w1
                hc -= f0 * w0 + f1 * w1
                scc -= f0 * f0 + f1 * f1
            }
            (s.scc[0], s.hc[0]) = (scc, hc)
        } else if qp > 0 {
            for slot in 0..<(unitStart[c + 1] - unitStart[c]) {
                // A = I + sP₁ = RR'; w = R⁻¹ s(v₀ − Vμ); F = R⁻¹ sP₂
                for x in 0..<qp { for y in 0...x { s.a[x * qp + y] = scale * s.p1[(slot * qp + x) * qp + y] + (x == y ? 1 : 0) } }
                for x in 0..<qp {
                    for y in 0...x {
                        var v = s.a[x * qp + y]
                        for t in 0..<y { v -= s.a[x * qp + t] * s.a[y * qp + t] }
                        s.a[x * qp + y] = x == y ? v.squareRoot() : v / s.a[y * qp + y]
                    }
                }
                // |A| = Π R_xx² ≥ 1 (A = I + sP₁): one logarithm per many units
                var diagonal = 1.0
                for x in 0..<qp { diagonal *= s.a[x * qp + x] }
                determinant.multiply(by: diagonal)
                for x in 0..<qp {
                    var v = s.v0[slot * qp + x]
                    for y in 0..<qc { v -= s.vc[(slot * qp + x) * qc + y] * s.mu[y] }
                    v *= scale
                    for t in 0..<x { v -= s.a[x * qp + t] * s.w[t] }
                    s.w[x] = v / s.a[x * qp + x]
                    q -= s.w[x] * s.w[x]
                    for y in 0..<qc {
                        var f = scale * s.p2[(slot * qp + x) * qc + y]
                        for t in 0..<x { f -= s.a[x * qp + t] * s.f[t * qc + y] }
                        s.f[x * qc + y] = f / s.a[x * qp + x]
                    }
                }
                for x in 0..<qc {
                    for t in 0..<qp { s.hc[x] -= s.f[t * qc + x] * s.w[t] }
                    for y in 0...x { for t in 0..<qp { s.scc[x * qc + y] -= s.f[t * qc + x] * s.f[t * qc + y] } }
                }
            }
        }
        logDet += 2 * determinant.value
        // the community block: B = R_cR_c', q −= ‖R_c⁻¹h‖²
        for x in 0..<qc {
            for y in 0...x {
                var v = s.scc[x * qc + y]
                for t in 0..<y { v -= s.scc[x * qc + t] * s.scc[y * qc + t] }
                if x == y {
                    guard v > 0 else { return -.infinity }
                    s.scc[x * qc + x] = v.squareRoot()
                } else {
                    s.scc[x * qc + y] = v / s.scc[y * qc + y]
                }
            }
            logDet += 2 * log(s.scc[x * qc + x])
            var v = s.hc[x]
            for t in 0..<x { v -= s.scc[x * qc + t] * s.tmp[d + t] }
            s.tmp[d + x] = v / s.scc[x * qc + x]
            q -= s.tmp[d + x] * s.tmp[d + x]
        }
        if let modes {
            // ũ = B⁻¹h (back substitution), u = μ + T_cũ; Var(u) = T_cB⁻¹T_c'
            for x in stride(from: qc - 1, through: 0, by: -1) {
                var v = s.tmp[d + x]
                for t in (x + 1)..<max(x + 1, qc) { v -= s.scc[t * qc + x] * s.tmp[d + t] }
                s.tmp[d + x] = v / s.scc[x * qc + x]
            }
            for x in 0..<qc {
                var v = s.mu[x]
                for t in 0...x { v += a.joint[(x + 1) * e + t + 1] * s.tmp[d + t] }
                modes[x] = v
            }
            // B⁻¹ column by column into modes[qc...]: T_c B⁻¹ T_c'
            for x in 0..<qc {
                for y in 0..<qc {
                    var v = 0.0
                    for t in 0..<qc {
                        for u in 0..<qc { v += a.joint[(x + 1) * e + t + 1] * inverseEntry(s.scc, qc, t, u) * a.joint[(y + 1) * e + u + 1] }
                    }
                    modes[qc + x * qc + y] = v
                }
            }
        }
        let rows = Double(rowStart[unitStart[c + 1]] - rowStart[unitStart[c]])
        let minusTwoLog = rows * log(2 * Double.pi) + 2 * (sums.linear[c] + rows * tau) + logDet + q
        return -0.5 * minusTwoLog - 0.5 * z * z - 0.5 * log(2 * Double.pi)
    }

    /// (RR')⁻¹[t, u] for a small lower-triangular R (row-major, the lower triangle of `r`).
    private func inverseEntry(_ r: UnsafePointer<Double>, _ n: Int, _ t: Int, _ u: Int) -> Double {
        // column u of (RR')⁻¹: solve R x = e_u, then R'y = x
        var x = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var v = i == u ? 1.0 : 0
            for k in 0..<i { v -= r[i * n + k] * x[k] }
            x[i] = v / r[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var v = x[i]
            for k in (i + 1)..<max(i + 1, n) { v -= r[k * n + i] * x[k] }
            x[i] = v / r[i * n + i]
        }
        return x[t]
    }
}
