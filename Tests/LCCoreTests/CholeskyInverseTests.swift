import Testing
@testable import LCCore

/// Takahashi's recursion in panels gives M⁻¹: M·Z = I to rounding, across partial and whole
/// panels, with every copy of the kernels the CPU runs (the two fused ones bit for bit the same).
struct CholeskyInverseTests {
    @Test(arguments: [1, 3, 8, 9, 61, 130])
    func inverseTimesMatrixIsIdentity(n: Int) throws {
        let m = DenseCholeskyTests.spd(n)
        var l = m
        #expect(DenseCholesky.factorLower(&l, n))
        var fused: [Double]? = nil
        for kernels in DenseKernels.available {
            // rows of Z wider than n, as the engines store them
            let stride = n + 3
            var z = [Double](repeating: .nan, count: n * stride)
            l.withUnsafeBufferPointer { l in
                z.withUnsafeMutableBufferPointer {
                    CholeskyInverse.invert(l.baseAddress!, lStride: n, n: n, into: $0.baseAddress!, zStride: stride, threads: 1, kernels: kernels)
                }
            }
            var worst = 0.0
            for i in 0..<n {
                for j in 0..<n {
                    var v = 0.0
                    for k in 0..<n { v += m[i * n + k] * z[k * stride + j] }
                    worst = max(worst, abs(v - (i == j ? 1 : 0)))
                }
            }
            #expect(worst < 1e-12, "n \(n), \(kernels): |MZ − I| \(worst)")
            if kernels.fusesMultiplyAdds {
                if let fused { #expect(zip(z, fused).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "\(kernels) against the four-lane fused kernels") }
                fused = z
            }
            // in place, over the factor itself, and on two threads: the same bits
            var inPlace = l
            inPlace.withUnsafeMutableBufferPointer {
                CholeskyInverse.invert($0.baseAddress!, lStride: n, n: n, into: $0.baseAddress!, zStride: n, threads: 2, parallelWork: 0, kernels: kernels)
            }
            #expect((0..<n).allSatisfy { i in (0..<n).allSatisfy { inPlace[i * n + $0] == z[i * stride + $0] } })
        }
    }
}
