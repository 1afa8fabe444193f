import Glibc

/// The Hessian (and a Jacobian) as numDeriv's `genD` computes them, by central differences
/// refined by Richardson extrapolation: what lmerTest's Satterthwaite df use, and the Hessian of a
/// criterion whose gradient is not exact where its differences of values must be accurate (the
/// SEs of a scale formula on one grouping factor).
extension FiniteDifferences {
    /// Richardson extrapolation over `levels` values D(h), D(h/2), … (numDeriv's method
    /// "Richardson", r = 4, v = 2): each level removes the next even power of h.
    private static func extrapolate(_ a: [Double]) -> Double {
        var a = a
        for level in 1..<a.count {
            let w = pow(4.0, Double(level))
            for k in 0..<(a.count - level) { a[k] = (a[k + 1] * w - a[k]) / (w - 1) }
        }
        return a[0]
    }

    /// x + Σ d·e_i over the (i, d) given.
    private static func shifted(_ x: [Double], _ steps: [(Int, Double)]) -> [Double] {
        var y = x
        for (i, d) in steps { y[i] += d }
        return y
    }

    /// The Hessian of f₀ as numDeriv's `genD` computes it (and so lmerTest): steps of 10% of
    /// each parameter (1e-4 at zero), four halvings, Richardson extrapolation; the diagonal
    /// first, then each off-diagonal entry from a joint step corrected by the diagonal. Large
    /// steps keep rounding error out of the second differences of a deviance in the thousands.
    /// The Jacobian of f₁, f₂, … comes from the diagonal's points: central differences at the
    /// same steps, extrapolated alike. The points are evaluated together (in parallel when
    /// `concurrent`), then combined.
    static func extrapolatedDerivatives(_ f: ([Double]) -> [Double], at x: [Double], concurrent: Bool = false)
        -> (hessian: Matrix, jacobian: [[Double]]) {
        let m = x.count, levels = 4
        let h0 = x.map { abs(0.1 * $0) + (abs($0) < zeroTolerance ? 1e-4 : 0) }
        func h(_ i: Int, _ level: Int) -> Double { h0[i] / pow(2, Double(level)) }
        // the points: per diagonal entry and level x ± h e_i; per lower entry and level x ± (h e_i + h e_j)
        var points = [x]
        for i in 0..<m { for k in 0..<levels { points += [shifted(x, [(i, h(i, k))]), shifted(x, [(i, -h(i, k))])] } }
        for i in 0..<m {
            for j in 0..<i {
                for k in 0..<levels { points += [shifted(x, [(i, h(i, k)), (j, h(j, k))]), shifted(x, [(i, -h(i, k)), (j, -h(j, k))])] }
            }
        }
        let v = values(f, at: points, concurrent: concurrent), f0 = v[0]
        let outputs = f0.count - 1
        var next = 1
        func pair() -> ([Double], [Double]) { defer { next += 2 }; return (v[next], v[next + 1]) }
        var out = Matrix(rows: m, cols: m)
        var jacobian = [[Double]](repeating: [Double](repeating: 0, count: m), count: outputs)
        for i in 0..<m {
            var second: [Double] = [], first: [[Double]] = []
            for k in 0..<levels {
                let (up, down) = pair(), step = h(i, k)
                second.append((up[0] - 2 * f0[0] + down[0]) / (step * step))
                first.append((0..<outputs).map { (up[$0 + 1] - down[$0 + 1]) / (2 * step) })
            }
            out[i, i] = extrapolate(second)
            for o in 0..<outputs { jacobian[o][i] = extrapolate(first.map { $0[o] }) }
        }
        for i in 0..<m {
            for j in 0..<i {
                let (di, dj) = (out[i, i], out[j, j])
                out[i, j] = extrapolate((0..<levels).map { k in
                    let (hi, hj) = (h(i, k), h(j, k))
                    let (up, down) = pair()
                    return (up[0] - 2 * f0[0] + down[0] - di * hi * hi - dj * hj * hj) / (2 * hi * hj)
                })
                out[j, i] = out[i, j]
            }
        }
        return (out, jacobian)
    }

    /// numDeriv's `zero.tol`: below it a parameter counts as zero.
    private static let zeroTolerance = (Double.ulpOfOne / 7e-7).squareRoot()
}
