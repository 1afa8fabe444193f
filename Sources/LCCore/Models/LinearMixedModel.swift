import Glibc

/// A fitted linear mixed model (see `LinearMixedModel.fit`).
public struct LMMFit: Sendable {
    public let frame: ModelFrame
    public let reml: Bool
    public let beta: [Double]
    /// Var(β̂) = σ² (X'V⁻¹X)⁻¹ in lme4's parametrisation.
    public let covariance: Matrix
    public let theta: [Double]
    public let sigma: Double
    /// Covariance of the random effects of the (single) grouping factor, σ²ΛΛ'.
    public let randomCovariance: Matrix
    /// Conditional modes of the random effects, one row per group level.
    public let blups: [[Double]]
    /// The criterion minimised: −2 log-likelihood (REML criterion for REML fits).
    public let criterion: Double
    public let evaluations: Int
    public let converged: Bool

    public var logLik: Double { -criterion / 2 }
    /// Fixed effects, the θ parameters and σ.
    public var parameterCount: Int { beta.count + theta.count + 1 }
    public var aic: Double { criterion + 2 * Double(parameterCount) }
    /// lme4's BIC: log(N) for REML and ML fits alike.
    public var bic: Double { criterion + log(Double(frame.n)) * Double(parameterCount) }
    public var standardErrors: [Double] { (0..<beta.count).map { covariance[$0, $0].squareRoot() } }
    /// A variance at zero or a correlation at ±1 (θ on its bound).
    public var singular: Bool {
        let q = randomCovariance.rows
        var k = 0
        for j in 0..<q { for i in j..<q { if i == j && theta[k] < 1e-6 { return true }; k += 1 } }
        return false
    }
}

/// Linear mixed models fitted as lme4 fits them (Bates, Mächler, Bolker & Walker
/// 2015, JSS 67(1)): the fixed effects and σ² are profiled out of the (RE)ML
/// deviance, which is then minimised over the relative covariance factor θ
/// (Λ lower-triangular, diagonal ≥ 0) by a bounded derivative-free method.
///
/// For one grouping factor, Λ'Z'ZΛ + I is block diagonal, so each evaluation
/// needs one q×q Cholesky per group, computed from per-group cross-products
/// Z_i'Z_i, Z_i'X_i, Z_i'y_i formed once: the cost per evaluation depends on
/// the number of groups and parameters, not on the number of rows.
///
///     d_REML(θ) = log|L_θ|² + log|R_X|² + (n − p)(1 + log(2π r²(θ)/(n − p)))
///     d_ML(θ)   = log|L_θ|² + n(1 + log(2π r²(θ)/n))
public enum LinearMixedModel {
    public static func fit(_ frame: ModelFrame, reml: Bool = true) throws -> LMMFit {
        guard frame.random.count == 1, let block = frame.random.first else {
            throw LCError(.invalidArgument, frame.random.isEmpty
                ? "the formula has no random-effects term; add one such as (1 | person)"
                : "models with more than one random-effects term are not supported yet (one grouping factor only)")
        }
        let (n, p, q) = (frame.n, frame.p, block.z.count)
        guard block.levels.count > 1 else {
            throw LCError(.invalidArgument, "the grouping factor \(block.term.groupName) has only one level; it needs at least two")
        }
        guard block.levels.count < n || q > 1 else {
            throw LCError(.invalidArgument, "the grouping factor \(block.term.groupName) has as many levels as observations (\(n))")
        }
        guard n > p + (reml ? 0 : -1), p < n else {
            throw LCError(.invalidArgument, "the model has \(p) fixed effects but only \(n) usable rows")
        }
        let stats = CrossProducts(frame, block)
        guard stats.xtx.cholesky(relativeTolerance: 1e-10) != nil else {
            throw LCError(.invalidArgument, "the fixed-effects columns are linearly dependent (collinear predictors): \(frame.xNames.joined(separator: ", "))")
        }
        // θ: Λ's lower triangle column by column; diagonal ≥ 0 (lme4's order and bounds)
        var lower: [Double] = [], start: [Double] = []
        for j in 0..<q { for i in j..<q { lower.append(i == j ? 0 : -.infinity); start.append(i == j ? 1 : 0) } }
        let optimizer = NelderMead(lower: lower, upper: [Double](repeating: .infinity, count: lower.count))
        let result = optimizer.minimize(from: start) { stats.evaluate($0, reml: reml)?.criterion ?? .infinity }
        guard let at = stats.evaluate(result.x, reml: reml) else {
            throw LCError(.internalError, "the deviance is undefined at the optimum")
        }
        let lambda = stats.lambda(result.x)
        let sigma2 = at.r2 / Double(reml ? n - p : n)
        var cov = at.xtxInverse
        cov.values = cov.values.map { $0 * sigma2 }
        var reCov = lambda * lambda.transposed
        reCov.values = reCov.values.map { $0 * sigma2 }
        return LMMFit(frame: frame, reml: reml, beta: at.beta, covariance: cov, theta: result.x, sigma: sigma2.squareRoot(),
                      randomCovariance: reCov, blups: stats.blups(result.x, beta: at.beta), criterion: at.criterion,
                      evaluations: result.evaluations, converged: result.converged)
    }
}

/// The per-group cross-products of one grouping factor, and the profiled deviance from them.
struct CrossProducts {
    let n: Int, p: Int, q: Int
    var ztz: [Matrix], ztx: [Matrix], zty: [Matrix]
    var xtx: Matrix, xty: Matrix, yty = 0.0

    init(_ f: ModelFrame, _ block: ModelFrame.RandomBlock) {
        (n, p, q) = (f.n, f.p, block.z.count)
        let g = block.levels.count
        ztz = [Matrix](repeating: Matrix(rows: q, cols: q), count: g)
        ztx = [Matrix](repeating: Matrix(rows: q, cols: p), count: g)
        zty = [Matrix](repeating: Matrix(rows: q, cols: 1), count: g)
        xtx = Matrix(rows: p, cols: p)
        xty = Matrix(rows: p, cols: 1)
        for r in 0..<n {
            let k = Int(block.group[r])
            for a in 0..<q {
                let za = block.z[a][r]
                for b in 0..<q { ztz[k][a, b] += za * block.z[b][r] }
                for b in 0..<p { ztx[k][a, b] += za * f.x[b][r] }
                zty[k][a, 0] += za * f.y[r]
            }
            for a in 0..<p {
                for b in 0..<p { xtx[a, b] += f.x[a][r] * f.x[b][r] }
                xty[a, 0] += f.x[a][r] * f.y[r]
            }
            yty += f.y[r] * f.y[r]
        }
    }

    func lambda(_ theta: [Double]) -> Matrix {
        var l = Matrix(rows: q, cols: q)
        var k = 0
        for j in 0..<q { for i in j..<q { l[i, j] = theta[k]; k += 1 } }
        return l
    }

    struct Evaluation {
        let criterion: Double, r2: Double, beta: [Double], xtxInverse: Matrix
    }

    /// The profiled (RE)ML criterion at θ; nil where a factorisation fails.
    func evaluate(_ theta: [Double], reml: Bool) -> Evaluation? {
        let l = lambda(theta), lt = l.transposed
        var logDetL = 0.0, cucu = 0.0
        var xtxt = xtx, xtyt = xty
        for k in ztz.indices {
            var a = lt * ztz[k] * l
            for i in 0..<q { a[i, i] += 1 }
            guard let lk = a.cholesky() else { return nil }
            logDetL += lk.logDeterminantOfProduct
            let rzx = lk.solveLower(lt * ztx[k])
            let cu = lk.solveLower(lt * zty[k])
            for i in 0..<p {
                for j in 0..<p {
                    var s = 0.0
                    for m in 0..<q { s += rzx[m, i] * rzx[m, j] }
                    xtxt[i, j] -= s
                }
                var s = 0.0
                for m in 0..<q { s += rzx[m, i] * cu[m, 0] }
                xtyt[i, 0] -= s
            }
            for m in 0..<q { cucu += cu[m, 0] * cu[m, 0] }
        }
        guard let rx = xtxt.cholesky() else { return nil }
        let beta = rx.solveLowerTransposed(rx.solveLower(xtyt))
        var r2 = yty - cucu
        for i in 0..<p { r2 -= beta[i, 0] * xtyt[i, 0] }
        guard r2 > 0 else { return nil }
        let (nd, pd) = (Double(n), Double(p))
        let criterion = reml
            ? logDetL + rx.logDeterminantOfProduct + (nd - pd) * (1 + log(2 * Double.pi * r2 / (nd - pd)))
            : logDetL + nd * (1 + log(2 * Double.pi * r2 / nd))
        return Evaluation(criterion: criterion, r2: r2, beta: (0..<p).map { beta[$0, 0] }, xtxInverse: rx.inverseOfProduct())
    }

    /// b_k = Λ L_k⁻ᵀ (c_u − R_ZX β) for every group k.
    func blups(_ theta: [Double], beta: [Double]) -> [[Double]] {
        let l = lambda(theta), lt = l.transposed
        var b = Matrix(rows: p, cols: 1)
        for i in 0..<p { b[i, 0] = beta[i] }
        return ztz.indices.map { k in
            var a = lt * ztz[k] * l
            for i in 0..<q { a[i, i] += 1 }
            guard let lk = a.cholesky() else { return [Double](repeating: .nan, count: q) }
            let rzx = lk.solveLower(lt * ztx[k]), cu = lk.solveLower(lt * zty[k])
            var rhs = cu
            let rb = rzx * b
            for m in 0..<q { rhs[m, 0] -= rb[m, 0] }
            let u = lk.solveLowerTransposed(rhs)
            let bk = l * u
            return (0..<q).map { bk[$0, 0] }
        }
    }
}
