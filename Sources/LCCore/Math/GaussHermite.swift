import Glibc

/// Gauss–Hermite quadrature: ∫ f(x) e^{−x²} dx ≈ Σₖ wₖ f(xₖ), exact for polynomials of
/// degree < 2n. Nodes are the roots of the Hermite polynomial Hₙ, found by Newton's method
/// on the orthonormal recurrence from the usual starting guesses (Press et al., *Numerical
/// Recipes*, 3rd ed., §4.6, `gauher`); wₖ = 2 / H̃ₙ'(xₖ)² for the orthonormal H̃ₙ.
struct GaussHermite: Sendable {
    /// Ascending nodes and their weights.
    let nodes: [Double], weights: [Double]

    /// The n-point rule for n in 1...100, clamped (n = 1: x = 0, w = √π, the Laplace approximation).
    init(_ count: Int) {
        let n = min(max(count, 1), 100)
        let pim4 = 0.7511255444649425          // π^(−1/4)
        var x = [Double](repeating: 0, count: n), w = [Double](repeating: 0, count: n)
        var z = 0.0
        for i in 0..<((n + 1) / 2) {
            switch i {
            case 0: z = (Double(2 * n + 1)).squareRoot() - 1.85575 * pow(Double(2 * n + 1), -0.16667)
            case 1: z -= 1.14 * pow(Double(n), 0.426) / z
            case 2: z = 1.86 * z - 0.86 * x[0]
            case 3: z = 1.91 * z - 0.91 * x[1]
            default: z = 2 * z - x[i - 2]
            }
            var derivative = 0.0
            for _ in 0..<100 {
                var p1 = pim4, p2 = 0.0
                for j in 0..<n {
                    let p3 = p2
                    p2 = p1
                    p1 = z * (2 / Double(j + 1)).squareRoot() * p2 - (Double(j) / Double(j + 1)).squareRoot() * p3
                }
                derivative = (2 * Double(n)).squareRoot() * p2
                let step = p1 / derivative
                z -= step
                if abs(step) <= 1e-15 * max(1, abs(z)) { break }
            }
            x[i] = z; x[n - 1 - i] = -z
            w[i] = 2 / (derivative * derivative); w[n - 1 - i] = w[i]
        }
        if n % 2 == 1 { x[n / 2] = 0 }
        nodes = x.reversed()
        weights = w.reversed()
    }
}
