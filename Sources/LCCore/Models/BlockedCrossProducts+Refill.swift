extension BlockedCrossProducts {
    /// The same engine for a frame with the same rows, levels and columns but other values (a
    /// PIRLS working frame: rows scaled by √w, the working response): the symbolic structure
    /// (entries, layout, plans, elimination order) is kept and only the sums are formed again,
    /// with no hashing or sorting. A row whose values are now zero still has its entries (zeros).
    func refilled(_ f: ModelFrame, order: [Int]) -> ProfiledDeviance {
        let blocks = order.map { f.random[$0] }
        guard f.n == n, f.p == p, blocks.map({ $0.z.count }) == q, blocks.map({ $0.levels.count }) == levels else {
            return LinearMixedModel.engine(f, order: order)
        }
        let (q1, g1) = (q[0], levels[0])
        var columns: [Int] = [], values: [Double] = []
        var a11 = [Double](repeating: 0, count: g1 * q1 * q1)
        var entries = [Double](repeating: 0, count: entryValues.count)
        var ww = [Double](repeating: 0, count: layout.count)
        for r in 0..<n {
            let i = Int(blocks[0].group[r])
            Self.rowOfW(r, f, blocks, start: start, q: q, &columns, &values)
            for a in 0..<q1 {
                for b in 0..<q1 { a11[(i * q1 + a) * q1 + b] += blocks[0].z[a][r] * blocks[0].z[b][r] }
            }
            // level i's entries are in ascending column order, as the row's columns: one merge
            var e = entryStart[i]
            for (u, c) in columns.enumerated() {
                while e < entryStart[i + 1] && entryColumn[e] < c { e += 1 }
                guard e < entryStart[i + 1], entryColumn[e] == c else { return LinearMixedModel.engine(f, order: order) }
                for a in 0..<q1 { entries[e * q1 + a] += values[u] * blocks[0].z[a][r] }
            }
            for (u, cu) in columns.enumerated() {
                for v in 0...u { if let s = layout.slot(cu, columns[v]) { ww[s] += values[u] * values[v] } }
            }
        }
        return BlockedCrossProducts(refilling: self, a11: a11, entryValues: entries, ww: ww, xtx: FixedCrossProducts.of(f).0)
    }
}
