import Glibc
import Testing
@testable import LCCore

/// The model-based trust-region search: it finds known minima (a quadratic is its own model, so
/// it needs few points beyond the first design; Rosenbrock's valley and a function like a
/// mixed model's criterion in log θ take longer), its subproblem step is the exact one, and the
/// small dense solve behind its models inverts what it should.
struct ModelTrustRegionTests {
    @Test func quadraticIsFoundInFewEvaluations() {
        // f = (x − a)'A(x − a) + 3 with A positive definite, coupled
        let a = [1.5, -0.5, 2.0]
        func f(_ x: [Double]) -> Double {
            let d = zip(x, a).map { $0 - $1 }
            return 2 * d[0] * d[0] + d[1] * d[1] + 3 * d[2] * d[2] + d[0] * d[1] - 0.5 * d[1] * d[2] + 3
        }
        var search = ModelTrustRegion()
        search.finalRadius = 1e-8
        let r = search.minimize(from: [0, 0, 0], f)
        #expect(r.converged)
        for (x, t) in zip(r.x, a) { #expect(abs(x - t) < 1e-6, "\(r.x)") }
        #expect(abs(r.value - 3) < 1e-10)
        #expect(r.evaluations < 60, "\(r.evaluations) evaluations")
    }

    @Test func rosenbrockAndACriterionLikeAMixedModels() {
        var search = ModelTrustRegion()
        search.initialRadius = 0.5
        search.finalRadius = 1e-7
        let rosenbrock = search.minimize(from: [-1.2, 1]) { x in 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]) }
        #expect(rosenbrock.converged)
        #expect(abs(rosenbrock.x[0] - 1) < 1e-4 && abs(rosenbrock.x[1] - 1) < 1e-4, "\(rosenbrock.x)")
        // Σ log(1 + nₖθₖ²) + m log(c − Σ ...): a profiled criterion's shape in z = log θ
        func criterion(_ z: [Double]) -> Double {
            let t = z.map { exp($0) }
            let n = [20.0, 5.0], target = [0.8, 0.3]
            var v = 0.0
            for k in 0..<2 { v += 30 * log(1 + n[k] * t[k] * t[k]) + 30 * n[k] * target[k] * target[k] / (t[k] * t[k]) * 0.1 }
            return v
        }
        let r = search.minimize(from: [0, 0], criterion)
        #expect(r.converged)
        // stationary: central differences of the criterion vanish at the result
        for i in 0..<2 {
            var up = r.x, down = r.x
            up[i] += 1e-5; down[i] -= 1e-5
            #expect(abs(criterion(up) - criterion(down)) / 2e-5 < 1e-3, "gradient \(i) at \(r.x)")
        }
    }

    @Test func subproblemStepIsExact() {
        // inside: the Newton step; on the boundary for an indefinite H: ‖s‖ = 1 and lower than the
        // model at 400 points of the circle
        let g = [0.1, -0.2]
        var h = Matrix(rows: 2, cols: 2)
        h[0, 0] = 2; h[1, 1] = 1; h[0, 1] = 0.5; h[1, 0] = 0.5
        let newton = ModelTrustRegion.trustRegionStep(gradient: g, hessian: h)
        // H s = −g
        #expect(abs(2 * newton[0] + 0.5 * newton[1] + 0.1) < 1e-12 && abs(0.5 * newton[0] + newton[1] - 0.2) < 1e-12)
        h[1, 1] = -1
        let s = ModelTrustRegion.trustRegionStep(gradient: g, hessian: h)
        func m(_ s: [Double]) -> Double { g[0] * s[0] + g[1] * s[1] + (h[0, 0] * s[0] * s[0] + 2 * h[0, 1] * s[0] * s[1] + h[1, 1] * s[1] * s[1]) / 2 }
        #expect(abs((s[0] * s[0] + s[1] * s[1]).squareRoot() - 1) < 1e-9)
        for k in 0..<400 {
            let a = Double(k) * 2 * Double.pi / 400
            #expect(m(s) <= m([cos(a), sin(a)]) + 1e-9)
        }
    }

    @Test func solveInvertsAnIndefiniteSystem() throws {
        var a = Matrix(rows: 3, cols: 3)
        let entries = [[0.0, 2, 1], [2, -1, 3], [1, 3, 0.5]]
        for i in 0..<3 { for j in 0..<3 { a[i, j] = entries[i][j] } }
        let x = try #require(a.solve(Matrix.identity(3)))
        let product = a * x
        for i in 0..<3 { for j in 0..<3 { #expect(abs(product[i, j] - (i == j ? 1 : 0)) < 1e-12) } }
        var singular = a
        for j in 0..<3 { singular[2, j] = singular[0, j] + singular[1, j] }
        #expect(singular.solve(Matrix.identity(3)) == nil)
    }
}
