/// Where the lower triangle of `BlockedCrossProducts`' matrix M lives.
///
/// The columns of the peeled factors (eliminated level by level) are kept by level block:
/// the block's q×q square (its lower triangle used), then q values for each later row the
/// block meets, rows ascending. A level so costs what it meets, not M's width (the
/// organisations of W4 large meet a few communities each, of 2,000). The columns from
/// `denseFrom` on (the dense stage's factor, X and y) form a dense row-major square at the
/// start of the store. This is the block structure of Bates et al. (2015, JSS 67(1), §3) and
/// MixedModels.jl, with the off-diagonal blocks of the peeled factors stored sparsely.
struct PeeledLayout {
    /// The first column of the dense square, and its size.
    let denseFrom: Int, denseSize: Int
    /// Per peeled level block, in column order: its first column, size q, offset in the store
    /// and where its later rows start in `rows`.
    let blockColumn: [Int], blockSize: [Int], blockOffset: [Int], rowStart: [Int]
    /// The later rows each block meets, block after block (ascending within a block, whole
    /// level blocks; X and y always).
    let rows: [Int]
    /// The peeled block of each column before `denseFrom`.
    let blockOfColumn: [Int]
    /// Entries in the store.
    let count: Int

    init(dim: Int, denseFrom: Int, blocks: [(column: Int, size: Int, rows: [Int])]) {
        (self.denseFrom, denseSize) = (denseFrom, dim - denseFrom)
        blockColumn = blocks.map(\.column)
        blockSize = blocks.map(\.size)
        rows = blocks.flatMap(\.rows)
        rowStart = blocks.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.rows.count) }
        var offsets: [Int] = [], offset = denseSize * denseSize
        var owner = [Int](repeating: 0, count: denseFrom)
        for (b, block) in blocks.enumerated() {
            offsets.append(offset)
            offset += block.size * (block.size + block.rows.count)
            for c in block.column..<(block.column + block.size) { owner[c] = b }
        }
        (blockOffset, blockOfColumn, count) = (offsets, owner, offset)
    }

    /// The later rows block b meets.
    func rows(of b: Int) -> ArraySlice<Int> { rows[rowStart[b]..<rowStart[b + 1]] }

    /// The store index of M[r, c] for c ≤ r; nil where the layout keeps no entry (a
    /// structural zero of the factor).
    func slot(_ r: Int, _ c: Int) -> Int? {
        if c >= denseFrom { return (r - denseFrom) * denseSize + c - denseFrom }
        let b = blockOfColumn[c], b0 = blockColumn[b], q = blockSize[b]
        if r < b0 + q { return blockOffset[b] + (r - b0) * q + c - b0 }
        var (low, high) = (rowStart[b], rowStart[b + 1])
        while low < high {
            let mid = (low + high) / 2
            if rows[mid] < r { low = mid + 1 } else { high = mid }
        }
        guard low < rowStart[b + 1], rows[low] == r else { return nil }
        return blockOffset[b] + q * q + (low - rowStart[b]) * q + c - b0
    }
}
