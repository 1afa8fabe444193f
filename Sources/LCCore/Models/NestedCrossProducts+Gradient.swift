import Glibc

/// The gradient of the nested engine's criterion with respect to its row sums (`RowSumGradient`)
/// and θ (`DevianceGradient`), from the selected inverse of its blocked factor.
///
/// The factor, in the order persons p, communities g, X: L_pp = chol(Λ₁'A₁₁Λ₁ + I),
/// L_gp = W_p' (W_p = L_pp⁻¹Λ₁'Z₁'Z₂Λ₂), L_Xp = R_p' (R_p = L_pp⁻¹Λ₁'Z₁'X), L_gg, L_Xg = R_g', L_XX
/// (`NestedCrossProducts`). Takahashi's recursion (Takahashi, Fagan & Chen 1973) on that pattern,
/// Z = (C₁₁)⁻¹, last block first, I_k = L_kk⁻¹:
///
///     Z_XX = (L_XX L_XX')⁻¹
///     Z_Xg = −Z_XX R_g' I_g,                   Z_gg = I_g'(I_g − R_g Z_Xg)
///     Z_gp = −(Z_gg W_p' + Z_Xg' R_p') I_p,    Z_Xp = −(Z_Xg W_p' + Z_XX R_p') I_p
///     Z_pp = I_p'(I_p − W_p Z_gp − R_p Z_Xp)
///
/// (ML: the random part's own inverse, the same without the X rows.) The modes u as in
/// `sphericalModes`, b = Λu. Communities are cut into a fixed number of chunks, run over the
/// cores, whose partial sums are added in chunk order: the same bits whatever the cores.
extension NestedCrossProducts {
    /// The evaluation, the gradient in θ and the gradient in the row sums at θ (r²'s part weighted
    /// by `kappa(r²)`); nil outside the nested layout, where the system is not positive definite,
    /// or where some Λ_k is singular.
    func rowSumGradient(_ theta: [Double], reml: Bool, kappa: (Double) -> Double) -> (DevianceEvaluation, DevianceGradient, RowSumGradient)? {
        parts(theta, reml: reml, sums: true, kappa: kappa).flatMap { e, g, sums in sums.map { (e, g, $0) } }
    }

    /// The evaluation and its gradient in θ (nested layout only).
    func gradient(_ theta: [Double], reml: Bool) -> (DevianceEvaluation, DevianceGradient)? {
        parts(theta, reml: reml, sums: false, kappa: { _ in 0 }).map { ($0.0, $0.1) }
    }

    /// Both passes; the row-sum gradient only where `sums` asks for it.
    private func parts(_ theta: [Double], reml: Bool, sums wanted: Bool, kappa: (Double) -> Double)
        -> (DevianceEvaluation, DevianceGradient, RowSumGradient?)? {
        guard let b = packed else { return nil }
        let (l1, l2) = (lambda(theta, term: 0), lambda(theta, term: 1))
        guard DevianceGradient.exists(for: [l1, l2]) else { return nil }
        let (g1, q1, q2, p, g2) = (b.parent.count, self.q1, self.q2, self.p, self.g2)
        let store = Scratch()
        // what the forward pass keeps: each person's L_pp, R_p, c_p, W_p; each community's L_gg, R_g, c_g
        let (lp, rp, cp, wp) = (store.block(g1 * q1 * q1), store.block(g1 * q1 * p), store.block(g1 * q1), store.block(g1 * q1 * q2))
        let (lg, rg, cg) = (store.block(g2 * q2 * q2), store.block(g2 * q2 * p), store.block(g2 * q2))
        let chunks = min(16, g2)
        func chunk(_ c: Int) -> Range<Int> { (c * g2 / chunks)..<((c + 1) * g2 / chunks) }
        // the common block sizes as constants, so that the small loops unroll
        @inline(__always) func shaped<T>(_ body: (Int, Int) -> T) -> T {
            switch (q1, q2) {
            case (1, 1): return body(1, 1)
            case (2, 1): return body(2, 1)
            case (2, 2): return body(2, 2)
            default: return body(q1, q2)
            }
        }
        func overChunks<T>(_ body: (Int) -> T?) -> [T]? {
            let parts = try? Parallel.mapRanges(count: chunks, minimumPerThread: g2 >= 256 ? 1 : chunks) { r in r.map(body) }
            guard let all = parts?.flatMap({ $0 }), all.allSatisfy({ $0 != nil }) else { return nil }
            return all.compactMap { $0 }
        }
        return BlockKernels.withPointers([b.a11.values, b.z1x.values, b.z1y.values, b.a22.values, b.z2x.values, b.z2y.values,
                                   b.cross.values, l1.values, l2.values]) { input in
            let (a11, z1x, z1y, a22, z2x, z2y, cross, la, lb) = (input[0], input[1], input[2], input[3], input[4], input[5], input[6], input[7], input[8])
            // the forward pass: the factor, and what each chunk subtracts from X'X, X'y and adds to log|L|², ‖c‖²
            guard let forward = overChunks({ c in shaped { q1, q2 -> (xx: [Double], xy: [Double], logDet: Double, cucu: Double)? in
                let s = Scratch(), t = s.block(max(q1, q2) * max(q1, q2, p))
                var part = Partial(s, p: p)
                for g in chunk(c) {
                    let (sg, sx, sy) = (lg + g * q2 * q2, rg + g * q2 * p, cg + g * q2)
                    // the community starts from Λ₂'Z₂'Z₂Λ₂ + I and Λ₂'Z₂'[X y]
                    BlockKernels.product(t, lb, true, a22 + g * q2 * q2, false, q2, q2, q2)
                    BlockKernels.product(sg, t, false, lb, false, q2, q2, q2)
                    for d in 0..<q2 { sg[d * q2 + d] += 1 }
                    BlockKernels.product(sx, lb, true, z2x + g * q2 * p, false, q2, p, q2)
                    BlockKernels.product(sy, lb, true, z2y + g * q2, false, q2, 1, q2)
                    for i in members[offsets[g]..<offsets[g + 1]] {
                        let (a, x, y, w) = (lp + i * q1 * q1, rp + i * q1 * p, cp + i * q1, wp + i * q1 * q2)
                        BlockKernels.product(t, la, true, a11 + i * q1 * q1, false, q1, q1, q1)
                        BlockKernels.product(a, t, false, la, false, q1, q1, q1)
                        for d in 0..<q1 { a[d * q1 + d] += 1 }
                        guard BlockKernels.cholesky(a, q1) else { return nil }
                        for d in 0..<q1 { part.logDet += 2 * log(a[d * q1 + d]) }
                        BlockKernels.product(x, la, true, z1x + i * q1 * p, false, q1, p, q1)
                        BlockKernels.forwardSolve(a, q1, x, p)
                        BlockKernels.product(y, la, true, z1y + i * q1, false, q1, 1, q1)
                        BlockKernels.forwardSolve(a, q1, y, 1)
                        BlockKernels.product(t, la, true, cross + i * q1 * q2, false, q1, q2, q1)
                        BlockKernels.product(w, t, false, lb, false, q1, q2, q2)
                        BlockKernels.forwardSolve(a, q1, w, q2)
                        BlockKernels.product(sg, w, true, w, false, q2, q2, q1, alpha: -1, beta: 1)
                        BlockKernels.product(sx, w, true, x, false, q2, p, q1, alpha: -1, beta: 1)
                        BlockKernels.product(sy, w, true, y, false, q2, 1, q1, alpha: -1, beta: 1)
                        BlockKernels.product(part.xx, x, true, x, false, p, p, q1, alpha: -1, beta: 1)
                        BlockKernels.product(part.xy, x, true, y, false, p, 1, q1, alpha: -1, beta: 1)
                        for d in 0..<q1 { part.cucu += y[d] * y[d] }
                    }
                    guard BlockKernels.cholesky(sg, q2) else { return nil }
                    for d in 0..<q2 { part.logDet += 2 * log(sg[d * q2 + d]) }
                    BlockKernels.forwardSolve(sg, q2, sx, p)
                    BlockKernels.forwardSolve(sg, q2, sy, 1)
                    BlockKernels.product(part.xx, sx, true, sx, false, p, p, q2, alpha: -1, beta: 1)
                    BlockKernels.product(part.xy, sx, true, sy, false, p, 1, q2, alpha: -1, beta: 1)
                    for d in 0..<q2 { part.cucu += sy[d] * sy[d] }
                }
                return part.settled
            } }) else { return nil }
            var xtxt = xtx, xtyt = xty, logDet = 0.0, cucu = 0.0
            for part in forward {
                for k in 0..<(p * p) { xtxt.values[k] += part.xx[k] }
                for k in 0..<p { xtyt.values[k] += part.xy[k] }
                logDet += part.logDet
                cucu += part.cucu
            }
            guard let e = finish(logDetL: logDet, xtxt: xtxt, xtyt: xtyt, yty: yty, cucu: cucu, n: n, reml: reml) else { return nil }
            let beta = e.beta, zxxValues = reml ? e.xtxInverse.values : [Double](repeating: 0, count: p * p)
            let out = wanted ? NestedSumGradient(q1: q1, q2: q2, p: p, persons: g1, communities: g2, kappa: kappa(e.r2)) : nil

            // the backward pass: the selected inverse, the modes and the blocks of ∂/∂M
            let target = out
            let sums = ({
                BlockKernels.withPointers([beta, zxxValues]) { fixed -> [[Double]]? in
                    let (beta, zxx) = (fixed[0], fixed[1])
                    return overChunks { c in shaped { q1, q2 -> [Double]? in
                        let s = Scratch(), big = max(p, q1, q2)
                        let (ig, ip, zxg, zgg) = (s.block(q2 * q2), s.block(q1 * q1), s.block(p * q2), s.block(q2 * q2))
                        let (zgp, zxp, zpp, h, y) = (s.block(q2 * q1), s.block(p * q1), s.block(q1 * q1), s.block(big * big), s.block(p * q1))
                        let (u2, u1, b2, b1, t) = (s.block(q2), s.block(q1), s.block(q2), s.block(q1), s.block(big * big))
                        // Σ Z_pp, Σ u₁u₁', Σ Z_gg, Σ u₂u₂'
                        var sums = [Double](repeating: 0, count: 2 * q1 * q1 + 2 * q2 * q2)
                        for g in chunk(c) {
                            let (sg, sx, sy) = (lg + g * q2 * q2, rg + g * q2 * p, cg + g * q2)
                            BlockKernels.lowerInverse(sg, q2, into: ig)
                            // u₂ = L_gg⁻ᵀ(c_g − R_g β)
                            for a in 0..<q2 { var v = sy[a]; for k in 0..<p { v -= sx[a * p + k] * beta[k] }; h[a] = v }
                            BlockKernels.product(u2, ig, true, h, false, q2, 1, q2)
                            if reml {
                                // Z_Xg = −Z_XX R_g' I_g; Z_gg = I_g'(I_g − R_g Z_Xg)
                                BlockKernels.product(h, zxx, false, sx, true, p, q2, p)
                                BlockKernels.product(zxg, h, false, ig, false, p, q2, q2, alpha: -1)
                                for k in 0..<(q2 * q2) { h[k] = ig[k] }
                                BlockKernels.product(h, sx, false, zxg, false, q2, q2, p, alpha: -1, beta: 1)
                                BlockKernels.product(zgg, ig, true, h, false, q2, q2, q2)
                            } else {
                                BlockKernels.product(zgg, ig, true, ig, false, q2, q2, q2)
                            }
                            BlockKernels.product(b2, lb, false, u2, false, q2, 1, q2)
                            target?.community(g, q2, lambda: lb, zgg: zgg, zxg: reml ? zxg : nil, b: b2, beta: beta, scratch: t)
                            BlockKernels.accumulate(&sums, 2 * q1 * q1, zgg, q2 * q2)
                            BlockKernels.accumulateOuter(&sums, 2 * q1 * q1 + q2 * q2, u2, q2)
                            for i in members[offsets[g]..<offsets[g + 1]] {
                                let (a, x, cy, w) = (lp + i * q1 * q1, rp + i * q1 * p, cp + i * q1, wp + i * q1 * q2)
                                BlockKernels.lowerInverse(a, q1, into: ip)
                                // u₁ = L_pp⁻ᵀ(c_p − R_p β − W_p u₂)
                                for d in 0..<q1 {
                                    var v = cy[d]
                                    for k in 0..<p { v -= x[d * p + k] * beta[k] }
                                    for k in 0..<q2 { v -= w[d * q2 + k] * u2[k] }
                                    h[d] = v
                                }
                                BlockKernels.product(u1, ip, true, h, false, q1, 1, q1)
                                // Z_gp = −(Z_gg W_p' + Z_Xg' R_p') I_p
                                BlockKernels.product(h, zgg, false, w, true, q2, q1, q2)
                                if reml { BlockKernels.product(h, zxg, true, x, true, q2, q1, p, beta: 1) }
                                BlockKernels.product(zgp, h, false, ip, false, q2, q1, q1, alpha: -1)
                                // Z_pp = I_p'(I_p − W_p Z_gp − R_p Z_Xp)
                                for k in 0..<(q1 * q1) { h[k] = ip[k] }
                                BlockKernels.product(h, w, false, zgp, false, q1, q1, q2, alpha: -1, beta: 1)
                                if reml {
                                    // Z_Xp = −(Z_Xg W_p' + Z_XX R_p') I_p
                                    BlockKernels.product(y, zxg, false, w, true, p, q1, q2)
                                    BlockKernels.product(y, zxx, false, x, true, p, q1, p, beta: 1)
                                    BlockKernels.product(zxp, y, false, ip, false, p, q1, q1, alpha: -1)
                                    BlockKernels.product(h, x, false, zxp, false, q1, q1, p, alpha: -1, beta: 1)
                                }
                                BlockKernels.product(zpp, ip, true, h, false, q1, q1, q1)
                                BlockKernels.product(b1, la, false, u1, false, q1, 1, q1)
                                target?.person(i, q1, q2, lambda: la, lambda2: lb, zpp: zpp, zgp: zgp, zxp: reml ? zxp : nil, b: b1, b2: b2,
                                               beta: beta, scratch: t)
                                BlockKernels.accumulate(&sums, 0, zpp, q1 * q1)
                                BlockKernels.accumulateOuter(&sums, q1 * q1, u1, q1)
                            }
                        }
                        return sums
                    } }
                }
            })()
            guard let sums else { return nil }
            var total = [Double](repeating: 0, count: 2 * q1 * q1 + 2 * q2 * q2)
            for part in sums { for k in total.indices { total[k] += part[k] } }
            out?.fixed(zxx: reml ? zxxValues : nil, beta: beta)
            let (o1, o2) = (q1 * q1, 2 * q1 * q1)
            guard let gradient = DevianceGradient(lambdas: [l1, l2], levels: [g1, g2],
                                                  inverseSums: [Array(total[0..<o1]), Array(total[o2..<(o2 + q2 * q2)])],
                                                  modeSums: [Array(total[o1..<o2]), Array(total[(o2 + q2 * q2)...])]) else { return nil }
            return (e, gradient, out?.gradient)
        }
    }

}

/// A chunk's share of the forward pass: what it subtracts from X'X and X'y (accumulated as negative
/// sums in the chunk's scratch), and adds to log|L|² and ‖c‖².
private struct Partial {
    let xx: UnsafeMutablePointer<Double>, xy: UnsafeMutablePointer<Double>, p: Int
    var logDet = 0.0, cucu = 0.0
    init(_ s: Scratch, p: Int) { (xx, xy, self.p) = (s.block(p * p), s.block(p), p) }
    /// In arrays of its own (the scratch is freed with the chunk).
    var settled: (xx: [Double], xy: [Double], logDet: Double, cucu: Double) {
        (Array(UnsafeBufferPointer(start: xx, count: p * p)), Array(UnsafeBufferPointer(start: xy, count: p)), logDet, cucu)
    }
}

/// Writers of the blocks of ∂/∂M for the nested layout (`RowSumGradient`: the log-determinants'
/// part plus κ times r²'s), in the segments' order: A₁₁, Z₁'X, Z₁'y per person; A₂₂, Z₂'X, Z₂'y
/// per community; Z₁'Z₂ per person; X'X, X'y, y'y. One level at a time (levels are disjoint:
/// threads may write at once). The sizes q1, q2 are passed in, so that a caller's constants unroll.
private struct NestedSumGradient {
    let p: Int, kappa: Double
    let gradient: RowSumGradient
    private var blocks: [UnsafeMutablePointer<Double>] { gradient.values }

    init(q1: Int, q2: Int, p: Int, persons: Int, communities: Int, kappa: Double) {
        (self.p, self.kappa) = (p, kappa)
        gradient = RowSumGradient(sizes: [persons * q1 * q1, persons * q1 * p, persons * q1, communities * q2 * q2,
                                          communities * q2 * p, communities * q2, persons * q1 * q2, p * p, p, 1], kappa: kappa)
    }

    /// A₁₁: Λ₁Z_ppΛ₁' + κbb'; Z₁'X: 2Λ₁Z_Xp' + 2κbβ'; Z₁'y: −2κb (`own`); Z₁'Z₂: 2Λ₁Z_gp'Λ₂' + 2κbb₂'.
    @inline(__always)
    func person(_ i: Int, _ q1: Int, _ q2: Int, lambda l: UnsafePointer<Double>, lambda2 l2: UnsafePointer<Double>,
                zpp: UnsafePointer<Double>, zgp: UnsafePointer<Double>, zxp: UnsafePointer<Double>?, b: UnsafePointer<Double>,
                b2: UnsafePointer<Double>, beta: UnsafePointer<Double>, scratch t: UnsafeMutablePointer<Double>) {
        own(i, segment: 0, q1, lambda: l, inverse: zpp, inverseX: zxp, b: b, beta: beta, scratch: t)
        let cross = blocks[6] + i * q1 * q2
        BlockKernels.product(t, l, false, zgp, true, q1, q2, q1)
        BlockKernels.product(cross, t, false, l2, true, q1, q2, q2, alpha: 2)
        for a in 0..<q1 { let kb = kappa * b[a]; for c in 0..<q2 { cross[a * q2 + c] += 2 * kb * b2[c] } }
    }

    /// A₂₂: Λ₂Z_ggΛ₂' + κbb'; Z₂'X: 2Λ₂Z_Xg' + 2κbβ'; Z₂'y: −2κb (`own`).
    @inline(__always)
    func community(_ g: Int, _ q2: Int, lambda l: UnsafePointer<Double>, zgg: UnsafePointer<Double>, zxg: UnsafePointer<Double>?,
                   b: UnsafePointer<Double>, beta: UnsafePointer<Double>, scratch t: UnsafeMutablePointer<Double>) {
        own(g, segment: 3, q2, lambda: l, inverse: zgg, inverseX: zxg, b: b, beta: beta, scratch: t)
    }

    /// A level's blocks of its own factor (segments d, d + 1, d + 2: its Z'Z, Z'X, Z'y):
    /// ΛZ_ℓℓΛ' + κbb', 2ΛZ_Xℓ' + 2κbβ' (Z_Xℓ nil for ML: no X rows in the inverse), −2κb.
    @inline(__always)
    private func own(_ level: Int, segment d: Int, _ q: Int, lambda l: UnsafePointer<Double>, inverse z: UnsafePointer<Double>,
                     inverseX zx: UnsafePointer<Double>?, b: UnsafePointer<Double>, beta: UnsafePointer<Double>,
                     scratch t: UnsafeMutablePointer<Double>) {
        let (zz, xBlock, yBlock) = (blocks[d] + level * q * q, blocks[d + 1] + level * q * p, blocks[d + 2] + level * q)
        BlockKernels.product(t, l, false, z, false, q, q, q)
        BlockKernels.product(zz, t, false, l, true, q, q, q)
        if let zx { BlockKernels.product(xBlock, l, false, zx, true, q, p, q, alpha: 2) }
        for a in 0..<q {
            let kb = kappa * b[a]
            for c in 0..<q { zz[a * q + c] += kb * b[c] }
            for c in 0..<p { xBlock[a * p + c] += 2 * kb * beta[c] }
            yBlock[a] = -2 * kb
        }
    }

    /// X'X: Z_XX (REML) + κββ'; X'y: −2κβ; y'y: κ.
    func fixed(zxx: [Double]?, beta: [Double]) {
        for a in 0..<p {
            for c in 0..<p { blocks[7][a * p + c] = (zxx?[a * p + c] ?? 0) + kappa * beta[a] * beta[c] }
            blocks[8][a] = -2 * kappa * beta[a]
        }
        blocks[9][0] = kappa
    }
}
