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
