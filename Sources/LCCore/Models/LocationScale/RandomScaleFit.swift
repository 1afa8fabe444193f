import Glibc

/// A fitted random scale effect (`RandomScaleModel`): its SD and correlation with the location
/// intercept, and each level's empirical Bayes estimates (posterior means and SDs given the
/// estimates, by the same quadrature as the likelihood, as MIXREGLS reports them).
public struct ScaleRandomFit: Sendable {
    public let group: String
    public let correlated: Bool
    /// Quadrature nodes per level (1: Laplace).
    public let nagq: Int
    /// σ_τ, the SD of the levels' log residual SDs, and its SE.
    public let sd: Double, sdSE: Double
    /// Corr(τ, u₀) with the level's location intercept (nil when independent), and its SE.
    public let correlation: Double?, correlationSE: Double?
    public let levels: [String]
    /// Per level: the location intercept's BLUP u₀ and posterior SD; τ's; and the residual SD
    /// at scale covariates 0, exp(η₀ + τ), with its posterior SD.
    public let location: [Double], locationSE: [Double]
    public let scale: [Double], scaleSE: [Double]
    public let residualSD: [Double], residualSDSE: [Double]

    var parameterCount: Int { 1 + (correlated ? 1 : 0) }
}

extension LinearMixedModel {
    /// Fits a mixed-effects location-scale model with a random scale effect by maximum likelihood
    /// (`RandomScaleModel`): starts from the fit with the scale's fixed part only (ML), then
    /// optimises β, η, T_p and J together by BFGS; SEs from the inverse of the Hessian of −2 log L.
    static func fitRandomScale(_ frame: ModelFrame, term: ScaleRandomTerm) throws -> LMMFit {
        guard frame.weights == nil else {
            throw LCError(.invalidArgument, "a random scale effect cannot be combined with prior weights yet")
        }
        let atLevel = frame.random.indices.filter { frame.random[$0].term.groupName == term.group }
        guard atLevel.count == 1, let c = atLevel.first else {
            throw LCError(.invalidArgument, atLevel.isEmpty
                ? "the random scale effect (1 | \(term.group)) needs a random intercept of \(term.group) in the mean model: add (1 | \(term.group)) to the formula"
                : "the mean model has \(atLevel.count) terms on \(term.group); a random scale effect needs one")
        }
        let levelBlock = frame.random[c]
        guard levelBlock.names.first == "(Intercept)" else {
            throw LCError(.invalidArgument, "the mean model's term on \(term.group) has no intercept; a random scale effect needs (1 | \(term.group))")
        }
        let others = frame.random.indices.filter { $0 != c }
        guard others.count <= 1 else {
            throw LCError(.invalidArgument, "a random scale effect supports one more grouping factor in the mean model, nested in \(term.group); this one has \(others.count)")
        }
        let unitBlock = others.first.map { frame.random[$0] }
        if let u = unitBlock {
            var levelOfUnit = [Int32](repeating: -1, count: u.levels.count)
            for r in 0..<frame.n {
                let k = Int(u.group[r])
                if levelOfUnit[k] < 0 { levelOfUnit[k] = levelBlock.group[r] }
                guard levelOfUnit[k] == levelBlock.group[r] else {
                    throw LCError(.invalidArgument, "\(u.term.groupName) '\(u.levels[k])' belongs to more than one \(term.group) (\(levelBlock.levels[Int(levelOfUnit[k])]) and \(levelBlock.levels[Int(levelBlock.group[r])])): a random scale effect needs the mean model's factors nested in \(term.group)")
                }
            }
        }
        let nagq = frame.options.scaleNodes
        guard (1...25).contains(nagq) else {
            throw LCError(.invalidArgument, "nagq must be between 1 (Laplace) and 25; got \(nagq)")
        }
        // the start: the fixed scale model by ML
        let residual = ResidualModel(variance: nil, scale: ScaleModel(frame), correlation: nil)
        let start = try fit(frame, reml: false, residual: residual, degreesOfFreedom: false)
        let model = RandomScaleModel(level: levelBlock.group, levels: levelBlock.levels.count, unit: unitBlock?.group,
                                     units: unitBlock?.levels.count ?? 0, zp: unitBlock?.z ?? [], zc: levelBlock.z, x: frame.x,
                                     y: frame.y, w: frame.scaleX ?? [], correlated: term.correlated, nagq: nagq)
        let sigma0 = start.sigma
        let startUnit = others.first.map { start.components[$0].lambda } ?? Matrix(rows: 0, cols: 0)
        let startLevel = start.components[c].lambda
        let (qp, qc) = (model.qp, model.qc)
        var joint = [Double](repeating: 0, count: (qc + 1) * (qc + 1))
        joint[0] = 0.2
        for i in 0..<qc { for j in 0...i { joint[(i + 1) * (qc + 1) + j + 1] = sigma0 * startLevel[i, j] } }
        var tp = [Double](repeating: 0, count: qp * qp)
        for i in 0..<qp { for j in 0...i { tp[i * qp + j] = sigma0 * startUnit[i, j] } }
        let x0 = model.vector(.init(beta: start.beta, eta: start.scale?.estimates ?? [log(sigma0)], tp: tp, joint: joint))

        // the criterion, keeping the rows' sums of the last η and the modes of the best point
        var cache = try model.unitSums(Array(x0[model.p..<(model.p + model.m + 1)]))
        var modes = [Double](repeating: 0, count: model.levels), best = Double.infinity
        func criterion(_ x: [Double]) throws -> Double {
            let eta = Array(x[model.p..<(model.p + model.m + 1)])
            if eta != cache.eta { cache = try model.unitSums(eta) }
            guard let r = try model.criterion(x, sums: cache, modes: modes) else { return .infinity }
            if r.value < best { (best, modes) = (r.value, r.modes) }
            return r.value
        }
        let result = try QuasiNewton().minimize(from: x0, criterion)
        try Monitor.check()
        let x = result.x
        let a = model.parameters(x)
        // SEs: Cov(x) = 2H⁻¹ of −2 log L
        let steps = x.map { 1e-4 * max(abs($0), 0.1) }
        let hessian = FiniteDifferences.gradientAndHessian({ (try? criterion($0)) ?? .infinity }, at: x, value: result.value, steps: steps).hessian
        let cov = hessian.cholesky()?.inverseOfProduct().scaled(2)
        func variance(_ k: Int) -> Double { cov.map { $0[k, k] } ?? .nan }
        cache = try model.unitSums(a.eta)
        let levels = try model.levelEstimates(a, cache, modes: modes)

        // the fit in the shapes every table reads
        let p = frame.p, sigma = exp(a.eta[0])
        var betaCov = Matrix(rows: p, cols: p)
        for i in 0..<p { for j in 0..<p { betaCov[i, j] = cov?[i, j] ?? .nan } }
        let e = qc + 1
        var components = [LMMFit.Component?](repeating: nil, count: frame.random.count)
        var levelCov = Matrix(rows: qc, cols: qc), levelLambda = Matrix(rows: qc, cols: qc)
        for i in 0..<qc {
            for j in 0..<qc {
                levelCov[i, j] = (0...min(i, j) + 1).reduce(0) { $0 + a.joint[(i + 1) * e + $1] * a.joint[(j + 1) * e + $1] }
            }
        }
        if let l = levelCov.cholesky() { levelLambda = l.scaled(1 / sigma) }
        components[c] = LMMFit.Component(term: levelBlock.term, names: levelBlock.names, levels: levelBlock.levels, covariance: levelCov,
                                         modes: levels.locationModes, lambda: levelLambda)
        var theta: [Double] = []
        if let u = others.first, let block = unitBlock {
            var t = Matrix(rows: qp, cols: qp)
            for i in 0..<qp { for j in 0...i { t[i, j] = a.tp[i * qp + j] } }
            components[u] = LMMFit.Component(term: block.term, names: block.names, levels: block.levels, covariance: t * t.transposed,
                                             modes: levels.unitModes, lambda: t.scaled(1 / sigma))
            for j in 0..<qp { for i in j..<qp { theta.append(t[i, j] / sigma) } }
        }
        for j in 0..<qc { for i in j..<qc { theta.append(levelLambda[i, j]) } }
        // Var(eᵢ) = σ²/wᵢ with wᵢ = exp(−2(wᵢ'η + τ̂_c)) (τ̂: the level's posterior mean)
        let scaleEta = Array(a.eta.dropFirst())
        let rowWeights = (0..<frame.n).map { r -> Double in
            var lin = levels.scale[Int(levelBlock.group[r])]
            for (j, column) in (frame.scaleX ?? []).enumerated() { lin += scaleEta[j] * column[r] }
            return exp(-2 * lin)
        }
        let etaStart = model.p
        let scaleFit = ScaleFit(formula: frame.options.scale!, terms: ["(Intercept)"] + frame.scaleNames, estimates: a.eta,
                                standardErrors: (0...model.m).map { variance(etaStart + $0).squareRoot() })
        let jointStart = model.parameterCount - model.jointCount
        let sd = abs(a.joint[0])
        var correlation: Double? = nil, correlationSE: Double? = nil
        if term.correlated {
            // ρ = sign(J₀₀) J₁₀ / √(J₁₀² + J₁₁²), its SE by the delta method over (J₀₀, J₁₀, J₁₁)
            func rho(_ j00: Double, _ j10: Double, _ j11: Double) -> Double { (j00 < 0 ? -1 : 1) * j10 / (j10 * j10 + j11 * j11).squareRoot() }
            let (j00, j10, j11) = (a.joint[0], a.joint[e], a.joint[e + 1])
            correlation = rho(j00, j10, j11)
            let h = 1e-6
            let g = [0.0, (rho(j00, j10 + h, j11) - rho(j00, j10 - h, j11)) / (2 * h), (rho(j00, j10, j11 + h) - rho(j00, j10, j11 - h)) / (2 * h)]
            let idx = [jointStart, jointStart + 1, jointStart + 2]
            var v = 0.0
            for s in 0..<3 { for t in 0..<3 { v += g[s] * g[t] * (cov?[idx[s], idx[t]] ?? .nan) } }
            correlationSE = v.squareRoot()
        }
        let random = ScaleRandomFit(group: term.group, correlated: term.correlated, nagq: nagq, sd: sd, sdSE: variance(jointStart).squareRoot(),
                                    correlation: correlation, correlationSE: correlationSE, levels: levelBlock.levels,
                                    location: levels.locationModes.map { $0[0] }, locationSE: levels.locationSE,
                                    scale: levels.scale, scaleSE: levels.scaleSE, residualSD: levels.residualSD, residualSDSE: levels.residualSDSE)
        let singular = sd < 1e-4 || (0..<qp).contains { abs(a.tp[$0 * qp + $0]) < 1e-4 } || (0..<qc).contains { abs(levelLambda[$0, $0]) < 1e-6 }
        var fit = LMMFit(frame: frame, reml: false, beta: a.beta, covariance: betaCov, theta: theta, sigma: sigma,
                         components: components.compactMap { $0 }, criterion: result.value,
                         evaluations: result.evaluations + start.evaluations, converged: result.converged,
                         df: [Double](repeating: .infinity, count: p), singular: singular, satterthwaite: nil, rowWeights: rowWeights,
                         deviance: nil, thetaLower: [], thetaSlices: [Range<Int>](repeating: 0..<0, count: frame.random.count),
                         variance: nil, scale: scaleFit, correlation: nil, residual: residual, residualParameters: scaleEta)
        fit.scaleRandom = random
        return fit
    }
}

extension RandomScaleModel {
    /// Each level's posterior means and SDs at the estimates, and each unit's posterior mean.
    struct LevelEstimates {
        var locationModes: [[Double]] = [], locationSE: [Double] = []
        var scale: [Double] = [], scaleSE: [Double] = [], residualSD: [Double] = [], residualSDSE: [Double] = []
        var unitModes: [[Double]] = []
    }

    func levelEstimates(_ a: Parameters, _ sums: UnitSums, modes: [Double]) throws -> LevelEstimates {
        var out = LevelEstimates()
        out.unitModes = [[Double]](repeating: [Double](repeating: 0, count: qp), count: units)
        var scratch = LevelScratch(self, maxUnits: maxUnitsPerLevel)
        var moments = [Double](repeating: 0, count: qc + qc * qc)
        let sigma = exp(a.eta[0])
        for c in 0..<levels {
            try Monitor.check()
            prepare(level: c, a, sums, &scratch)
            guard let integral = integrate(level: c, a, sums, &scratch, from: modes[c]) else {
                throw LCError(.internalError, "the posterior of level \(c + 1) of the scale's factor is undefined at the estimates")
            }
            var mean = [Double](repeating: 0, count: qc), second = 0.0, within = 0.0
            var tau = 0.0, tau2 = 0.0, sd = 0.0, sd2 = 0.0
            var unitMeans = [[Double]](repeating: [Double](repeating: 0, count: qp), count: unitStart[c + 1] - unitStart[c])
            for (z, w) in zip(integral.z, integral.posterior) {
                _ = moments.withUnsafeMutableBufferPointer { logIntegrand(level: c, z: z, a, sums, &scratch, modes: $0.baseAddress!) }
                for x in 0..<qc { mean[x] += w * moments[x] }
                second += w * moments[0] * moments[0]
                within += w * moments[qc]
                let t = a.joint[0] * z
                tau += w * t; tau2 += w * t * t
                let r = sigma * exp(t)
                sd += w * r; sd2 += w * r * r
                let b = unitPosteriorMeans(level: c, z: z, a, &scratch, levelMean: Array(moments[0..<qc]))
                for (k, v) in b.enumerated() { for x in 0..<qp { unitMeans[k][x] += w * v[x] } }
            }
            out.locationModes.append(mean)
            out.locationSE.append(max(0, within + second - mean[0] * mean[0]).squareRoot())
            out.scale.append(tau); out.scaleSE.append(max(0, tau2 - tau * tau).squareRoot())
            out.residualSD.append(sd); out.residualSDSE.append(max(0, sd2 - sd * sd).squareRoot())
            for (k, i) in (unitStart[c]..<unitStart[c + 1]).enumerated() { out.unitModes[i] = unitMeans[k] }
        }
        // back to the frame's unit numbering
        if qp > 0 {
            var byUnit = out.unitModes
            for (rank, unit) in unitIndex.enumerated() { byUnit[unit] = out.unitModes[rank] }
            out.unitModes = byUnit
        }
        return out
    }

    /// E[b_p | y, z, u_c = ū] = T_p A⁻¹ s T_p'(K(γ₀ − [0, ū, 0, 0]))_p per unit of level c: the units'
    /// modes given the level's, averaged over z by the caller (the level's mean stands in for
    /// E[b̃ | y, z], exact because b_p's conditional mean is linear in u_c).
    private func unitPosteriorMeans(level c: Int, z: Double, _ a: Parameters, _ s: inout LevelScratch, levelMean: [Double]) -> [[Double]] {
        guard qp > 0 else { return [] }
        let scale = exp(-2 * a.joint[0] * z)
        var out: [[Double]] = []
        for slot in 0..<(unitStart[c + 1] - unitStart[c]) {
            // A = I + sP₁; right side s(v₀ − V ū)
            var m = Matrix(rows: qp, cols: qp), rhs = Matrix(rows: qp, cols: 1)
            for x in 0..<qp {
                for y in 0..<qp { m[x, y] = scale * s.p1[(slot * qp + x) * qp + y] + (x == y ? 1 : 0) }
                var v = s.v0[slot * qp + x]
                for y in 0..<qc { v -= s.vc[(slot * qp + x) * qc + y] * levelMean[y] }
                rhs[x, 0] = scale * v
            }
            guard let l = m.cholesky() else { out.append([Double](repeating: .nan, count: qp)); continue }
            let bt = l.solveLowerTransposed(l.solveLower(rhs))
            out.append((0..<qp).map { x in (0...x).reduce(0) { $0 + a.tp[x * qp + $1] * bt[$1, 0] } })
        }
        return out
    }
}
