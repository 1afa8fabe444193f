import Glibc

/// The coordinates of the model-based and gradient searches over θ: the entries bounded at zero
/// (the diagonal of each Λ block) on the log scale, where the criterion, like log(1 + nθ²), is
/// far closer to a quadratic than in θ and the bound disappears; the other entries as they are.
struct LogScaleTheta {
    let logged: [Bool]
    /// The search's start.
    let start: [Double]

    /// Nil for a start it cannot take: zero on a logged entry, or bounds other than 0 and −∞.
    init?(start theta: [Double], lower: [Double]) {
        let logged = lower.map { $0 == 0 }
        guard zip(theta, logged).allSatisfy({ $0 > 0 || !$1 }), lower.allSatisfy({ $0 == 0 || $0 == -.infinity }) else { return nil }
        (self.logged, start) = (logged, theta.indices.map { logged[$0] ? log(theta[$0]) : theta[$0] })
    }

    func theta(_ z: [Double]) -> [Double] { z.indices.map { logged[$0] ? exp(z[$0]) : z[$0] } }

    /// A gradient in θ carried to the search's coordinates: θᵢ ∂/∂θᵢ on the logged entries.
    func gradient(_ g: [Double], at theta: [Double]) -> [Double] { g.indices.map { logged[$0] ? g[$0] * theta[$0] : g[$0] } }

    /// The search's end z in θ (`canonical` signs); not converged where the search was not or it
    /// ends near a bound (a variance near zero, at −∞ on the log scale: θ ≤ 1e-4).
    func result(_ z: [Double], value: Double, evaluations: Int, converged: Bool, canonical: ([Double]) -> [Double]) -> NelderMead.Result {
        let x = canonical(theta(z))
        let inside = zip(x, logged).allSatisfy { !$1 || $0 > 1e-4 }
        return NelderMead.Result(x: x, value: value, evaluations: evaluations, converged: converged && inside)
    }
}

extension LogScaleTheta {
    /// BFGS on an exact gradient (`GradientBFGS`) over x with its entries bounded at zero on the
    /// log scale: `f` gives the criterion and its gradient in x (nil where undefined). Nil where
    /// the start cannot be taken or has no gradient; not converged where the search did not
    /// converge or a variance heads to zero (a singular fit: the derivative-free path handles the
    /// bound). `canonical` maps the end to the caller's signs; `startWithHessian`: as `GradientBFGS`'s.
    static func minimize(from start: [Double], lower: [Double], canonical: ([Double]) -> [Double], startWithHessian: Bool = false,
                         _ f: ([Double]) -> (value: Double, gradient: [Double])?) -> NelderMead.Result? {
        guard let scale = LogScaleTheta(start: start, lower: lower) else { return nil }
        var search = GradientBFGS()
        search.firstStep = 0.5
        search.startWithHessian = startWithHessian
        let floor = log(1e-6)
        search.stop = { z in z.indices.contains { scale.logged[$0] && z[$0] < floor } }
        let r = search.minimize(from: scale.start) { z in
            let x = scale.theta(z)
            return f(x).map { ($0.value, scale.gradient($0.gradient, at: x)) }
        }
        guard !r.value.isNaN else { return nil }      // no gradient at the start
        return scale.result(r.x, value: r.value, evaluations: r.evaluations, converged: r.converged, canonical: canonical)
    }
}
