import Testing
@testable import LCCore

/// The blocked dense Cholesky factor: LL' rebuilds M, across panels and the trailing
/// block from `from`, and the threaded trailing update gives the same bits as one thread,
/// with every copy of the kernels the CPU runs (portable, AVX2/FMA, AVX-512), the two fused
/// ones bit for bit the same.
struct DenseCholeskyTests {
    /// M = BB' + nI for B with entries in [−0.5, 0.5) from a seeded generator.
    static func spd(_ n: Int) -> [Double] {
        var random = BlockedCrossProductsTests.Uniform(state: 99)
        let b = (0..<(n * n)).map { _ in random.next() - 0.5 }
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = 0.0
                for k in 0..<n { s += b[i * n + k] * b[j * n + k] }
                (m[i * n + j], m[j * n + i]) = (s, s)
            }
            m[i * n + i] += Double(n)
        }
        return m
    }

    @Test(arguments: [(1, 0), (5, 0), (203, 0), (301, 37)])
    func factorRebuildsTheMatrix(n: Int, from: Int) throws {
        let m = Self.spd(n)
        // the block before `from` factored by the reference loop, as the engines leave it
        var l = m
        if from > 0 { #expect(DenseCholesky.factorBlock(&l, size: from, stride: n)) }
        var first = l
        first.withUnsafeMutableBufferPointer { f in
            let a = f.baseAddress!
            for i in from..<n { for k in 0..<from { a[i * n + k] = (a[i * n + k] - DenseCholesky.dot(a + i * n, a + k * n, k)) / a[k * n + k] } }
            for i in from..<n { for j in from...i { a[i * n + j] -= DenseCholesky.dot(a + i * n, a + j * n, from) } }
        }
        // every copy of the kernels the CPU runs, one thread and two
        var fused: [Double]? = nil
        for kernels in DenseKernels.available {
            var one = first, two = first
            #expect(DenseCholesky.factorLower(&one, n, from: from, threads: 1, kernels: kernels))
            #expect(DenseCholesky.factorLower(&two, n, from: from, threads: 2, parallelWork: 0, kernels: kernels))
            #expect(one == two)
            if kernels.fusesMultiplyAdds {
                if let fused { #expect(one == fused, "\(kernels) against the four-lane fused kernels") }
                fused = one
            }
            var worst = 0.0
            for i in 0..<n {
                for j in 0...i {
                    var s = 0.0
                    for k in 0...j { s += one[i * n + k] * one[j * n + k] }
                    worst = max(worst, abs(s - m[i * n + j]) / Double(n))
                }
            }
            #expect(worst < 1e-12, "\(kernels)")
        }
    }

    @Test func refusesAMatrixThatIsNotPositiveDefinite() {
        var m = Self.spd(150)
        m[140 * 150 + 140] = -1
        #expect(!DenseCholesky.factorLower(&m, 150))
    }
}
