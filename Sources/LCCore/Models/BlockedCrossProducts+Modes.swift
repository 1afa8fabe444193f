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
        let failed: (first: [Double], rest: [Double])? = nil
        let (xAt, yAt) = (randomCount, dim - 1)
        // right sides: T'(W'y − W'Xβ) on the random columns, Λ₁'(Z₁ᵢ'y − Z₁ᵢ'Xβ) per level
        var rhs = [Double](repeating: 0, count: dim)
        for d in 0..<randomCount {
            guard let sy = layout.slot(yAt, d) else { return failed }
            var v = ww[sy]
            for b in 0..<p {
                guard let sx = layout.slot(xAt + b, d) else { return failed }
                v -= ww[sx] * beta[b]
            }
            rhs[d] = v
        }
        rhs.withUnsafeMutableBufferPointer { applyTransposeT($0.baseAddress!, stride: 1, lam) }
        var v1 = [Double](repeating: 0, count: levels[0] * q1), raw = [Double](repeating: 0, count: q1)
        for i in 0..<levels[0] {
            for t in 0..<q1 { raw[t] = 0 }
            for e in entryStart[i]..<entryStart[i + 1] {
                let col = entryColumn[e]
                let weight = col == yAt ? 1 : col >= xAt ? -beta[col - xAt] : 0
                for t in 0..<q1 { raw[t] += weight * entryValues[e * q1 + t] }
            }
            for t in 0..<q1 { for a in t..<q1 { v1[i * q1 + t] += lam[0][a * q1 + t] * raw[a] } }
            // forward: L₁₁ᵢ v = Λ₁'(…)
            for t in 0..<q1 {
                var v = v1[i * q1 + t]
                for a in 0..<t { v -= f.l11[i * q1 * q1 + t * q1 + a] * v1[i * q1 + a] }
                v1[i * q1 + t] = v / f.l11[i * q1 * q1 + t * q1 + t]
            }
            for e in entryStart[i]..<entryStart[i + 1] where entryColumn[e] < randomCount {
                for t in 0..<q1 { rhs[entryColumn[e]] -= f.c[e * q1 + t] * v1[i * q1 + t] }
            }
        }
        // the random part of M: forward through the peeled blocks and the dense square, then back
        var u = rhs
        let blocks = layout.blockColumn.indices
        for b in blocks {
            let (off, b0, qb, rows) = (layout.blockOffset[b], layout.blockColumn[b], layout.blockSize[b], layout.rows(of: b))
            for t in 0..<qb {
                var v = u[b0 + t]
                for a in 0..<t { v -= f.l[off + t * qb + a] * u[b0 + a] }
                u[b0 + t] = v / f.l[off + t * qb + t]
            }
            for (x, r) in zip(0..., rows) where r < randomCount {
                for t in 0..<qb { u[r] -= f.l[off + qb * qb + x * qb + t] * u[b0 + t] }
            }
        }
        for d in df..<randomCount {
            var v = u[d]
            for a in df..<d { v -= f.l[(d - df) * dd + a - df] * u[a] }
            u[d] = v / f.l[(d - df) * (dd + 1)]
        }
        for d in stride(from: randomCount - 1, through: df, by: -1) {
            var v = u[d]
            for a in (d + 1)..<max(d + 1, randomCount) { v -= f.l[(a - df) * dd + d - df] * u[a] }
            u[d] = v / f.l[(d - df) * (dd + 1)]
        }
        for b in blocks.reversed() {
            let (off, b0, qb, rows) = (layout.blockOffset[b], layout.blockColumn[b], layout.blockSize[b], layout.rows(of: b))
            for (x, r) in zip(0..., rows) where r < randomCount {
                for t in 0..<qb { u[b0 + t] -= f.l[off + qb * qb + x * qb + t] * u[r] }
            }
            for t in stride(from: qb - 1, through: 0, by: -1) {
                var v = u[b0 + t]
                for a in (t + 1)..<max(t + 1, qb) { v -= f.l[off + a * qb + t] * u[b0 + a] }
                u[b0 + t] = v / f.l[off + t * qb + t]
            }
        }
        // factor 1 back: L₁₁ᵢ' w = v − Σ C u, in place in v1
        for i in 0..<levels[0] {
            for e in entryStart[i]..<entryStart[i + 1] where entryColumn[e] < randomCount {
                for t in 0..<q1 { v1[i * q1 + t] -= f.c[e * q1 + t] * u[entryColumn[e]] }
            }
            for t in stride(from: q1 - 1, through: 0, by: -1) {
                var v = v1[i * q1 + t]
                for a in (t + 1)..<max(t + 1, q1) { v -= f.l11[i * q1 * q1 + a * q1 + t] * v1[i * q1 + a] }
                v1[i * q1 + t] = v / f.l11[i * q1 * q1 + t * q1 + t]
            }
        }
        return (v1, Array(u[..<randomCount]))
    }
}
