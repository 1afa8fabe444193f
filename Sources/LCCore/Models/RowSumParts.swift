/// One block of an engine's row sums (`ProfiledDeviance.rowSumsBySegment`): every row r adds
/// the outer product left(r) right(r)ᵀ, row-major, to the block of its level
/// `codes[r]` (or to the one block when `codes` is nil). Z₁'Z₁ per person is
/// (persons, Z₁, Z₁); X'y is (nil, X, [y]).
struct RowSumSegment {
    let codes: [Int32]?
    let levels: Int
    let left: [[Double]], right: [[Double]]

    init(_ codes: [Int32]?, levels: Int = 1, _ left: [[Double]], _ right: [[Double]]) {
        (self.codes, self.levels, self.left, self.right) = (codes, codes == nil ? 1 : levels, left, right)
    }

    var count: Int { levels * left.count * right.count }
}

/// The row sums of K subsets of the rows at once, interleaved (entry e of part k at
/// e·K + k), and their weighted combinations Σₖ wₖ·sumsₖ.
///
/// A variance function with K distinct covariate values makes the weighted engine
/// Σₖ g(vₖ)⁻²·(the engine of the rows with value vₖ) (`WeightedParts`): the parts are
/// summed in one pass over the rows, and each evaluation combines them in one pass
/// over memory, reading the K values of an entry side by side and writing once.
struct RowSumParts {
    let parts: Int
    /// The entries of each segment, in order.
    let segmentSizes: [Int]
    let sums: [Double]

    /// `part[r]` in 0..<parts for every row; rows are added in order, so part k holds
    /// exactly the sums an engine would form from the rows of part k alone.
    init(_ segments: [RowSumSegment], part: [Int], parts: Int) {
        self.parts = parts
        segmentSizes = segments.map(\.count)
        var sums = [Double](repeating: 0, count: segmentSizes.reduce(0, +) * parts)
        sums.withUnsafeMutableBufferPointer { out in
            guard let out = out.baseAddress else { return }
            var base = 0
            for s in segments {
                let (a, b) = (s.left.count, s.right.count)
                for r in part.indices {
                    let block = base + (s.codes.map { Int($0[r]) } ?? 0) * a * b
                    for i in 0..<a {
                        let li = s.left[i][r]
                        for j in 0..<b { out[(block + i * b + j) * parts + part[r]] += li * s.right[j][r] }
                    }
                }
                base += s.count
            }
        }
        self.sums = sums
    }

    /// Σₖ weights[k]·sumsₖ, one array per segment, written into `out` (reused from the
    /// last call when its arrays are no longer shared, so that an optimiser's many
    /// evaluations do not fault in fresh pages each time). Each entry's K values are
    /// read side by side, four at a time; the order of the additions is fixed (four
    /// running sums over k ≡ 0, 1, 2, 3 mod 4, then the rest), whatever the number of threads.
    func combine(_ weights: [Double], into out: inout [[Double]]) {
        guard parts > 0, weights.count == parts else { out = []; return }
        if out.map(\.count) != segmentSizes { out = segmentSizes.map { [Double](repeating: 0, count: $0) } }
        var start = 0
        for s in segmentSizes.indices {
            out[s].withUnsafeMutableBufferPointer { to in combine(weights, entries: start..<(start + to.count), into: to) }
            start += segmentSizes[s]
        }
    }

    private func combine(_ weights: [Double], entries: Range<Int>, into out: UnsafeMutableBufferPointer<Double>) {
        let k = parts, quads = parts / 4
        let w4 = (0..<quads).map { SIMD4(weights[4 * $0], weights[4 * $0 + 1], weights[4 * $0 + 2], weights[4 * $0 + 3]) }
        guard let to = out.baseAddress else { return }
        sums.withUnsafeBufferPointer { from in
            guard let from = from.baseAddress else { return }
            _ = try? Parallel.mapRanges(count: entries.count, minimumPerThread: 1 << 15) { range in
                var entry = UnsafeRawPointer(from + (entries.lowerBound + range.lowerBound) * k)
                for e in range {
                    var acc4 = SIMD4<Double>()
                    for q in 0..<quads {
                        acc4 += w4[q] * entry.loadUnaligned(fromByteOffset: 32 * q, as: SIMD4<Double>.self)
                    }
                    var acc = acc4.sum()
                    for j in (4 * quads)..<k {
                        acc += weights[j] * entry.load(fromByteOffset: 8 * j, as: Double.self)
                    }
                    to[e] = acc
                    entry += 8 * k
                }
            }
        }
    }
}

/// An engine whose row sums are Σₖ wₖ·(the sums of part k): the parts are summed once
/// (`RowSumParts`), and each evaluation combines them into arrays of its own (nothing shared
/// between calls, so that they may run at once). A variance function's
/// weighted rows (`WeightedParts`) and a correlation's whitened rows (`CorrelationParts`) use it.
struct PartsEngine {
    static let maxParts = 64
    let parts: RowSumParts
    let base: ProfiledDeviance

    /// Nil when the base engine's layout does not allow parts or disagrees with the segments;
    /// a limit error when the parts would not fit the memory budget.
    init?(_ segments: [RowSumSegment], part: [Int], parts count: Int, base: ProfiledDeviance) throws {
        let sizes = base.rowSumsBySegment.map(\.count)
        guard count <= Self.maxParts, !sizes.isEmpty, sizes == segments.map(\.count) else { return nil }
        try MemoryBudget.reserve(Double(sizes.reduce(0, +)) * Double(count) * 8, for: "the cross-products of \(count) parts of the rows")
        parts = RowSumParts(segments, part: part, parts: count)
        self.base = base
    }

    /// The engine at weights w (one per part), in arrays of its own (so that calls may run at once).
    func engine(_ weights: [Double]) -> ProfiledDeviance? {
        var sums: [[Double]] = []
        parts.combine(weights, into: &sums)
        return base.withRowSums(sums)
    }
}
