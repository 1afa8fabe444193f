import Glibc

/// Adaptive Gauss–Hermite quadrature of a generalized model with one grouping factor of one
/// scalar random effect (lme4's `glmerAGQ`, nAGQ > 1; Pinheiro & Bates 1995, *J Comput Graph
/// Stat* 4). The levels are independent given the parameters, so the integral over u factors
/// into one per level j, centred at the conditional mode uⱼ and scaled by sⱼ = 1/Lⱼⱼ
/// (Lⱼⱼ² = 1 + λ²Σᵢ∈ⱼ wᵢzᵢ², the working weights at the mode):
///
///     dⱼ(v) = v² + Σᵢ∈ⱼ dᵢ(yᵢ, μᵢ(v)),   mⱼ = Σₖ wₖ exp(zₖ²/2 − (dⱼ(uⱼ + zₖsⱼ) − dⱼ(uⱼ))/2)
///     deviance = Σⱼ dⱼ(uⱼ) + Σⱼ log Lⱼⱼ² − 2 Σⱼ log mⱼ
///
/// with (zₖ, wₖ) the rule for the standard normal density. As in lme4, the dᵢ are deviance
/// residuals (relative to the saturated model), so −deviance/2 is glmer's logLik for nAGQ > 1
/// (for 0/1 responses it is the log-likelihood itself). With one node it is the Laplace value.
struct GeneralizedQuadrature {
    let problem: GeneralizedProblem
    let nodes: [Double], weights: [Double]

    init(_ problem: GeneralizedProblem, count: Int) {
        let rule = GaussHermite(count)
        self.problem = problem
        nodes = rule.nodes.map { $0 * 2.0.squareRoot() }
        weights = rule.weights.map { $0 / Double.pi.squareRoot() }
    }

    func deviance(theta: [Double], at r: PenalizedIRLS.Result) -> Double {
        let p = problem, block = p.frame.random[p.order[0]], z = block.z[0], g = block.levels.count
        let lambda = theta[0], eta = r.state.eta
        var l2 = [Double](repeating: 1, count: g), d0 = [Double](repeating: 0, count: g)
        for j in 0..<g { d0[j] = r.state.u[0][j] * r.state.u[0][j] }
        let w = p.workingWeights(eta)
        for i in 0..<p.n {
            let j = Int(block.group[i])
            l2[j] += lambda * lambda * w[i] * z[i] * z[i]
            d0[j] += p.family.devianceResidual(p.y[i], p.link.inverse(eta[i]), weight: p.prior[i])
        }
        let scale = l2.map { 1 / $0.squareRoot() }
        var sum = [Double](repeating: 0, count: g)
        for (k, node) in nodes.enumerated() {
            guard node != 0 else { for j in 0..<g { sum[j] += weights[k] }; continue }
            var dk = (0..<g).map { j -> Double in let v = r.state.u[0][j] + node * scale[j]; return v * v }
            for i in 0..<p.n {
                let j = Int(block.group[i])
                let mu = p.link.inverse(eta[i] + lambda * z[i] * node * scale[j])
                dk[j] += p.family.devianceResidual(p.y[i], mu, weight: p.prior[i])
            }
            for j in 0..<g { sum[j] += weights[k] * exp(node * node / 2 - (dk[j] - d0[j]) / 2) }
        }
        var value = 0.0
        for j in 0..<g { value += d0[j] + log(l2[j]) - 2 * log(sum[j]) }
        return value
    }
}
