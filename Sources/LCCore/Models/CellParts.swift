/// Row sums kept by level and cell, for weights that are a function of a row's cell (its
/// distinct value of the scale formula's columns): the engine of rows weighted by wᵢ² = ω(cellᵢ)
/// is, entry by entry, Σ over the cells a level's rows fall in of ω(cell)·(that level's sums over
/// the cell's rows). A person's block touches one cell per session, a community's one per session
/// too when the scale's columns are sessions and community characteristics; the fixed
/// cross-products one per cell. So an evaluation costs per level and cell touched, not per row.
struct CellParts {
    /// One segment: its slots (level, cell) in level order, each a block of `size` sums.
    private struct Segment {
        let size: Int
        let levels: Int
        /// Level l's slots are slotStart[l]..<slotStart[l + 1].
        let slotStart: [Int]
        let slotCell: [Int32]
        let sums: [Double]
    }
    private let segments: [Segment]
    let base: ProfiledDeviance

    /// Nil when the layout does not allow it, or the slots would hold more than `growth` times
    /// the base engine's sums; a limit error when they would not fit the memory budget.
    init?(_ segments: [RowSumSegment], cell: [Int32], cells: Int, base: ProfiledDeviance, growth: Int = 64) throws {
        let sizes = base.rowSumsBySegment.map(\.count)
        guard !sizes.isEmpty, sizes == segments.map(\.count) else { return nil }
        var built: [Segment] = [], total = 0
        // segments of one grouping share their slots: found once per grouping
        var slotted: [(codes: [Int32]?, levels: Int, slots: Slots)] = []
        for s in segments {
            let size = s.left.count * s.right.count
            let slots: Slots
            if let known = slotted.first(where: { $0.codes == s.codes && $0.levels == s.levels }) {
                slots = known.slots
            } else {
                slots = Slots(codes: s.codes, levels: s.levels, cells: cells, cell: cell)
                slotted.append((s.codes, s.levels, slots))
            }
            total += slots.cell.count * size
            guard total <= growth * max(1, sizes.reduce(0, +)) else { return nil }
            try MemoryBudget.reserve(Double(total) * 8, for: "the cross-products of the rows by level and scale cell")
            var sums = [Double](repeating: 0, count: slots.cell.count * size)
            for r in cell.indices {
                let block = Int(slots.ofRow[r]) * size
                for i in s.left.indices {
                    let li = s.left[i][r]
                    for j in s.right.indices { sums[block + i * s.right.count + j] += li * s.right[j][r] }
                }
            }
            built.append(Segment(size: size, levels: s.levels, slotStart: slots.start, slotCell: slots.cell, sums: sums))
        }
        self.segments = built
        self.base = base
    }

    /// The distinct (level, cell) pairs of a grouping, level-major and by cell within a level: the
    /// rows sorted by (level, cell) in two stable counting sorts (rows in order within a pair).
    struct Slots {
        /// Level l's slots are start[l]..<start[l + 1]; slot k's cell; each row's slot.
        let start: [Int], cell: [Int32], ofRow: [Int32]

        init(codes: [Int32]?, levels: Int, cells: Int, cell rowCell: [Int32]) {
            let n = rowCell.count
            // two stable counting sorts: by cell, then by level
            func sorted(_ rows: [Int], keys: Int, _ key: (Int) -> Int) -> [Int] {
                var next = [Int](repeating: 0, count: keys + 1)
                for r in rows { next[key(r) + 1] += 1 }
                for k in 0..<keys { next[k + 1] += next[k] }
                var out = [Int](repeating: 0, count: rows.count)
                for r in rows { out[next[key(r)]] = r; next[key(r)] += 1 }
                return out
            }
            let byCell = sorted(Array(0..<n), keys: cells) { Int(rowCell[$0]) }
            let rows = sorted(byCell, keys: levels) { Int(codes?[$0] ?? 0) }
            var start = [Int](repeating: 0, count: levels + 1), cells: [Int32] = [], ofRow = [Int32](repeating: 0, count: n)
            var previous = (level: -1, cell: Int32(-1))
            for r in rows {
                let l = Int(codes?[r] ?? 0)
                if (l, rowCell[r]) != previous { cells.append(rowCell[r]); previous = (l, rowCell[r]) }
                ofRow[r] = Int32(cells.count - 1)
                start[l + 1] = cells.count
            }
            // levels without rows start where the one before ends
            for l in 0..<levels { start[l + 1] = max(start[l + 1], start[l]) }
            (self.start, cell, self.ofRow) = (start, cells, ofRow)
        }
    }

    /// The engine at cell weights ω, in arrays of its own (so that calls may run at once); the
    /// levels of a segment are split over threads (each writes its own levels' blocks).
    func engine(_ weights: [Double]) -> ProfiledDeviance? {
        var combined = segments.map { [Double](repeating: 0, count: $0.levels * $0.size) }
        for (k, s) in segments.enumerated() {
            combined[k].withUnsafeMutableBufferPointer { out in
                s.sums.withUnsafeBufferPointer { from in
                    s.slotStart.withUnsafeBufferPointer { start in
                        s.slotCell.withUnsafeBufferPointer { cell in
                            weights.withUnsafeBufferPointer { w in
                                guard let out = out.baseAddress, let from = from.baseAddress, let start = start.baseAddress,
                                      let cell = cell.baseAddress, let w = w.baseAddress else { return }
                                _ = try? Parallel.mapRanges(count: s.levels, minimumPerThread: 2048) { levels in
                                    Self.sized(s.size) { size in
                                        for l in levels {
                                            let to = out + l * size
                                            for e in 0..<size { to[e] = 0 }
                                            for slot in start[l]..<start[l + 1] {
                                                let weight = w[Int(cell[slot])], at = from + slot * size
                                                for e in 0..<size { to[e] += weight * at[e] }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return base.withRowSums(combined)
    }
}

extension CellParts {
    /// For each cell, the inner product of a row-sum gradient (`RowSumGradient`) with the cell's
    /// sums: ∂/∂ω_cell. Levels are cut into a fixed number of chunks per segment, run over the
    /// cores and added in chunk order (the same bits whatever the cores).
    func cellDerivatives(_ g: RowSumGradient, cells: Int) -> [Double] {
        var total = [Double](repeating: 0, count: cells)
        for (k, s) in segments.enumerated() {
            let (gradient, size) = (g.values[k], s.size)
            let chunks = min(8, s.levels)
            let parts = try? Parallel.mapRanges(count: chunks, minimumPerThread: s.levels >= 4096 ? 1 : chunks) { range in
                range.map { c -> [Double] in
                    var d = [Double](repeating: 0, count: cells)
                    s.sums.withUnsafeBufferPointer { sums in
                        guard let sums = sums.baseAddress else { return }
                        Self.sized(size) { size in
                            for l in (c * s.levels / chunks)..<((c + 1) * s.levels / chunks) {
                                let g = gradient + l * size
                                for slot in s.slotStart[l]..<s.slotStart[l + 1] {
                                    let at = sums + slot * size
                                    var v = 0.0
                                    for e in 0..<size { v += g[e] * at[e] }
                                    d[Int(s.slotCell[slot])] += v
                                }
                            }
                        }
                    }
                    return d
                }
            }
            for part in (parts ?? []).joined() { for c in 0..<cells { total[c] += part[c] } }
        }
        return total
    }

    /// `body(size)` with the common block sizes as constants, so that its loops over a block unroll.
    @inline(__always)
    static func sized<T>(_ size: Int, _ body: (Int) -> T) -> T {
        switch size {
        case 1: return body(1)
        case 2: return body(2)
        case 4: return body(4)
        case 5: return body(5)
        case 10: return body(10)
        default: return body(size)
        }
    }
}

extension ScaleModel {
    /// Each row's cell (its distinct row of the scale's columns) and the cells' values and row counts.
    func cells() -> (cell: [Int32], values: [[Double]], counts: [Double]) {
        let n = design.first?.count ?? 0
        var index: [[Double]: Int32] = [:], values: [[Double]] = [], counts: [Double] = []
        let cell = (0..<n).map { r -> Int32 in
            let row = design.map { $0[r] }
            if let k = index[row] { counts[Int(k)] += 1; return k }
            index[row] = Int32(values.count)
            values.append(row)
            counts.append(1)
            return Int32(values.count - 1)
        }
        return (cell, values, counts)
    }
}
