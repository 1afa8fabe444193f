/// An engine that keeps its last few gradients (`ProfiledDeviance.gradient`), and answers an
/// evaluation or a gradient at a θ it holds from them: a fit asks again at the optimum, which
/// the gradient search's last step evaluated (the evaluation for the estimates, the centre of
/// the Satterthwaite Hessian), and each would cost a factorization, or the whole gradient,
/// again. Everything else goes to the engine it wraps.
struct RecentGradients: ProfiledDeviance {
    let base: ProfiledDeviance
    private let recent = RecentCache<(DevianceEvaluation, DevianceGradient)>(capacity: 2)

    init(_ base: ProfiledDeviance) { self.base = base }

    var effectsPerTerm: [Int] { base.effectsPerTerm }
    var xtx: Matrix { base.xtx }
    var evaluatesConcurrently: Bool { base.evaluatesConcurrently }
    var rowSumsBySegment: [[Double]] { base.rowSumsBySegment }

    func evaluate(_ theta: [Double], reml: Bool) -> DevianceEvaluation? {
        recent.held(Self.key(theta, reml))?.0 ?? base.evaluate(theta, reml: reml)
    }

    func gradient(_ theta: [Double], reml: Bool) -> (DevianceEvaluation, DevianceGradient)? {
        recent.value(for: Self.key(theta, reml)) { base.gradient(theta, reml: reml) }
    }

    func sphericalModes(_ theta: [Double], beta: [Double]) -> [[[Double]]] { base.sphericalModes(theta, beta: beta) }
    func withRowSums(_ sums: [[Double]]) -> ProfiledDeviance? { base.withRowSums(sums) }
    func rowSumGradient(_ theta: [Double], reml: Bool, kappa: (Double) -> Double) -> (DevianceEvaluation, DevianceGradient, RowSumGradient)? {
        base.rowSumGradient(theta, reml: reml, kappa: kappa)
    }
    func refilled(_ frame: ModelFrame, order: [Int]) -> ProfiledDeviance { base.refilled(frame, order: order) }

    private static func key(_ theta: [Double], _ reml: Bool) -> [Double] { theta + [reml ? 1 : 0] }
}
