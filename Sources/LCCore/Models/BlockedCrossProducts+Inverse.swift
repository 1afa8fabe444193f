/// The diagonal blocks of the inverse of `BlockedCrossProducts`' matrix, by Takahashi's
/// recursion on the blocked factor (`CholeskyInverse`), last column block first: the dense
/// square in full, then each peeled level block and each level of factor 1 from the entries
/// of Z on the rows it meets, which are on the factor's pattern and so already computed (the
/// selected inverse: Erisman & Tinney 1975; Rue & Martino 2007 use it for the same traces).
extension BlockedCrossProducts {
    /// Per factor k, Σ over its levels ℓ of the q_k×q_k diagonal block Z_ℓℓ of A⁻¹, A = T'W̃'W̃T +
    /// [I 0; 0 0] over W̃ = [Z X] (every column but y). With `marginal`, of the random part's own
    /// inverse instead, (Λ'Z'ZΛ + I)⁻¹: Z_ℓℓ − Z_ℓX Z_XX⁻¹ Z_Xℓ, with Z_XX⁻¹ = L_XX L_XX'.
    /// Z overwrites the factor's store (`f.l`) as the recursion goes (each column block's L is read
    /// before its Z is written; the dense square's strict upper triangle, unused by L, takes Z's).
    func inverseDiagonalSums(_ f: inout Factor, marginal: Bool) -> [[Double]] {
        let (df, dd) = (layout.denseFrom, layout.denseSize), nd = dd - 1, x0 = randomCount - df
        let maxQ = q.max() ?? 1
        var maxRows = 0
        for b in layout.blockColumn.indices { maxRows = max(maxRows, layout.rowStart[b + 1] - layout.rowStart[b]) }
        for i in 0..<levels[0] { maxRows = max(maxRows, entryStart[i + 1] - entryStart[i]) }
        // per factor Σ Z_ℓℓ; scratch for one column block (Z_RJ, Z_JJ, Z_ℓX L_XX)
        var sums = q.map { [Double](repeating: 0, count: $0 * $0) }
        let store = Scratch(), scratch = ColumnBlock(store, rows: maxRows, q: maxQ, p: p)
        defer { withExtendedLifetime(store) {} }
        // L_XX, the X rows of the dense factor
        let lxx = (0..<(p * p)).map { $0 % p <= $0 / p ? f.l[(x0 + $0 / p) * dd + x0 + $0 % p] : 0 }
        /// sum += Z_ℓℓ (`scratch.square`, qk×qk) − (Z_ℓX L_XX)(Z_ℓX L_XX)', Z_ℓX[t, j] at zlx[t·tStride + j·jStride].
        func add(_ sum: UnsafeMutablePointer<Double>, _ qk: Int, _ scratch: ColumnBlock, _ zlx: UnsafePointer<Double>, tStride: Int, jStride: Int) {
            let (square, v) = (scratch.square, scratch.v)
            for a in 0..<(qk * qk) { sum[a] += square[a] }
            guard marginal else { return }
            for t in 0..<qk {
                for j in 0..<p {
                    var s = 0.0
                    for i in j..<p { s += zlx[t * tStride + i * jStride] * lxx[i * p + j] }
                    v[t * p + j] = s
                }
            }
            for a in 0..<qk { for b in 0..<qk { for j in 0..<p { sum[a * qk + b] -= v[a * p + j] * v[b * p + j] } } }
        }
        let (l11Values, cValues) = (f.l11, f.c)
        f.l.withUnsafeMutableBufferPointer { lb in
            let l = lb.baseAddress!, z = l
            let (y, square) = (scratch.y, scratch.square)
            CholeskyInverse.invert(l, lStride: dd, n: nd, into: z, zStride: dd)
            // the dense factors' levels
            var c = df
            while c < randomCount {
                let k = factorOfColumn[c], qk = q[k], at = c - df
                for a in 0..<qk { for b in 0..<qk { square[a * qk + b] = z[(at + a) * dd + at + b] } }
                sums[k].withUnsafeMutableBufferPointer { add($0.baseAddress!, qk, scratch, z + at * dd + x0, tStride: dd, jStride: 1) }
                c += qk
            }
            // the peeled level blocks, last first: their rows R are later peeled columns and dense ones
            layout.rows.withUnsafeBufferPointer { allRows in
                peelSlots.withUnsafeBufferPointer { slots in
                    for b in layout.blockColumn.indices.reversed() {
                        let (off, qb) = (layout.blockOffset[b], layout.blockSize[b])
                        let rows = allRows.baseAddress! + layout.rowStart[b], count = layout.rowStart[b + 1] - layout.rowStart[b] - 1   // y left out
                        let below = l + off + qb * qb
                        product(AnyEffects.self, q: qb, z, rows: rows, count: count, slots: slots.baseAddress! + peelSlotStart[b], below: below, into: y)
                        finish(AnyEffects.self, q: qb, l + off, below: below, rows: count, y, square)
                        for i in 0..<(count * qb) { z[off + qb * qb + i] = y[i] }
                        for i in 0..<(qb * qb) { z[off + i] = square[i] }
                        let k = factorOfColumn[layout.blockColumn[b]]
                        sums[k].withUnsafeMutableBufferPointer { add($0.baseAddress!, qb, scratch, y + (count - p) * qb, tStride: 1, jStride: qb) }
                    }
                }
            }
            // the levels of factor 1 (which only read Z): their rows are the columns of their entries (the
            // last is y); in the elimination's order (neighbours read the same part of the dense Z), cut
            // into a fixed number of chunks run in parallel and summed in order (the same sums whatever the threads)
            let q1 = q[0], order = eliminationOrder, chunks = min(16, order.count)
            let zRead = UnsafePointer(z)
            /// Σ Z_ℓℓ over the levels of one chunk.
            func chunkSum(_ chunk: Int) -> [Double] {
                let store = Scratch(), scratch = ColumnBlock(store, rows: maxRows, q: maxQ, p: p)
                defer { withExtendedLifetime(store) {} }
                var sum = [Double](repeating: 0, count: q1 * q1)
                l11Values.withUnsafeBufferPointer { l11 in
                    cValues.withUnsafeBufferPointer { cb in
                        entryColumn.withUnsafeBufferPointer { columns in
                            levelSlots.withUnsafeBufferPointer { slots in
                                sum.withUnsafeMutableBufferPointer { sum in
                                    // with q₁ a constant in the common cases (loops unrolled)
                                    func levelsOfFactor1<Size: EffectCount>(_: Size.Type) {
                                        let q1 = Size.count(q1), (y, square) = (scratch.y, scratch.square)
                                        for i in order[(chunk * order.count / chunks)..<((chunk + 1) * order.count / chunks)] {
                                            let first = entryStart[i], count = entryStart[i + 1] - first - 1
                                            let cols = columns.baseAddress! + first
                                            let below = cb.baseAddress! + first * q1
                                            product(Size.self, q: q1, zRead, rows: cols, count: count, slots: slots.baseAddress! + levelSlotStart[i],
                                                    below: below, into: y)
                                            finish(Size.self, q: q1, l11.baseAddress! + i * q1 * q1, below: below, rows: count, y, square)
                                            add(sum.baseAddress!, q1, scratch, y + (count - p) * q1, tStride: 1, jStride: q1)
                                        }
                                    }
                                    if q1 == 1 { levelsOfFactor1(OneEffect.self) } else if q1 == 2 { levelsOfFactor1(TwoEffects.self) }
                                    else { levelsOfFactor1(AnyEffects.self) }
                                }
                            }
                        }
                    }
                }
                return sum
            }
            let parts = (try? Parallel.mapRanges(count: chunks, minimumPerThread: order.count >= 512 ? 1 : chunks) { $0.map(chunkSum) })?
                .flatMap { $0 } ?? (0..<chunks).map(chunkSum)
            for part in parts { for a in part.indices { sums[0][a] += part[a] } }
        }
        return sums
    }

    /// One thread's scratch for a column block, from `store` (which frees it): Y = Z_RJ (rows × q),
    /// Z_JJ (q × q) and Z_ℓX L_XX (q × p).
    private struct ColumnBlock {
        let y: UnsafeMutablePointer<Double>, square: UnsafeMutablePointer<Double>, v: UnsafeMutablePointer<Double>
        init(_ store: Scratch, rows: Int, q: Int, p: Int) { (y, square, v) = (store.block(rows * q), store.block(q * q), store.block(q * p)) }
    }

    /// Y = Z_RR L_RJ for a column block whose rows R are `rows[0..<count]` (ascending; y follows),
    /// reading Z_RR as it goes: peeled columns through `slots` (the store indices of the block's
    /// pairs in peeled columns, row by row, those with y last), dense ones in the square. q values
    /// per row of `below` (L_RJ) and of `y`.
    @inline(__always)
    private func product<Size: EffectCount>(_: Size.Type, q actual: Int, _ z: UnsafePointer<Double>, rows: UnsafePointer<Int>, count: Int,
                                            slots: UnsafePointer<Int>, below: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>) {
        let q = Size.count(actual), (df, dd) = (layout.denseFrom, layout.denseSize)
        var slot = slots
        for t in 0..<(count * q) { y[t] = 0 }
        for e in 0..<count {
            // (a row in a peeled column meets only peeled columns: then denseRow is not read)
            let (denseRow, ye, be) = (z + (rows[e] - df) * dd - df, y + e * q, below + e * q)
            for g in 0...e {
                let s = rows[g]
                let v: Double
                if s < df { v = z[slot.pointee]; slot += 1 } else { v = denseRow[s] }
                let (yg, bg) = (y + g * q, below + g * q)
                for t in 0..<q { ye[t] += v * bg[t] }
                if g != e { for t in 0..<q { yg[t] += v * be[t] } }
            }
        }
    }

    /// From Y = Z_RR L_RJ: Z_RJ = −Y L_JJ⁻¹ in place, and Z_JJ = L_JJ⁻ᵀ(L_JJ⁻¹ − L_RJ'Z_RJ) into `square`.
    @inline(__always)
    private func finish<Size: EffectCount>(_: Size.Type, q actual: Int, _ diagonal: UnsafePointer<Double>, below: UnsafePointer<Double>,
                                           rows: Int, _ y: UnsafeMutablePointer<Double>, _ square: UnsafeMutablePointer<Double>) {
        let q = Size.count(actual)
        CholeskyInverse.solveRows(y, rows: rows, pitch: q, width: q, diagonal, stride: q)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: q * q) { p in
            CholeskyInverse.lowerInverse(diagonal, stride: q, width: q, into: p.baseAddress!, pitch: q)
            CholeskyInverse.diagonalBlock(width: q, inverse: p.baseAddress!, pitch: q, below: below, solved: y, rows: rows, rowPitch: q,
                                          into: square, zStride: q)
        }
    }
}

extension BlockedCrossProducts {
    /// The evaluation and its gradient (`DevianceGradient`) from one factorization: the modes, and
    /// the diagonal blocks of the inverse by the selected inverse (about twice the dense square's
    /// factorization, plus a pass over the levels).
    func gradient(_ theta: [Double], reml: Bool) -> (DevianceEvaluation, DevianceGradient)? {
        // a variance at zero has no gradient of this form: known before the factor is formed
        let matrices = q.indices.map { lambda(theta, term: $0) }
        guard DevianceGradient.exists(for: matrices), var f = factorize(theta), let e = evaluation(f, reml: reml),
              let (first, rest) = sphericalModes(f, lambdas(theta), beta: e.beta) else { return nil }
        // Σ_ℓ u_ℓu_ℓ' per factor
        var modeSums = q.map { [Double](repeating: 0, count: $0 * $0) }
        for k in q.indices {
            let (qk, values, from) = (q[k], k == 0 ? first : rest, k == 0 ? 0 : start[k])
            for l in 0..<levels[k] {
                let at = from + l * qk
                for a in 0..<qk { for b in 0..<qk { modeSums[k][a * qk + b] += values[at + a] * values[at + b] } }
            }
        }
        guard let g = DevianceGradient(lambdas: matrices, levels: levels,
                                       inverseSums: inverseDiagonalSums(&f, marginal: !reml), modeSums: modeSums) else { return nil }
        return (e, g)
    }
}
