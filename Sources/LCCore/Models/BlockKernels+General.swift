/// The general products and helpers of the gradient's passes over levels (`NestedCrossProducts+Gradient`).
extension BlockKernels {
    /// C = α op(A) op(B) + βC, C m×n; op(A) m×k (A stored k×m when `at`), op(B) k×n (B stored n×k when `bt`).
    @inline(__always)
    static func product(_ c: UnsafeMutablePointer<Double>, _ a: UnsafePointer<Double>, _ at: Bool, _ b: UnsafePointer<Double>, _ bt: Bool,
                        _ m: Int, _ n: Int, _ k: Int, alpha: Double = 1, beta: Double = 0) {
        for i in 0..<m {
            for j in 0..<n {
                var v = 0.0
                for l in 0..<k { v += (at ? a[l * m + i] : a[i * k + l]) * (bt ? b[j * k + l] : b[l * n + j]) }
                c[i * n + j] = alpha * v + (beta == 0 ? 0 : beta * c[i * n + j])
            }
        }
    }

    /// L⁻¹ of the lower-triangular q×q block.
    @inline(__always)
    static func lowerInverse(_ l: UnsafePointer<Double>, _ q: Int, into out: UnsafeMutablePointer<Double>) {
        for k in 0..<(q * q) { out[k] = 0 }
        for d in 0..<q { out[d * q + d] = 1 }
        forwardSolve(l, q, out, q)
    }

    static func accumulate(_ sum: inout [Double], _ at: Int, _ x: UnsafePointer<Double>, _ count: Int) {
        for k in 0..<count { sum[at + k] += x[k] }
    }

    static func accumulateOuter(_ sum: inout [Double], _ at: Int, _ u: UnsafePointer<Double>, _ q: Int) {
        for a in 0..<q { for b in 0..<q { sum[at + a * q + b] += u[a] * u[b] } }
    }

    /// `body` with the base addresses of `arrays`.
    static func withPointers<R>(_ arrays: [[Double]], _ body: ([UnsafePointer<Double>]) -> R) -> R {
        func step(_ k: Int, _ so: [UnsafePointer<Double>]) -> R {
            guard k < arrays.count else { return body(so) }
            // an empty array (no fixed effects) may have no address: a zero stands in, never read
            return arrays[k].withUnsafeBufferPointer { buffer in
                withUnsafePointer(to: 0.0) { zero in step(k + 1, so + [buffer.baseAddress ?? zero]) }
            }
        }
        return step(0, [])
    }
}
