import Glibc

/// A fitted linear mixed model (see `LinearMixedModel.fit`).
public struct LMMFit: Sendable {
    /// One random-effects term: its covariance σ²ΛΛ' and conditional modes per level.
    public struct Component: Sendable {
        public let term: RandomTerm
        public let names: [String]
        public let levels: [String]
        public let covariance: Matrix
        public let modes: [[Double]]
        public var standardDeviations: [Double] { (0..<covariance.rows).map { covariance[$0, $0].squareRoot() } }
        public func correlation(_ a: Int, _ b: Int) -> Double {
            covariance[a, b] / (covariance[a, a] * covariance[b, b]).squareRoot()
        }
    }

    public let frame: ModelFrame
    public let reml: Bool
    public let beta: [Double]
    /// Var(β̂) = σ² (X'V⁻¹X)⁻¹ in lme4's parametrisation.
    public let covariance: Matrix
    /// θ in the engine's term order (see `thetaTerms`).
    public let theta: [Double]
    public let sigma: Double
    /// Random-effects terms in the formula's order.
    public let components: [Component]
    /// The criterion minimised: −2 log-likelihood (the REML criterion for REML fits).
    public let criterion: Double
    public let evaluations: Int
    public let converged: Bool
    /// Satterthwaite degrees of freedom per fixed effect (NaN where undefined, e.g. at a boundary).
    public let df: [Double]
    /// Whether a variance is at zero or a correlation at ±1 (a diagonal of some Λ at its bound).
    public let singular: Bool

    public var logLik: Double { -criterion / 2 }
    /// Fixed effects, the θ parameters and σ.
    public var parameterCount: Int { beta.count + theta.count + 1 }
    public var aic: Double { criterion + 2 * Double(parameterCount) }
    /// lme4's BIC: log(N) for REML and ML fits alike.
    public var bic: Double { criterion + log(Double(frame.n)) * Double(parameterCount) }
    public var standardErrors: [Double] { (0..<beta.count).map { covariance[$0, $0].squareRoot() } }
    public var tValues: [Double] { zip(beta, standardErrors).map { $0 / $1 } }
    /// Two-sided p-values on the Satterthwaite df: P(|T_df| > |t|) = I_{df/(df + t²)}(df/2, 1/2).
    public var pValues: [Double] {
        zip(tValues, df).map { t, d in d.isFinite && d > 0 ? Distributions.regularizedBeta(d / (d + t * t), d / 2, 0.5) : .nan }
    }
}

/// Linear mixed models fitted as lme4 fits them (Bates, Mächler, Bolker & Walker
/// 2015, JSS 67(1)): the fixed effects and σ² are profiled out of the (RE)ML
/// deviance, which is then minimised over the relative covariance factors θ
/// (each Λ lower-triangular, diagonal ≥ 0) by a bounded derivative-free method,
/// starting, as lme4 does, from Λ = I.
///
/// The criterion is computed from cross-products formed once, so an evaluation
/// costs per group and parameter, not per row (`CrossProducts` for one grouping
/// factor, `NestedCrossProducts` for two).
///
///     d_REML(θ) = log|L_θ|² + log|R_X|² + (n − p)(1 + log(2π r²(θ)/(n − p)))
///     d_ML(θ)   = log|L_θ|² + n(1 + log(2π r²(θ)/n))
public enum LinearMixedModel {
    public static func fit(_ frame: ModelFrame, reml: Bool = true) throws -> LMMFit {
        let (n, p) = (frame.n, frame.p)
        guard !frame.random.isEmpty else {
            throw LCError(.invalidArgument, "the formula has no random-effects term; add one such as (1 | person)")
        }
        guard frame.random.count <= 2 else {
            throw LCError(.invalidArgument, "models with more than two random-effects terms are not supported yet")
        }
        for block in frame.random {
            guard block.levels.count > 1 else {
                throw LCError(.invalidArgument, "the grouping factor \(block.term.groupName) has only one level; it needs at least two")
            }
            guard block.levels.count < n else {
                throw LCError(.invalidArgument, "the grouping factor \(block.term.groupName) has as many levels as observations (\(n))")
            }
        }
        guard p < n else { throw LCError(.invalidArgument, "the model has \(p) fixed effects but only \(n) usable rows") }
        // the engine takes the factor with more levels first (sparser blocks)
        let order = frame.random.indices.sorted { frame.random[$0].levels.count > frame.random[$1].levels.count }
        let engine: ProfiledDeviance = order.count == 1
            ? CrossProducts(frame, frame.random[0])
            : NestedCrossProducts(frame, frame.random[order[0]], frame.random[order[1]])
        guard engine.xtx.cholesky(relativeTolerance: 1e-10) != nil else {
            throw LCError(.invalidArgument, "the fixed-effects columns are linearly dependent (collinear predictors): \(frame.xNames.joined(separator: ", "))")
        }
        var lower: [Double] = [], start: [Double] = []
        for q in engine.effectsPerTerm {
            for j in 0..<q { for i in j..<q { lower.append(i == j ? 0 : -.infinity); start.append(i == j ? 1 : 0) } }
        }
        // a loose simplex phase, then Newton steps on finite differences to full precision
        var optimizer = NelderMead(lower: lower, upper: [Double](repeating: .infinity, count: lower.count))
        optimizer.tolerance = 1e-8
        optimizer.pointTolerance = 1e-3
        optimizer.initialStep = 0.5
        optimizer.maxRestarts = 0
        let criterion = { (t: [Double]) in engine.evaluate(t, reml: reml)?.criterion ?? .infinity }
        let simplex = optimizer.minimize(from: start, criterion)
        let newton = NewtonPolish(lower: lower, upper: optimizer.upper).polish(simplex.x, value: simplex.value, criterion)
        var result = (x: newton.x, evaluations: simplex.evaluations + newton.evaluations, converged: simplex.converged)
        if newton.x.indices.contains(where: { newton.x[$0] == lower[$0] }) || newton.value >= simplex.value {
            // on a bound, or Newton could not help: finish with the simplex to full precision
            var fine = optimizer
            fine.initialStep = 0.05
            fine.tolerance = 1e-11
            fine.pointTolerance = 1e-7
            fine.maxRestarts = 1
            let r = fine.minimize(from: newton.x, criterion)
            result = (r.x, result.evaluations + r.evaluations, r.converged)
        }
        guard let at = engine.evaluate(result.x, reml: reml) else {
            throw LCError(.internalError, "the deviance is undefined at the optimum")
        }
        let sigma2 = at.r2 / Double(reml ? n - p : n)
        var cov = at.xtxInverse
        cov.values = cov.values.map { $0 * sigma2 }
        let modes = engine.conditionalModes(result.x, beta: at.beta)
        var components = [LMMFit.Component?](repeating: nil, count: order.count)
        var singular = false
        for (t, b) in order.enumerated() {
            let l = engine.lambda(result.x, term: t)
            for i in 0..<l.rows where l[i, i] < 1e-6 { singular = true }
            var c = l * l.transposed
            c.values = c.values.map { $0 * sigma2 }
            let block = frame.random[b]
            components[b] = LMMFit.Component(term: block.term, names: block.names, levels: block.levels, covariance: c,
                                             modes: modes[t])
        }
        let df = singular ? nil : Satterthwaite.degreesOfFreedom(engine, theta: result.x, sigma: sigma2.squareRoot(), n: n, reml: reml)
        return LMMFit(frame: frame, reml: reml, beta: at.beta, covariance: cov, theta: result.x, sigma: sigma2.squareRoot(),
                      components: components.compactMap { $0 }, criterion: at.criterion,
                      evaluations: result.evaluations, converged: result.converged,
                      df: df ?? [Double](repeating: .nan, count: p), singular: singular)
    }
}

/// The per-group cross-products of one grouping factor. Λ'Z'ZΛ + I is block
/// diagonal, so each evaluation is one q×q Cholesky per group.
struct CrossProducts: ProfiledDeviance {
    let n: Int, p: Int, q: Int
    var ztz: [Matrix], ztx: [Matrix], zty: [Matrix]
    var xtx: Matrix, xty: Matrix, yty = 0.0
    /// The same blocks packed contiguously for the allocation-free evaluation.
    private var packedZtZ = PackedBlocks(count: 0, size: 0), packedZtX = PackedBlocks(count: 0, size: 0)
    private var packedZty = PackedBlocks(count: 0, size: 0)
    var effectsPerTerm: [Int] { [q] }

    init(_ f: ModelFrame, _ block: ModelFrame.RandomBlock) {
        (n, p, q) = (f.n, f.p, block.z.count)
        let g = block.levels.count
        ztz = [Matrix](repeating: Matrix(rows: q, cols: q), count: g)
        ztx = [Matrix](repeating: Matrix(rows: q, cols: p), count: g)
        zty = [Matrix](repeating: Matrix(rows: q, cols: 1), count: g)
        (xtx, xty, yty) = FixedCrossProducts.of(f)
        for r in 0..<n {
            let k = Int(block.group[r])
            for a in 0..<q {
                let za = block.z[a][r]
                for b in 0..<q { ztz[k][a, b] += za * block.z[b][r] }
                for b in 0..<p { ztx[k][a, b] += za * f.x[b][r] }
                zty[k][a, 0] += za * f.y[r]
            }
        }
        (packedZtZ, packedZtX, packedZty) = (PackedBlocks(ztz), PackedBlocks(ztx), PackedBlocks(zty))
    }

    /// One pass over the groups with the block kernels (no allocation per group):
    /// L_k = chol(Λ'Z_k'Z_kΛ + I), R_ZX,k = L_k⁻¹Λ'Z_k'X, c_u,k = L_k⁻¹Λ'Z_k'y, then the reduced X system.
    func evaluate(_ theta: [Double], reml: Bool) -> DevianceEvaluation? {
        let lam = lambda(theta, term: 0)
        let s = Scratch()
        let (tmp, a, rzx, cu) = (s.block(q * q), s.block(q * q), s.block(q * p), s.block(q))
        var xtxt = xtx, xtyt = xty
        var det = LogProduct(), cucu = 0.0, ok = true
        lam.values.withUnsafeBufferPointer { l in
            packedZtZ.values.withUnsafeBufferPointer { zz in
                packedZtX.values.withUnsafeBufferPointer { zx in
                    packedZty.values.withUnsafeBufferPointer { zy in
                        xtxt.values.withUnsafeMutableBufferPointer { xx in
                            xtyt.values.withUnsafeMutableBufferPointer { xy in
                                guard let l = l.baseAddress, let zz = zz.baseAddress, let zx = zx.baseAddress,
                                      let zy = zy.baseAddress, let xx = xx.baseAddress, let xy = xy.baseAddress else { return }
                                for k in 0..<ztz.count {
                                    guard let e = BlockKernels.eliminate(
                                        lambda: l, q: q, p: p, ztz: zz + k * q * q, ztx: zx + k * q * p, zty: zy + k * q,
                                        tmp: tmp, a: a, rzx: rzx, cu: cu, xx: xx, xy: xy, det: &det) else { ok = false; return }
                                    cucu += e
                                }
                                BlockKernels.mirrorUpper(xx, p)
                            }
                        }
                    }
                }
            }
        }
        guard ok else { return nil }
        return finish(logDetL: 2 * det.value, xtxt: xtxt, xtyt: xtyt, yty: yty, cucu: cucu, n: n, reml: reml)
    }

    /// b_k = Λ L_k⁻ᵀ (c_u − R_ZX β) for every group k.
    func conditionalModes(_ theta: [Double], beta: [Double]) -> [[[Double]]] {
        let l = lambda(theta, term: 0), lt = l.transposed
        let b = Matrix(column: beta)
        return [ztz.indices.map { k in
            var a = lt * ztz[k] * l
            for i in 0..<q { a[i, i] += 1 }
            guard let lk = a.cholesky() else { return [Double](repeating: .nan, count: q) }
            let rhs = lk.solveLower(lt * zty[k]) - lk.solveLower(lt * ztx[k]) * b
            return (l * lk.solveLowerTransposed(rhs)).column(0)
        }]
    }
}

/// X'X, X'y and y'y of a model frame.
enum FixedCrossProducts {
    static func of(_ f: ModelFrame) -> (Matrix, Matrix, Double) {
        var xtx = Matrix(rows: f.p, cols: f.p), xty = Matrix(rows: f.p, cols: 1), yty = 0.0
        for r in 0..<f.n {
            for a in 0..<f.p {
                for b in 0..<f.p { xtx[a, b] += f.x[a][r] * f.x[b][r] }
                xty[a, 0] += f.x[a][r] * f.y[r]
            }
            yty += f.y[r] * f.y[r]
        }
        return (xtx, xty, yty)
    }
}
