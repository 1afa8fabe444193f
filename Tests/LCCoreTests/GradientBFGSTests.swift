import Glibc
import Testing
@testable import LCCore

/// BFGS on exact gradients: known minima in few steps, and near the optimum of a criterion whose
/// values carry rounding (as a sum over many rows does) the gradient, not the values, decides.
struct GradientBFGSTests {
    /// f = (x − a)'A(x − a) + 3, A positive definite and coupled, and its gradient.
    static let a = [1.5, -0.5, 2.0]
    static func quadratic(_ x: [Double]) -> (value: Double, gradient: [Double]) {
        let d = zip(x, a).map { $0 - $1 }
        let value = 2 * d[0] * d[0] + d[1] * d[1] + 3 * d[2] * d[2] + d[0] * d[1] - 0.5 * d[1] * d[2] + 3
        return (value, [4 * d[0] + d[1], 2 * d[1] + d[0] - 0.5 * d[2], 6 * d[2] - 0.5 * d[1]])
    }

    @Test func quadraticAndRosenbrock() {
        let q = GradientBFGS().minimize(from: [0, 0, 0], Self.quadratic)
        #expect(q.converged)
        for (x, t) in zip(q.x, Self.a) { #expect(abs(x - t) < 1e-7, "\(q.x)") }
        #expect(q.evaluations < 20, "\(q.evaluations) evaluations")
        let r = GradientBFGS().minimize(from: [-1.2, 1]) { x in
            let (u, v) = (x[1] - x[0] * x[0], 1 - x[0])
            return (100 * u * u + v * v, [-400 * x[0] * u - 2 * v, 200 * u])
        }
        #expect(r.converged)
        #expect(abs(r.x[0] - 1) < 1e-6 && abs(r.x[1] - 1) < 1e-6, "\(r.x)")
    }

    /// Curvatures six orders of magnitude apart and coupled (as η's beside θ's in a scale model):
    /// from the Hessian by differences of the gradient, BFGS needs far fewer evaluations (its own
    /// n included) than from the rescaled identity, and ends at the same minimum.
    @Test func aStartingHessianForCurvaturesFarApart() {
        func f(_ x: [Double]) -> (value: Double, gradient: [Double]) {
            let (a, b, c, d) = (x[0] - 1, x[1] + 2, x[2] - 0.5, x[3])
            let value = 1e6 * a * a + 2e5 * a * b + 1e5 * b * b + c * c + 0.5 * c * d + d * d + exp(0.1 * d)
            return (value, [2e6 * a + 2e5 * b, 2e5 * a + 2e5 * b, 2 * c + 0.5 * d, 0.5 * c + 2 * d + 0.1 * exp(0.1 * d)])
        }
        let plain = GradientBFGS().minimize(from: [0, 0, 0, 0], f)
        var search = GradientBFGS()
        search.startWithHessian = true
        let started = search.minimize(from: [0, 0, 0, 0], f)
        #expect(plain.converged && started.converged)
        for (x, y) in zip(started.x, plain.x) { #expect(abs(x - y) < 1e-6, "\(started.x) against \(plain.x)") }
        #expect(started.evaluations < plain.evaluations / 2, "\(started.evaluations) against \(plain.evaluations) evaluations")
    }

    /// Rosenbrock's function plus 1000, its values with rounding of 5e-12 relative (a
    /// deterministic, ragged error of 5e-9) added: the minimiser is still found to 1e-6, where the
    /// values alone cannot tell points apart (the valley's least curvature is about 0.4, so 5e-9
    /// hides a distance of 1e-4). Judged by the values alone (noise 0) the search stops short.
    @Test func roundingInTheValuesDoesNotStopTheSearch() {
        func noisy(_ x: [Double]) -> (value: Double, gradient: [Double]) {
            let (u, v) = (x[1] - x[0] * x[0], 1 - x[0])
            let value = 1000 + 100 * u * u + v * v
            return (value * (1 + 5e-12 * sin(1e9 * (x[0] + 2 * x[1]))), [-400 * x[0] * u - 2 * v, 200 * u])
        }
        func error(_ x: [Double]) -> Double { max(abs(x[0] - 1), abs(x[1] - 1)) }
        let found = GradientBFGS().minimize(from: [-1.2, 1], noisy)
        #expect(found.converged)
        #expect(error(found.x) < 1e-6, "\(found.x)")
        var valuesOnly = GradientBFGS()
        valuesOnly.noise = 0
        let stopped = valuesOnly.minimize(from: [-1.2, 1], noisy)
        #expect(error(stopped.x) > 10 * error(found.x), "values only: \(stopped.x), with the gradient: \(found.x)")
    }
}
