import Glibc

/// The Laplace (or adaptive Gauss–Hermite) deviance of a generalized model as a function of the
/// free covariance parameters θ and the fixed effects β (glmer's second-stage `devfun`, nAGQ ≥ 1):
///
///     d(θ, β) = Σᵢ −2 log p(yᵢ | μᵢ) + ‖ũ‖² + log|L_θ|²
///
/// at the conditional modes ũ(θ, β) found by PIRLS from a given state. What the fit optimises
/// and the profile (`GeneralizedProfile`) holds one parameter of. A family with a dispersion
/// parameter (NB2's size k) takes log k as the last coordinate, after β (glmmTMB's `betad`).
struct GeneralizedDeviance {
    let problem: GeneralizedProblem
    let pirls: PenalizedIRLS
    let quadrature: GeneralizedQuadrature?
    /// Free θ (lme4's getME(, "theta") order) to the engine's full θ.
    let layout: ThetaLayout
    /// Per engine factor, the original random terms merged into it.
    let members: [[Int]]
    /// Free θ's count (read at every evaluation, so kept rather than recounted from the layout).
    let thetaCount: Int
    /// Whether x ends with log k.
    var dispersed: Bool { problem.family.hasDispersion }

    init(_ original: ModelFrame, family: Family, link: Link, nagq: Int) {
        let (frame, members) = original.mergingTermsByFactor()
        let order = frame.random.indices.sorted { frame.random[$0].levels.count > frame.random[$1].levels.count }
        self.members = members
        layout = ThetaLayout(memberSizes: order.map { b in members[b].map { original.random[$0].z.count } })
        thetaCount = layout.lowerAndStart.lower.count
        problem = GeneralizedProblem(frame, order: order, family: family, link: link)
        pirls = PenalizedIRLS(problem: problem)
        quadrature = nagq > 1 ? GeneralizedQuadrature(problem, count: nagq) : nil
    }

    /// d(θ, β) at x = (free θ, β), PIRLS from `start`; nil where PIRLS fails or d is not finite.
    func evaluate(_ x: [Double], from start: PenalizedIRLS.State, engine: Bool = false) -> (value: Double, result: PenalizedIRLS.Result)? {
        let theta = layout.expand(Array(x[..<thetaCount]))
        let solver = self.pirls(x)
        guard let r = solver.run(theta: theta, beta: Array(x[thetaCount..<(thetaCount + problem.frame.p)]), from: start, engine: engine) else { return nil }
        let value = quadrature.map { $0.deviance(theta: theta, at: r) }
            ?? solver.problem.laplaceDeviance(r)
        return value.isFinite ? (value, r) : nil
    }

    /// PIRLS at x's dispersion (x's last coordinate, log k, where the family has one).
    func pirls(_ x: [Double]) -> PenalizedIRLS {
        guard dispersed, let logSize = x.last else { return pirls }
        return pirls.with(size: exp(logSize))
    }

    /// u = 0 and η = offset + Xβ: a start for PIRLS at β.
    func state(beta: [Double]) -> PenalizedIRLS.State {
        let frame = problem.frame
        let zero = problem.order.map { b in [Double](repeating: 0, count: frame.random[b].z.count * frame.random[b].levels.count) }
        return PenalizedIRLS.State(eta: problem.fixedPart(beta), beta: beta, u: zero)
    }
}
