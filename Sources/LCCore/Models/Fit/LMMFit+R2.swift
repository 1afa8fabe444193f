/// R² of a mixed model (Nakagawa & Schielzeth 2013, Methods Ecol. Evol. 4:133; random
/// slopes by Johnson 2014, Methods Ecol. Evol. 5:944), as `performance::r2_nakagawa`:
///
///     σ²_f = Var(Xβ̂) (n − 1),   σ²_r = Σ_terms mean_i z_i'Σ z_i,   σ²_ε = σ̂²
///     marginal = σ²_f / (σ²_f + σ²_r + σ²_ε),   conditional = (σ²_f + σ²_r) / (σ²_f + σ²_r + σ²_ε)
///
/// z_i are row i's random-effect columns and Σ the term's covariance. When every random
/// variance is zero (a singular fit) the conditional R² is NaN, as performance reports NA.
extension LMMFit {
    public func r2() -> (marginal: Double, conditional: Double, notes: [String]) {
        let n = frame.n
        let linear = (0..<n).map { i in frame.x.indices.reduce(0) { $0 + frame.x[$1][i] * beta[$1] } }
        let mean = linear.reduce(0, +) / Double(n)
        let fixedVariance = linear.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(n - 1, 1))
        var randomVariance = 0.0
        for (c, block) in zip(components, frame.random) {
            var s = 0.0
            for i in 0..<n {
                for a in block.z.indices { for b in block.z.indices { s += block.z[a][i] * c.covariance[a, b] * block.z[b][i] } }
            }
            randomVariance += s / Double(n)
        }
        var notes = ["R² of Nakagawa & Schielzeth (2013) with Johnson's (2014) random slopes, as performance::r2_nakagawa"]
        var residual = sigma * sigma
        if let g = generalized {
            notes.append(g.distributionVarianceNote)
            guard let v = g.distributionVariance else { return (.nan, .nan, notes) }
            residual = v
        }
        let total = fixedVariance + randomVariance + residual
        let allZero = components.allSatisfy { c in (0..<c.covariance.rows).allSatisfy { c.covariance[$0, $0] == 0 } }
        if allZero { notes.append("the random-effect variances are zero (singular fit): the conditional R² is undefined") }
        return (fixedVariance / total, allZero ? .nan : (fixedVariance + randomVariance) / total, notes)
    }
}
