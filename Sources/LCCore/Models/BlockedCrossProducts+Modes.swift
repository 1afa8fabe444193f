extension BlockedCrossProducts {
    /// u solves (Λ'Z'ZΛ + I)u = Λ'Z'(y − Xβ) through the blocked factor: factor 1's levels
    /// forward, the peeled blocks and the dense square forward and back, factor 1 back.
    func sphericalModes(_ theta: [Double], beta: [Double]) -> [[[Double]]] {
        let failed = q.indices.map { k in [[Double]](repeating: [Double](repeating: .nan, count: q[k]), count: levels[k]) }
        guard let f = factorize(theta) else { return failed }
        guard let (first, rest) = sphericalModes(f, lambdas(theta), beta: beta) else { return failed }
        var modes = [(0..<levels[0]).map { i in Array(first[(i * q[0])..<((i + 1) * q[0])]) }]
        for k in 1..<q.count {
            modes.append((0..<levels[k]).map { l in Array(rest[(start[k] + l * q[k])..<(start[k] + (l + 1) * q[k])]) })
        }
        return modes
    }

    /// The same from the factor at θ (`lam`: Λ of every factor), flat: factor 1's, q₁ per level, and
    /// the other factors' at their columns of W; nil if the layout lacks an entry.
    func sphericalModes(_ f: Factor, _ lam: [[Double]], beta: [Double]) -> (first: [Double], rest: [Double])? {
        let q1 = q[0], (df, dd) = (layout.denseFrom, layout.denseSize)
        let (xAt, yAt) = (randomCount, dim - 1)
        // right sides: T'(W'y − W'Xβ) on the random columns, Λ₁'(Z₁ᵢ'y − Z₁ᵢ'Xβ) per level
        var rhs = [Double](repeating: 0, count: dim)
        for d in 0..<randomCount {
            guard let sy = layout.slot(yAt, d) else { return nil }
            var v = ww[sy]
            for b in 0..<p {
                guard let sx = layout.slot(xAt + b, d) else { return nil }
                v -= ww[sx] * beta[b]
            }
            rhs[d] = v
        }
        // each entry's weight in y − Xβ: 1 for y, −β for X, 0 for the random columns
        var weight = [Double](repeating: 0, count: dim)
        weight[yAt] = 1
        for b in 0..<p { weight[xAt + b] = -beta[b] }
        var v1 = [Double](repeating: 0, count: levels[0] * q1)
        var u = [Double](repeating: 0, count: randomCount)
        f.l11.withUnsafeBufferPointer { l11b in
        f.c.withUnsafeBufferPointer { cb in
        f.l.withUnsafeBufferPointer { lb in
        entryColumn.withUnsafeBufferPointer { columns in
        entryValues.withUnsafeBufferPointer { values in
        lam[0].withUnsafeBufferPointer { l1 in
        v1.withUnsafeMutableBufferPointer { v1b in
        rhs.withUnsafeMutableBufferPointer { rb in
        u.withUnsafeMutableBufferPointer { ub in
            let (l11, c, l, cols, vals, v1, rhs, u) = (l11b.baseAddress!, cb.baseAddress!, lb.baseAddress!, columns.baseAddress!,
                                                        values.baseAddress!, v1b.baseAddress!, rb.baseAddress!, ub.baseAddress!)
            applyTransposeT(rhs, stride: 1, lam)
            withUnsafeTemporaryAllocation(of: Double.self, capacity: q1) { rawb in
                let raw = rawb.baseAddress!
                for i in 0..<levels[0] {
                    let (first, last, v, li) = (entryStart[i], entryStart[i + 1], v1 + i * q1, l11 + i * q1 * q1)
                    for t in 0..<q1 { raw[t] = 0 }
                    for e in first..<last {
                        let w = weight[cols[e]]
                        for t in 0..<q1 { raw[t] += w * vals[e * q1 + t] }
                    }
                    for t in 0..<q1 { var s = 0.0; for a in t..<q1 { s += l1[a * q1 + t] * raw[a] }; v[t] = s }
                    // forward: L₁₁ᵢ v = Λ₁'(…)
                    for t in 0..<q1 {
                        var s = v[t]
                        for a in 0..<t { s -= li[t * q1 + a] * v[a] }
                        v[t] = s / li[t * q1 + t]
                    }
                    for e in first..<last where cols[e] < randomCount {
                        var s = 0.0
                        for t in 0..<q1 { s += c[e * q1 + t] * v[t] }
                        rhs[cols[e]] -= s
                    }
                }
            }
            // the random part of M: forward through the peeled blocks and the dense square, then back
            for d in 0..<randomCount { u[d] = rhs[d] }
            layout.rows.withUnsafeBufferPointer { allRows in
                for b in layout.blockColumn.indices {
                    let (off, b0, qb) = (layout.blockOffset[b], layout.blockColumn[b], layout.blockSize[b])
                    let (rows, count) = (allRows.baseAddress! + layout.rowStart[b], layout.rowStart[b + 1] - layout.rowStart[b])
                    for t in 0..<qb {
                        var v = u[b0 + t]
                        for a in 0..<t { v -= l[off + t * qb + a] * u[b0 + a] }
                        u[b0 + t] = v / l[off + t * qb + t]
                    }
                    for x in 0..<count where rows[x] < randomCount {
                        for t in 0..<qb { u[rows[x]] -= l[off + qb * qb + x * qb + t] * u[b0 + t] }
                    }
                }
                for d in df..<randomCount {
                    let row = l + (d - df) * dd - df
                    var v = u[d]
                    for a in df..<d { v -= row[a] * u[a] }
                    u[d] = v / row[d]
                }
                for d in stride(from: randomCount - 1, through: df, by: -1) {
                    u[d] /= l[(d - df) * (dd + 1)]
                    // column d of L above the diagonal's row: u[a] −= L[d, a]·u[d] for a < d
                    let (row, ud) = (l + (d - df) * dd - df, u[d])
                    for a in df..<d { u[a] -= row[a] * ud }
                }
                for b in layout.blockColumn.indices.reversed() {
                    let (off, b0, qb) = (layout.blockOffset[b], layout.blockColumn[b], layout.blockSize[b])
                    let (rows, count) = (allRows.baseAddress! + layout.rowStart[b], layout.rowStart[b + 1] - layout.rowStart[b])
                    for x in 0..<count where rows[x] < randomCount {
                        for t in 0..<qb { u[b0 + t] -= l[off + qb * qb + x * qb + t] * u[rows[x]] }
                    }
                    for t in stride(from: qb - 1, through: 0, by: -1) {
                        var v = u[b0 + t]
                        for a in (t + 1)..<max(t + 1, qb) { v -= l[off + a * qb + t] * u[b0 + a] }
                        u[b0 + t] = v / l[off + t * qb + t]
                    }
                }
            }
            // factor 1 back: L₁₁ᵢ' w = v − Σ C u, in place in v1
            for i in 0..<levels[0] {
                let (v, li) = (v1 + i * q1, l11 + i * q1 * q1)
                for e in entryStart[i]..<entryStart[i + 1] where cols[e] < randomCount {
                    let ue = u[cols[e]]
                    for t in 0..<q1 { v[t] -= c[e * q1 + t] * ue }
                }
                for t in stride(from: q1 - 1, through: 0, by: -1) {
                    var s = v[t]
                    for a in (t + 1)..<max(t + 1, q1) { s -= li[a * q1 + t] * v[a] }
                    v[t] = s / li[t * q1 + t]
                }
            }
        } } } } } } } } }
        return (v1, u)
    }
}
