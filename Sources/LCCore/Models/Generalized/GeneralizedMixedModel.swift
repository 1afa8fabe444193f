import Glibc

/// Generalized linear mixed models fitted as lme4's `glmer` fits them (Bates et al., lme4's
/// "Computational methods" vignette; Bates, Mächler, Bolker & Walker 2015, JSS 67(1)):
///
///     −2 log L(θ, β) ≈ Σᵢ −2 log p(yᵢ | μᵢ) + ‖ũ‖² + log|L_θ|²        (Laplace, nAGQ = 1)
///
/// at the conditional modes ũ found by penalized IRLS (`PenalizedIRLS`), L_θ the Cholesky factor
/// of Λ'Z'WZΛ + I at the working weights W there. As glmer: a first stage optimises θ with β
/// updated inside PIRLS (glmer's nAGQ = 0 fit), a second stage θ and β together from there
/// (quasi-Newton steps on finite-difference gradients; the criterion is smooth because PIRLS
/// converges to 1e-10). For one grouping factor of a scalar effect, `nagq` > 1 replaces the
/// Laplace value by adaptive Gauss–Hermite quadrature (`GeneralizedQuadrature`). The fixed
/// effects' covariance is 2H⁻¹'s β block, H the finite-difference Hessian of the criterion over
/// (θ, β) at the optimum (glmer's default, `use.hessian = TRUE`), or (R_X'R_X)⁻¹ where H is not
/// positive definite, with a note.
public enum GeneralizedMixedModel {
    public static let maximumNodes = 25

    public static func fit(_ original: ModelFrame) throws -> LMMFit {
        guard let family = original.options.family else {
            throw LCError(.invalidArgument, "a generalized model needs a family (binomial or poisson)")
        }
        let link = original.options.link ?? family.defaultLink
        try family.check(link)
        guard original.options.scale == nil else {
            throw LCError(.invalidArgument, "a scale formula models a residual SD; a \(family.rawValue) model has none")
        }
        let nagq = original.options.glmmNodes
        guard (1...maximumNodes).contains(nagq) else {
            throw LCError(.invalidArgument, "nagq is \(nagq); it must be 1 (Laplace) to \(maximumNodes)")
        }
        try LinearMixedModel.validate(original)
        let deviance = GeneralizedDeviance(original, family: family, link: link, nagq: nagq)
        let (problem, pirls, layout, members) = (deviance.problem, deviance.pirls, deviance.layout, deviance.members)
        let (frame, order) = (problem.frame, problem.order)
        if nagq > 1 && family.hasDispersion {
            throw LCError(.invalidArgument, "nagq > 1 is for binomial and Poisson models (as glmer); a \(family.rawValue) model is fitted by the Laplace approximation (as glmmTMB): use nagq = 1")
        }
        if nagq > 1 && (order.count != 1 || frame.random[0].z.count != 1) {
            throw LCError(.invalidArgument, "nagq > 1 needs a single grouping factor with one random effect (as glmer); this model has \(frame.random.reduce(0) { $0 + $1.z.count }) random effects on \(order.count) factor\(order.count == 1 ? "" : "s"); use nagq = 1 (Laplace)")
        }
        try LinearMixedModel.reserveMemory(frame, order: order)
        guard FixedCrossProducts.of(frame).0.cholesky(relativeTolerance: 1e-10) != nil else {
            throw LCError(.invalidArgument, "the fixed-effects columns are linearly dependent (collinear predictors): \(frame.xNames.joined(separator: ", "))")
        }
        let (n, p) = (frame.n, frame.p)

        // first stage: θ, with β in PIRLS, from R's mustart and u = 0
        let eta0 = (0..<n).map { link.link(family.start(problem.y[$0], weight: problem.prior[$0])) }
        var warm = deviance.state(beta: [Double](repeating: 0, count: p))
        warm.eta = eta0
        let (lower, thetaStart) = layout.lowerAndStart
        let thetaCount = lower.count
        // NB2's log k rides along after θ (here) and after β (in the second stage), from k = 1
        let dispersion: [Double] = family.hasDispersion ? [0] : []
        let start = thetaStart + dispersion
        // (only a start for the second stage, which refines θ: quasi-Newton steps to a loose tolerance)
        func firstCriterion(_ x: [Double], from start: PenalizedIRLS.State) -> (Double, PenalizedIRLS.State)? {
            let solver = deviance.pirls(x)
            guard let r = solver.run(theta: layout.expand(Array(x[..<thetaCount])), beta: nil, from: start) else { return nil }
            return (solver.problem.laplaceDeviance(r), r.state)
        }
        // a gradient's points each start PIRLS from the current point's modes (nothing shared), on all cores
        var firstQuasiNewton = QuasiNewton(tolerance: 1e-4)
        firstQuasiNewton.gradientPoints = { points in
            let from = warm
            return FiniteDifferences.values({ firstCriterion($0, from: from)?.0 ?? .infinity }, at: points, concurrent: true)
        }
        let firstSearch = firstQuasiNewton.minimize(from: start) { x in
            guard let (value, state) = firstCriterion(x, from: warm) else { return .infinity }
            warm = state
            return value
        }
        let first = (x: layout.canonical(Array(firstSearch.x[..<thetaCount])) + Array(firstSearch.x[thetaCount...]),
                     evaluations: firstSearch.evaluations)
        try Monitor.check()
        guard let firstFit = deviance.pirls(first.x).run(theta: layout.expand(Array(first.x[..<thetaCount])), beta: nil, from: warm) else {
            throw LCError(.invalidArgument, "penalized IRLS failed at the first stage's estimate (the \(family.rawValue) model cannot be fitted to these data)")
        }
        warm = firstFit.state

        // second stage: θ and β together
        func criterion(_ x: [Double], engine: Bool = false, from start: PenalizedIRLS.State? = nil) -> (Double, PenalizedIRLS.Result)? {
            deviance.evaluate(x, from: start ?? warm, engine: engine)
        }
        let secondCriterion = { (x: [Double]) -> Double in
            guard let (value, r) = criterion(x) else { return .infinity }
            warm = r.state
            return value
        }
        var secondQuasiNewton = QuasiNewton(tolerance: 1e-9)
        secondQuasiNewton.gradientPoints = { points in
            let from = warm
            return FiniteDifferences.values({ criterion($0, from: from)?.0 ?? .infinity }, at: points, concurrent: true)
        }
        let second = secondQuasiNewton.minimize(from: Array(first.x[..<thetaCount]) + firstFit.state.beta + Array(first.x[thetaCount...]),
                                                secondCriterion)
        try Monitor.check()
        let x = layout.canonical(Array(second.x[..<thetaCount])) + Array(second.x[thetaCount...])
        guard let (value, result) = criterion(x, engine: true), let engine = result.engine, let evaluation = result.evaluation else {
            throw LCError(.internalError, "the deviance is undefined at the optimum")
        }
        let theta = layout.expand(Array(x[..<thetaCount])), beta = Array(x[thetaCount..<(thetaCount + p)])

        // the fixed effects' covariance: 2H⁻¹ over (θ, β), glmer's default. Steps of about 3% of
        // each parameter's SE (0.03/√Hᵢᵢ from a first pass of the diagonal): small enough that the
        // criterion is nearly quadratic over them, large enough that PIRLS's rounding (~1e-12
        // relative) stays far below the differences, whatever the parameters' scales
        let steps = x.indices.map { i -> Double in
            let h = 1e-3 * max(abs(x[i]), 0.1)
            var a = x, b = x
            a[i] += h; b[i] -= h
            let curvature = (secondCriterion(a) - 2 * value + secondCriterion(b)) / (h * h)
            return curvature.isFinite && curvature > 0 ? min(0.03 / curvature.squareRoot(), 0.1 * max(abs(x[i]), 1)) : h
        }
        // the Hessian's points each start PIRLS from the optimum's modes (nothing shared), on all cores
        let optimum = result.state
        let hessian = FiniteDifferences.gradientAndHessian({ criterion($0, from: optimum)?.0 ?? .infinity }, at: x, value: value,
                                                           steps: steps, concurrent: true).hessian
        var notes: [String] = []
        let covariance: Matrix, fromHessian: Bool
        let inverse = hessian.cholesky()?.inverseOfProduct()
        if let inverse {
            fromHessian = true
            var c = Matrix(rows: p, cols: p)
            for i in 0..<p { for j in 0..<p { c[i, j] = 2 * inverse[thetaCount + i, thetaCount + j] } }
            covariance = c
        } else {
            (covariance, fromHessian) = (evaluation.xtxInverse, false)
            notes.append("the Hessian of the deviance over (theta, beta) is not positive definite: fixed-effect SEs from (R_X'R_X)^-1 at the estimated theta (glmer's use.hessian = FALSE)")
        }
        if nagq > 1 && family == .binomial && (problem.prior.contains { $0 != 1 }) || nagq > 1 && family == .poisson {
            notes.append("logLik with \(nagq) quadrature nodes is relative to the saturated model, as glmer's for nAGQ > 1 (its deviance residuals, not -2 log p(y)); Laplace fits (nagq = 1) give the full log-likelihood")
        }
        notes += separationNotes(problem, result.state.eta, beta: beta, covariance: covariance)
        let (components, singular) = LMMFit.components(original, order: order, members: members, engine: engine,
                                                       theta: theta, modes: result.modes, sigma2: 1)
        var fit = LMMFit(frame: original, reml: false, beta: beta, covariance: covariance, theta: Array(x[..<thetaCount]), sigma: 1,
                         components: components, criterion: value, evaluations: first.evaluations + second.evaluations,
                         converged: second.converged && result.converged, df: [Double](repeating: .nan, count: p),
                         singular: singular, satterthwaite: nil, rowWeights: deviance.pirls(x).problem.workingWeights(result.state.eta),
                         deviance: nil, thetaLower: lower,
                         thetaSlices: LMMFit.thetaSlices(original, order: order, members: members), variance: nil, scale: nil,
                         correlation: nil, residual: ResidualModel(variance: nil, scale: nil, correlation: nil), residualParameters: [])
        fit.generalized = GeneralizedFit(family: family, link: link, nagq: nagq,
                                         stageEvaluations: (first.evaluations, second.evaluations), hessianCovariance: fromHessian,
                                         notes: notes, nullMean: family == .binomial ? nil : try nullMean(original, beta: beta),
                                         dispersion: family.hasDispersion ? exp(x[x.count - 1]) : nil,
                                         logDispersionSE: family.hasDispersion ? inverse.map { (2 * $0[x.count - 1, x.count - 1]).squareRoot() } ?? .nan : nil)
        return fit
    }

    /// exp(β₀) of the Poisson (or NB2) null model: an intercept and the same random terms, offset and
    /// weights (insight's `null_model`); this fit's own when it has an intercept only. nil when the
    /// null model cannot be fitted (R² and the ICC then say so).
    private static func nullMean(_ frame: ModelFrame, beta: [Double]) throws -> Double? {
        if frame.xNames == ["(Intercept)"] { return exp(beta[0]) }
        do {
            return exp(try fit(frame.interceptOnly()).beta[0])
        } catch let error as LCError where error.code == .cancelled || error.code == .limit {
            throw error
        } catch {
            return nil
        }
    }

    /// Complete or quasi-complete separation shows as fitted means numerically at the bounds
    /// (R's glm warns when μ is within 10ε of 0 or 1) with fixed effects running off to infinity.
    private static func separationNotes(_ problem: GeneralizedProblem, _ eta: [Double], beta: [Double], covariance: Matrix) -> [String] {
        let bound = 10 * Double.ulpOfOne
        let extreme = eta.indices.filter { i in
            let mu = problem.link.inverse(eta[i])
            return problem.family == .binomial ? (mu < bound || mu > 1 - bound) : mu < bound
        }
        guard !extreme.isEmpty else { return [] }
        let large = beta.indices.filter { abs(beta[$0]) > 10 && covariance[$0, $0].squareRoot() > abs(beta[$0]) / 2 }
            .map { problem.frame.xNames[$0] }
        return ["\(extreme.count) fitted \(problem.family == .binomial ? "probabilities are" : "means are") numerically \(problem.family == .binomial ? "0 or 1" : "0") (as R's glm warns): complete or quasi-complete separation"
                + (large.isEmpty ? "" : "; the estimates of \(large.joined(separator: ", ")) are not finite (they grew without bound)")]
    }
}
