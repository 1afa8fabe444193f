import Glibc

/// What a generalized linear mixed model fit holds fixed: the frame with its terms merged by
/// grouping factor, the engine's order of factors, the family and link, and on every row the
/// response y, the prior weight and the offset.
struct GeneralizedProblem {
    let frame: ModelFrame
    let order: [Int]
    let family: Family, link: Link
    let y: [Double], prior: [Double], offset: [Double]
    var n: Int { y.count }
    /// NB2's size k (ignored by the other families).
    var size = Double.infinity
    /// Whether PIRLS is Newton's method: the canonical link (logit, log), where Fisher scoring is, or
    /// NB2, whose working weights are the observed information (`Family.working`).
    var canonical: Bool { link == family.defaultLink }

    /// Σᵢ −2 log p(yᵢ | μᵢ = yᵢ), the saturated model's, where −2 log p(yᵢ | μ) = dᵢ(yᵢ, μ) + −2 log p(yᵢ | yᵢ)
    /// for every μ (Poisson; binomial when every trial count and success count is whole, as R's
    /// `aic` rounds them); then the log-likelihood follows from PIRLS's deviance without another pass.
    let saturated: Double?

    init(_ frame: ModelFrame, order: [Int], family: Family, link: Link) {
        (self.frame, self.order, self.family, self.link) = (frame, order, family, link)
        let (y, prior) = (frame.y, frame.weights ?? [Double](repeating: 1, count: frame.n))
        (self.y, self.prior) = (y, prior)
        offset = frame.offset ?? [Double](repeating: 0, count: frame.n)
        let whole = family == .poisson || family == .binomial && y.indices.allSatisfy { prior[$0] == prior[$0].rounded() && prior[$0] * y[$0] == (prior[$0] * y[$0]).rounded() }
        saturated = whole ? y.indices.reduce(0) { $0 + family.minusTwoLogDensity(y[$1], y[$1], weight: prior[$1]) } : nil
    }

    /// The Laplace deviance −2 log L ≈ Σ −2 log p(yᵢ | μᵢ) + ‖u‖² + log|L|² at PIRLS's result.
    func laplaceDeviance(_ r: PenalizedIRLS.Result) -> Double {
        r.logDetL + r.penalty + (saturated.map { r.devianceSum + $0 } ?? minusTwoLogLikelihood(r.state.eta))
    }

    /// η = offset + Xβ + Σₜ Zₜbₜ, with bₜ the modes of engine term t, level by level (q per level),
    /// from offset + Xβ (`fixedPart(β)`).
    func linearPredictor(fixedPart: [Double], modes b: [[Double]]) -> [Double] {
        var eta = fixedPart
        eta.withUnsafeMutableBufferPointer { eta in
            for (t, block) in order.map({ frame.random[$0] }).enumerated() {
                let q = block.z.count
                b[t].withUnsafeBufferPointer { b in
                    block.group.withUnsafeBufferPointer { g in
                        for (a, z) in block.z.enumerated() {
                            z.withUnsafeBufferPointer { z in
                                for i in 0..<n { eta[i] += z[i] * b[Int(g[i]) &* q &+ a] }
                            }
                        }
                    }
                }
            }
        }
        return eta
    }

    /// Σ of the deviance residuals at η (the conditional deviance relative to the saturated model),
    /// and μ = g⁻¹(η) on every row (for the next step's weights).
    func devianceResidualSum(_ eta: [Double]) -> (sum: Double, mu: [Double]) {
        var s = 0.0
        var mu = [Double](repeating: 0, count: n)
        mu.withUnsafeMutableBufferPointer { mu in
            eta.withUnsafeBufferPointer { eta in
                y.withUnsafeBufferPointer { y in
                    prior.withUnsafeBufferPointer { prior in
                        for i in 0..<n {
                            let m = link.inverse(eta[i])
                            mu[i] = m
                            s += family.devianceResidual(y[i], m, weight: prior[i], size: size)
                        }
                    }
                }
            }
        }
        return (s, mu)
    }

    /// −2 Σ log p(yᵢ | μᵢ) at η (R's `family$aic`, before its 2·npar).
    func minusTwoLogLikelihood(_ eta: [Double]) -> Double {
        var s = 0.0
        for i in 0..<n { s += family.minusTwoLogDensity(y[i], link.inverse(eta[i]), weight: prior[i], size: size) }
        return s
    }

    /// The weighted least-squares problem of one IRLS step at η: rows scaled by √wᵢ with the
    /// working weights wᵢ = priorᵢ (dμ/dη)²/V(μ), and the working response zᵢ = ηᵢ − offsetᵢ + (yᵢ − μᵢ)/(dμ/dη)
    /// (McCullagh & Nelder 1989, §2.5).
    func workingFrame(_ eta: [Double]) -> ModelFrame {
        let (w, z) = weightsAndResidual(eta, fixedPart: offset)
        return frame.replacingResponse(z).weighted(by: w.map { $0.squareRoot() })
    }

    /// The working weights wᵢ = priorᵢ (dμ/dη)²/V(μ) at η (NB2: the observed information,
    /// `Family.working`): with σ = 1 the fit's `rowWeights`, so that the conditional variances
    /// Λ(Λ'Z'WZΛ + I)⁻¹Λ' are glmer's `condVar`.
    func workingWeights(_ eta: [Double], mu: [Double]? = nil) -> [Double] { weightsAndResidual(eta, fixedPart: offset, mu: mu).weights }

    /// offset + Xβ on every row.
    func fixedPart(_ beta: [Double]) -> [Double] {
        var out = offset
        for (j, column) in frame.x.enumerated() where beta[j] != 0 {
            for i in 0..<n { out[i] += column[i] * beta[j] }
        }
        return out
    }

    /// The working weights and the working residual rᵢ = ηᵢ − (offset + Xβ)ᵢ + (yᵢ − μᵢ)/(dμ/dη)
    /// (the working response less the fixed part; NB2: its Newton step, `Family.working`) at η;
    /// `mu`, when given, is g⁻¹(η) already.
    func weightsAndResidual(_ eta: [Double], fixedPart xb: [Double], mu known: [Double]? = nil) -> (weights: [Double], residual: [Double]) {
        var w = [Double](repeating: 0, count: n), r = w
        w.withUnsafeMutableBufferPointer { w in
            r.withUnsafeMutableBufferPointer { r in
                eta.withUnsafeBufferPointer { eta in
                    xb.withUnsafeBufferPointer { xb in
                        y.withUnsafeBufferPointer { y in
                            prior.withUnsafeBufferPointer { prior in
                                for i in 0..<n {
                                    let (mu, d) = known.map { link.derivative(eta[i], mu: $0[i]) } ?? link.inverseAndDerivative(eta[i])
                                    let (weight, step) = family.working(y[i], mu, d, weight: prior[i], size: size)
                                    w[i] = weight
                                    r[i] = eta[i] - xb[i] + step
                                }
                            }
                        }
                    }
                }
            }
        }
        return (w, r)
    }

    /// ‖u‖².
    static func squaredLength(_ u: [[Double]]) -> Double {
        u.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } }
    }
}

/// Penalized iteratively reweighted least squares (Bates et al., lme4's "Computational methods"
/// vignette, §"PIRLS"; lme4's `pwrssUpdate`): at fixed θ the conditional modes u (and, in glmer's
/// first stage, β) minimise the penalized deviance Σ dᵢ(yᵢ, μᵢ) + ‖u‖². Each step solves the
/// weighted least-squares problem of the working response at the current μ with the linear
/// engine (which profiles β, or is given it), and halves the step while the penalized deviance
/// rises. Iterates until the point at which the last L was formed had itself moved by no more
/// than 1e-10 in any coordinate of u or β (one step past settling), so that log|L|² is exact and
/// the Laplace deviance a smooth function of the parameters (its differences give gradients;
/// lme4 stops at a relative change of 1e-7 in the penalized deviance, up to ~1e-4 off in logLik).
struct PenalizedIRLS {
    private(set) var problem: GeneralizedProblem
    /// The fast solver of scalar random effects on one or two factors at fixed β (nil otherwise).
    let scalar: ScalarModes?
    /// Random effects per engine term.
    let sizes: [Int]

    /// Where the scalar solver does not apply: the linear engine of the unweighted frame, whose
    /// structure each step's working frame refills (`ProfiledDeviance.refilled`).
    let template: ProfiledDeviance?

    init(problem: GeneralizedProblem) {
        self.problem = problem
        scalar = ScalarModes(problem)
        sizes = problem.order.map { problem.frame.random[$0].z.count }
        template = scalar == nil ? LinearMixedModel.engine(problem.frame, order: problem.order) : nil
    }

    /// η, β and the spherical modes u per engine term, level by level (`sizes[t]` per level).
    /// The same with NB2's size k (the rows' structure shared).
    func with(size k: Double) -> PenalizedIRLS {
        var copy = self
        copy.problem.size = k
        return copy
    }

    struct State {
        var eta: [Double]
        var beta: [Double]
        var u: [[Double]]
        /// g⁻¹(η), where known.
        var mu: [Double]? = nil
    }

    struct Result {
        let state: State
        /// b = Λu per engine term, level by level.
        let b: [[Double]]
        let sizes: [Int]
        /// b per engine term and level.
        var modes: [[[Double]]] {
            b.indices.map { t in stride(from: 0, to: b[t].count, by: sizes[t]).map { Array(b[t][$0..<($0 + sizes[t])]) } }
        }
        /// log|L|² of Λ'Z'WZΛ + I at the converged weights.
        let logDetL: Double
        /// The engine of the last step and its evaluation (R_X: the β covariance at fixed θ);
        /// nil from the scalar solver.
        let engine: ProfiledDeviance?
        let evaluation: DevianceEvaluation?
        /// Σ dᵢ(yᵢ, μᵢ), the deviance residuals at the modes.
        let devianceSum: Double
        let iterations: Int
        let converged: Bool
        var penalty: Double { GeneralizedProblem.squaredLength(state.u) }
    }

    /// One step's solution: β (given or profiled), u and log|L|² at the current weights.
    private struct Step {
        let beta: [Double], u: [[Double]], logDetL: Double
        let engine: ProfiledDeviance?, evaluation: DevianceEvaluation?
    }

    static let maxIterations = 100, maxHalvings = 20
    /// The largest move of u or β (relative above 1) after which the point counts as settled.
    static let tolerance = 1e-10
    /// With the canonical link PIRLS is Newton's method (quadratic convergence): a point that
    /// moved by less than 1e-7 is within ~1e-14 of the modes, and the next L is exact.
    static let canonicalTolerance = 1e-7

    /// The modes at θ (the engine's full θ) from `start`; with `beta` the fixed effects are held
    /// there (glmer's second stage), otherwise they are updated with u (its first stage). With
    /// `engine` the steps use the linear engine even where the scalar solver applies (for its R_X).
    func run(theta: [Double], beta fixed: [Double]?, from start: State, engine wanted: Bool = false) -> Result? {
        var state = start
        if let fixed { state.beta = fixed }
        let fast = wanted ? nil : scalar
        // what the working residual is taken from: offset + Xβ at fixed β, the offset alone otherwise
        let fixedPart = fixed.map { problem.fixedPart($0) } ?? problem.offset
        var pdev = Double.infinity, previousMove = Double.infinity, devianceSum = Double.infinity
        for iteration in 1...Self.maxIterations {
            // L is formed at `state`: its log-determinant is exact once `state` itself had settled
            let settled = previousMove < (problem.canonical ? Self.canonicalTolerance : Self.tolerance)
            if settled, let solver = fast {
                // the scalar solver's log|L|² needs only the factor at the settled weights: the step
                // from there would move by ~move² (PIRLS is Newton's method) and change nothing
                guard let f = solver.factor(theta: theta, weights: problem.workingWeights(state.eta, mu: state.mu)) else { return nil }
                return Result(state: state, b: modes(theta, state.u), sizes: sizes, logDetL: f.logDetL, engine: nil, evaluation: nil,
                              devianceSum: devianceSum, iterations: iteration, converged: true)
            }
            let step: Step
            if let solver = fast {
                let (w, r) = problem.weightsAndResidual(state.eta, fixedPart: fixedPart, mu: state.mu)
                if fixed != nil {
                    guard let s = solver.solve(theta: theta, weights: w, residual: r) else { return nil }
                    step = Step(beta: state.beta, u: s.u, logDetL: s.logDetL, engine: nil, evaluation: nil)
                } else {
                    guard let s = solver.solveJoint(theta: theta, weights: w, response: r, x: problem.frame.x) else { return nil }
                    step = Step(beta: s.beta, u: s.u, logDetL: s.logDetL, engine: nil, evaluation: nil)
                }
            } else {
                let working = problem.workingFrame(state.eta)
                let engine = template?.refilled(working, order: problem.order) ?? LinearMixedModel.engine(working, order: problem.order)
                guard let evaluation = engine.evaluate(theta, reml: false) else { return nil }
                let beta = fixed ?? evaluation.beta
                step = Step(beta: beta, u: engine.sphericalModes(theta, beta: beta).map { $0.flatMap { $0 } }, logDetL: evaluation.logDetL,
                            engine: engine, evaluation: evaluation)
            }
            guard step.u.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { return nil }
            var next = State(eta: [], beta: step.beta, u: step.u)
            // the full step's size: halving near the optimum (where rounding moves the penalized
            // deviance by ~1e-12 either way) must not pass for convergence
            let moved = max(Self.largestChange(next.u, state.u), Self.largestChange([next.beta], [state.beta]))
            var value = Double.infinity
            for halving in 0...Self.maxHalvings {
                if halving > 0 {
                    // halve the step towards the previous point, as lme4 does
                    next.u = zip(next.u, state.u).map { zip($0, $1).map { ($0 + $1) / 2 } }
                    if fixed == nil { next.beta = zip(next.beta, state.beta).map { ($0 + $1) / 2 } }
                }
                next.eta = problem.linearPredictor(fixedPart: fixed == nil ? problem.fixedPart(next.beta) : fixedPart,
                                                   modes: modes(theta, next.u))
                (devianceSum, next.mu) = problem.devianceResidualSum(next.eta)
                value = devianceSum + GeneralizedProblem.squaredLength(next.u)
                if value.isFinite && (value <= pdev + 1e-10 * abs(pdev) || iteration == 1) { break }
            }
            guard value.isFinite else { return nil }
            (state, pdev, previousMove) = (next, value, moved)
            if settled || iteration == Self.maxIterations {
                return Result(state: state, b: modes(theta, state.u), sizes: sizes, logDetL: step.logDetL,
                              engine: step.engine, evaluation: step.evaluation, devianceSum: devianceSum,
                              iterations: iteration, converged: settled)
            }
        }
        return nil
    }

    /// b = Λu per engine term, level by level.
    func modes(_ theta: [Double], _ u: [[Double]]) -> [[Double]] {
        u.indices.map { t in
            let q = sizes[t], l = ThetaLayout.lambda(theta, sizes: sizes, term: t)
            if q == 1 { let lambda = l[0, 0]; return u[t].map { lambda * $0 } }
            var b = u[t]
            for level in 0..<(u[t].count / q) {
                for a in 0..<q { b[level * q + a] = (0...a).reduce(0) { $0 + l[a, $1] * u[t][level * q + $1] } }
            }
            return b
        }
    }

    private static func largestChange(_ a: [[Double]], _ b: [[Double]]) -> Double {
        var m = 0.0
        for (x, y) in zip(a, b) { for (s, t) in zip(x, y) { m = max(m, abs(s - t) / max(1, abs(t))) } }
        return m
    }
}
