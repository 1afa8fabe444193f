/// The profiled (RE)ML criterion of a linear mixed model as a function of θ,
/// computed from cross-products formed once (Bates et al. 2015, §3).
protocol ProfiledDeviance {
    /// Random effects per term, in θ order (each term's Λ lower triangle, column by column).
    var effectsPerTerm: [Int] { get }
    /// X'X of the fixed effects, formed once with the other cross-products.
    var xtx: Matrix { get }
    func evaluate(_ theta: [Double], reml: Bool) -> DevianceEvaluation?
    /// The evaluation and its gradient in θ, where the engine has one (nil: derivative-free methods).
    func gradient(_ theta: [Double], reml: Bool) -> (DevianceEvaluation, DevianceGradient)?
    /// The spherical random effects u = argmin ‖y − Xβ − ZΛu‖² + ‖u‖² at the given β, per term,
    /// per level of its grouping factor (b = Λu: `conditionalModes`).
    func sphericalModes(_ theta: [Double], beta: [Double]) -> [[[Double]]]
    /// Every sum over rows that `evaluate` reads, one array per segment in the order of
    /// the engine's `rowSumSegments` (empty where the layout does not allow what
    /// follows): cross-products are linear in the rows' contributions, so the engine
    /// of row-weighted data is a weighted sum of the engines of row subsets (`RowSumParts`).
    var rowSumsBySegment: [[Double]] { get }
    /// This engine reading `sums` (in the layout of `rowSumsBySegment`) in `evaluate`;
    /// nil if the sizes do not fit. For evaluation only.
    func withRowSums(_ sums: [[Double]]) -> ProfiledDeviance?
    /// The evaluation, its gradient in θ and its gradient in the row sums of `rowSumsBySegment`
    /// (`RowSumGradient`, r²'s part weighted by `kappa(r²)`), where the engine has them (nil:
    /// derivative-free methods).
    func rowSumGradient(_ theta: [Double], reml: Bool, kappa: (Double) -> Double) -> (DevianceEvaluation, DevianceGradient, RowSumGradient)?
    /// Whether `evaluate` may run on several threads at once (no state shared between calls):
    /// then the finite differences of the Satterthwaite df evaluate their points in parallel.
    var evaluatesConcurrently: Bool { get }
    /// The engine of `frame`, which has this engine's rows and levels with other values (the
    /// working frames of PIRLS: weighted rows, another response): where the engine can, it keeps
    /// its symbolic structure and only sums the rows again.
    func refilled(_ frame: ModelFrame, order: [Int]) -> ProfiledDeviance
}

extension ProfiledDeviance {
    func refilled(_ frame: ModelFrame, order: [Int]) -> ProfiledDeviance { LinearMixedModel.engine(frame, order: order) }
}

struct DevianceEvaluation {
    let criterion: Double
    /// log|L_θ|², the log-determinant of Λ'Z'ZΛ + I.
    let logDetL: Double
    let r2: Double
    let beta: [Double]
    let xtxInverse: Matrix
}

extension ProfiledDeviance {
    var evaluatesConcurrently: Bool { false }
    func gradient(_ theta: [Double], reml: Bool) -> (DevianceEvaluation, DevianceGradient)? { nil }
    func rowSumGradient(_ theta: [Double], reml: Bool, kappa: (Double) -> Double) -> (DevianceEvaluation, DevianceGradient, RowSumGradient)? { nil }

    /// Conditional modes b = Λu, per term, per level of its grouping factor.
    func conditionalModes(_ theta: [Double], beta: [Double]) -> [[[Double]]] {
        let u = sphericalModes(theta, beta: beta)
        return u.indices.map { t in
            let l = lambda(theta, term: t)
            return u[t].map { v in v.count == l.rows ? (l * Matrix(column: v)).column(0) : v }
        }
    }

    /// Λ of term `t` from its slice of θ.
    func lambda(_ theta: [Double], term t: Int) -> Matrix { ThetaLayout.lambda(theta, sizes: effectsPerTerm, term: t) }
}

extension ThetaLayout {
    /// Λ of engine term `t` when the terms have `sizes` effects: its lower triangle, column by column.
    static func lambda(_ theta: [Double], sizes: [Int], term t: Int) -> Matrix {
        let q = sizes[t]
        var offset = 0
        for k in 0..<t { offset += sizes[k] * (sizes[k] + 1) / 2 }
        var l = Matrix(rows: q, cols: q)
        var k = offset
        for j in 0..<q { for i in j..<q { l[i, j] = theta[k]; k += 1 } }
        return l
    }
}

extension ProfiledDeviance {
    /// Finishes an evaluation from the reduced fixed-effects system:
    /// d_REML = log|L|² + log|R_X|² + (n − p)(1 + log(2π r²/(n − p))), d_ML = log|L|² + n(1 + log(2π r²/n)).
    func finish(logDetL: Double, xtxt: Matrix, xtyt: Matrix, yty: Double, cucu: Double, n: Int, reml: Bool) -> DevianceEvaluation? {
        let p = xtxt.rows
        guard let rx = xtxt.cholesky() else { return nil }
        let beta = rx.solveLowerTransposed(rx.solveLower(xtyt))
        var r2 = yty - cucu
        for i in 0..<p { r2 -= beta[i, 0] * xtyt[i, 0] }
        guard r2 > 0 else { return nil }
        let (nd, pd) = (Double(n), Double(p))
        let criterion = reml
            ? logDetL + rx.logDeterminantOfProduct + (nd - pd) * (1 + log(2 * Double.pi * r2 / (nd - pd)))
            : logDetL + nd * (1 + log(2 * Double.pi * r2 / nd))
        return DevianceEvaluation(criterion: criterion, logDetL: logDetL, r2: r2, beta: (0..<p).map { beta[$0, 0] }, xtxInverse: rx.inverseOfProduct())
    }
}

import Glibc
