/// The diagonal blocks of the inverse of `BlockedCrossProducts`' matrix, by Takahashi's
/// recursion on the blocked factor (`CholeskyInverse`), last column block first: the dense
/// square in full, then each peeled level block and each level of factor 1 from the entries
/// of Z on the rows it meets, which are on the factor's pattern and so already computed (the
/// selected inverse: Erisman & Tinney 1975; Rue & Martino 2007 use it for the same traces).
extension BlockedCrossProducts {
    /// Per factor k, Σ over its levels ℓ of the q_k×q_k diagonal block Z_ℓℓ of A⁻¹, A = T'W̃'W̃T +
    /// [I 0; 0 0] over W̃ = [Z X] (every column but y). With `marginal`, of the random part's own
    /// inverse instead, (Λ'Z'ZΛ + I)⁻¹: Z_ℓℓ − Z_ℓX Z_XX⁻¹ Z_Xℓ, with Z_XX⁻¹ = L_XX L_XX'.
    func inverseDiagonalSums(_ f: Factor, marginal: Bool) -> [[Double]] {
        let (df, dd) = (layout.denseFrom, layout.denseSize), nd = dd - 1, x0 = randomCount - df
        var z = [Double](repeating: 0, count: layout.count)
        var sums = q.map { [Double](repeating: 0, count: $0 * $0) }
        // L_XX, the X rows of the dense factor
        let lxx = (0..<(p * p)).map { $0 % p <= $0 / p ? f.l[(x0 + $0 / p) * dd + x0 + $0 % p] : 0 }
        /// sums[k] += Z_ℓℓ (`square`, qk×qk) − (Z_ℓX L_XX)(Z_ℓX L_XX)' with Z_ℓX at `zlx(t, j)`.
        func add(_ k: Int, _ square: UnsafePointer<Double>, _ zlx: (Int, Int) -> Double) {
            let qk = q[k]
            for a in 0..<(qk * qk) { sums[k][a] += square[a] }
            guard marginal else { return }
            var v = [Double](repeating: 0, count: qk * p)
            for t in 0..<qk { for j in 0..<p { for i in j..<p { v[t * p + j] += zlx(t, i) * lxx[i * p + j] } } }
            for a in 0..<qk { for b in 0..<qk { for j in 0..<p { sums[k][a * qk + b] -= v[a * p + j] * v[b * p + j] } } }
        }
        z.withUnsafeMutableBufferPointer { zb in
            let z = zb.baseAddress!
            f.l.withUnsafeBufferPointer { lb in
                let l = lb.baseAddress!
                CholeskyInverse.invert(l, lStride: dd, n: nd, into: z, zStride: dd)
                // the dense factors' levels
                var c = df
                while c < randomCount {
                    let k = factorOfColumn[c], at = c - df
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: q[k] * q[k]) { s in
                        for a in 0..<q[k] { for b in 0..<q[k] { s[a * q[k] + b] = z[(at + a) * dd + at + b] } }
                        add(k, s.baseAddress!) { t, j in z[(at + t) * dd + x0 + j] }
                    }
                    c += q[k]
                }
                // the peeled level blocks, last first: their rows R are later peeled columns and dense ones
                var trailing: [Double] = [], y: [Double] = [], square: [Double] = []
                for b in layout.blockColumn.indices.reversed() {
                    let (off, qb) = (layout.blockOffset[b], layout.blockSize[b])
                    let rows = layout.rows(of: b), count = rows.count - 1          // y, the last row, left out
                    trailing.removeAll(keepingCapacity: true)
                    var slot = peelSlotStart[b]
                    for (x, r) in zip(0..., rows) {
                        for s in rows[rows.startIndex...(rows.startIndex + x)] {
                            let value = s < df ? z[peelSlots[slot]] : r < dim - 1 ? z[(r - df) * dd + s - df] : 0
                            if s < df { slot += 1 }
                            if x < count { trailing.append(value) }
                        }
                    }
                    takahashi(q: qb, l + off, below: l + off + qb * qb, rows: count, trailing: trailing, &y, &square)
                    for i in 0..<(count * qb) { z[off + qb * qb + i] = y[i] }
                    for i in 0..<(qb * qb) { z[off + i] = square[i] }
                    square.withUnsafeBufferPointer { s in add(factorOfColumn[layout.blockColumn[b]], s.baseAddress!) { t, j in y[(count - p + j) * qb + t] } }
                }
                // the levels of factor 1: their rows are the columns of their entries
                let q1 = q[0]
                f.l11.withUnsafeBufferPointer { l11 in
                    f.c.withUnsafeBufferPointer { cb in
                        for i in 0..<levels[0] {
                            let range = entryStart[i]..<entryStart[i + 1], count = range.count - 1
                            trailing.removeAll(keepingCapacity: true)
                            var slot = levelSlotStart[i]
                            for e in range {
                                let r = entryColumn[e]
                                for g in range.lowerBound...e {
                                    let s = entryColumn[g]
                                    let value = s < df ? z[levelSlots[slot]] : r < dim - 1 ? z[(r - df) * dd + s - df] : 0
                                    if s < df { slot += 1 }
                                    if e < range.upperBound - 1 { trailing.append(value) }
                                }
                            }
                            takahashi(q: q1, l11.baseAddress! + i * q1 * q1, below: cb.baseAddress! + range.lowerBound * q1, rows: count,
                                      trailing: trailing, &y, &square)
                            square.withUnsafeBufferPointer { s in add(0, s.baseAddress!) { t, j in y[(count - p + j) * q1 + t] } }
                        }
                    }
                }
            }
        }
        return sums
    }

    /// One column block J (q columns, L_JJ at `diagonal`, q × q; L_RJ at `below`, q values per row
    /// of R): Z_RJ into `y` (q per row) and Z_JJ into `square` (q × q) from Z_RR (`trailing`, its
    /// lower triangle row by row).
    private func takahashi(q: Int, _ diagonal: UnsafePointer<Double>, below: UnsafePointer<Double>, rows: Int,
                           trailing: [Double], _ y: inout [Double], _ square: inout [Double]) {
        y = [Double](repeating: 0, count: rows * q)
        square = [Double](repeating: 0, count: q * q)
        // Y = Z_RR L_RJ over the symmetric Z_RR
        var at = 0
        for x in 0..<rows {
            for s in 0...x {
                let v = trailing[at]; at += 1
                for t in 0..<q { y[x * q + t] += v * below[s * q + t] }
                if s != x { for t in 0..<q { y[s * q + t] += v * below[x * q + t] } }
            }
        }
        y.withUnsafeMutableBufferPointer { yb in
            CholeskyInverse.solveRows(yb.baseAddress!, rows: rows, pitch: q, width: q, diagonal, stride: q)
            square.withUnsafeMutableBufferPointer { s in
                CholeskyInverse.diagonalBlock(width: q, diagonal, stride: q, below: below, solved: yb.baseAddress!, rows: rows, pitch: q,
                                              into: s.baseAddress!, zStride: q)
            }
        }
    }
}

extension BlockedCrossProducts {
    /// The evaluation and its gradient (`DevianceGradient`) from one factorization: the modes, and
    /// the diagonal blocks of the inverse by the selected inverse (about twice the dense square's
    /// factorization, plus a pass over the levels).
    func gradient(_ theta: [Double], reml: Bool) -> (DevianceEvaluation, DevianceGradient)? {
        let lam = lambdas(theta)
        guard let f = factorize(theta), let e = evaluation(f, reml: reml), let u = sphericalModes(f, lam, beta: e.beta),
              let g = DevianceGradient(lambdas: q.indices.map { lambda(theta, term: $0) },
                                       inverseSums: inverseDiagonalSums(f, marginal: !reml), modes: u) else { return nil }
        return (e, g)
    }
}
