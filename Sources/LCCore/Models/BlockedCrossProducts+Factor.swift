/// The blocked factor at θ: M = T'W'WT + I in `PeeledLayout`'s store, factor 1 eliminated
/// level by level, then the peeled factors, then the dense square.
extension BlockedCrossProducts {
    /// L₁₁ᵢ of level i at `l11[i·q₁² ..< (i + 1)·q₁²]` (row-major), Cᵢ (entries as stored, q₁
    /// each) and the store of L.
    struct Factor {
        var l11: [Double], c: [Double], l: [Double]
    }

    /// Λ of every factor, row-major q×q.
    func lambdas(_ theta: [Double]) -> [[Double]] {
        (0..<q.count).map { lambda(theta, term: $0).values }
    }

    /// x ← T'x for a vector over W's columns `from...` (x[(c − from)·stride]), in place:
    /// (Λ'x)_u = Σ_{a ≥ u} Λ[a, u] x_a within each level block, u ascending. `from` is the first
    /// column of a level block.
    func applyTransposeT(_ x: UnsafeMutablePointer<Double>, stride: Int, from: Int = 0, _ lam: [[Double]]) {
        var c = from
        while c < randomCount {
            let k = factorOfColumn[c], qk = q[k]
            lambdaTranspose(lam[k], qk, x + (c - from) * stride, stride: stride)
            c += qk
        }
    }

    /// v ← Λ'v for the q values v[0], v[stride], …, in place (Λ lower triangular, row-major).
    private func lambdaTranspose(_ lam: [Double], _ qk: Int, _ v: UnsafeMutablePointer<Double>, stride: Int) {
        for u in 0..<qk {
            var s = 0.0
            for a in u..<qk { s += lam[a * qk + u] * v[a * stride] }
            v[u * stride] = s
        }
    }

    func factorize(_ theta: [Double]) -> Factor? {
        let lam = lambdas(theta), q1 = q[0]
        var m = ww
        var l11 = [Double](repeating: 0, count: levels[0] * q1 * q1)
        var c = entryValues
        let l1 = lam[0], maxQ = q.max() ?? 1
        // T's diagonal per column of W when T is diagonal (scalar Λ of factors 2…K), else empty
        let scale: [Double] = q.dropFirst().allSatisfy({ $0 == 1 })
            ? (0..<dim).map { c in c < randomCount ? lam[factorOfColumn[c]][0] : 1 } : []
        var scratch = [Double](repeating: 0, count: q1 * q1 + maxQ * q1 + q1)
        let ok = m.withUnsafeMutableBufferPointer { m -> Bool in
            c.withUnsafeMutableBufferPointer { c -> Bool in
                l11.withUnsafeMutableBufferPointer { l11 -> Bool in
                    scratch.withUnsafeMutableBufferPointer { scratch -> Bool in
                        l1.withUnsafeBufferPointer { l1 in
                            a11.withUnsafeBufferPointer { a11 in
                                entryColumn.withUnsafeBufferPointer { columns in
                                    scale.withUnsafeBufferPointer { scale in
                                        levelSlots.withUnsafeBufferPointer { slots in
                                            let s = scale.isEmpty ? nil : scale.baseAddress
                                            applyT(m.baseAddress!, lam, scale: s)
                                            // factor 1's levels, with q₁ a constant in the common cases (loops unrolled)
                                            func eliminateAll<Size: EffectCount>(_: Size.Type) -> Bool {
                                                for i in eliminationOrder {
                                                    guard eliminate(level: i, Size.self, m.baseAddress!, c.baseAddress!, l11.baseAddress! + i * q1 * q1,
                                                                    scratch, lam, l1.baseAddress!, s, a11.baseAddress!, columns.baseAddress!,
                                                                    slots.baseAddress!) else { return false }
                                                }
                                                return true
                                            }
                                            let eliminated = q1 == 1 ? eliminateAll(OneEffect.self) : q1 == 2 ? eliminateAll(TwoEffects.self)
                                                : eliminateAll(AnyEffects.self)
                                            return eliminated && peel(m.baseAddress!)
                                                && DenseCholesky.factorLower(m.baseAddress!, layout.denseSize)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard ok else { return nil }
        return Factor(l11: l11, c: c, l: m)
    }

    /// The store ← T'(W'W)T + [I 0; 0 0] (lower triangle). `scale`: T's diagonal when T is diagonal.
    private func applyT(_ a: UnsafeMutablePointer<Double>, _ lam: [[Double]], scale: UnsafePointer<Double>?) {
        let (df, dd) = (layout.denseFrom, layout.denseSize)
        if let t = scale {
            for i in 0..<dd { let ti = t[df + i]; for j in 0...i { a[i * dd + j] *= ti * t[df + j] } }
            for b in layout.blockColumn.indices {
                let (off, b0) = (layout.blockOffset[b], layout.blockColumn[b])
                a[off] *= t[b0] * t[b0]
                for (x, r) in layout.rows(of: b).enumerated() { a[off + 1 + x] *= t[b0] * t[r] }
            }
        } else {
            // the dense square: made symmetric, then rows and columns times T
            for i in 0..<dd { for j in 0..<i { a[j * dd + i] = a[i * dd + j] } }
            for i in 0..<dd { applyTransposeT(a + i * dd, stride: 1, from: df, lam) }
            for j in 0..<dd { applyTransposeT(a + j, stride: dd, from: df, lam) }
            // each peeled block: its square Λ'SΛ, each later row times Λ, then the rows of one level times Λ'
            var square = [Double](repeating: 0, count: (q.max() ?? 1) * (q.max() ?? 1))
            for b in layout.blockColumn.indices {
                let (off, b0, qb) = (layout.blockOffset[b], layout.blockColumn[b], layout.blockSize[b])
                let lb = lam[factorOfColumn[b0]], rows = Array(layout.rows(of: b))
                square.withUnsafeMutableBufferPointer { s in
                    let s = s.baseAddress!
                    for i in 0..<qb { for j in 0...i { s[i * qb + j] = a[off + i * qb + j]; s[j * qb + i] = a[off + i * qb + j] } }
                    for i in 0..<qb { lambdaTranspose(lb, qb, s + i * qb, stride: 1) }
                    for j in 0..<qb { lambdaTranspose(lb, qb, s + j, stride: qb) }
                    for i in 0..<qb { for j in 0...i { a[off + i * qb + j] = s[i * qb + j] } }
                }
                let below = a + off + qb * qb
                for x in rows.indices { lambdaTranspose(lb, qb, below + x * qb, stride: 1) }
                var x = 0
                while x < rows.count {
                    guard rows[x] < randomCount else { break }
                    let k = factorOfColumn[rows[x]]
                    for t in 0..<qb { lambdaTranspose(lam[k], q[k], below + x * qb + t, stride: qb) }
                    x += q[k]
                }
            }
        }
        for d in df..<randomCount { a[(d - df) * (dd + 1)] += 1 }
        for b in layout.blockColumn.indices {
            let (off, qb) = (layout.blockOffset[b], layout.blockSize[b])
            for t in 0..<qb { a[off + t * (qb + 1)] += 1 }
        }
    }

    /// Eliminates level i of factor 1: L₁₁ᵢ = chol(Λ₁'A₁₁ᵢΛ₁ + I) into `l`, its entries of
    /// Cᵢ = T'W'Z₁ᵢΛ₁L₁₁ᵢ⁻ᵀ in place in `c`, and M −= CᵢCᵢ'. No allocation. `scale`: T's
    /// diagonal per column of W when T is diagonal, else nil.
    private func eliminate<Size: EffectCount>(level i: Int, _: Size.Type, _ m: UnsafeMutablePointer<Double>, _ c: UnsafeMutablePointer<Double>,
                           _ l: UnsafeMutablePointer<Double>, _ scratch: UnsafeMutableBufferPointer<Double>,
                           _ lam: [[Double]], _ l1: UnsafePointer<Double>, _ scale: UnsafePointer<Double>?,
                           _ a11: UnsafePointer<Double>, _ columns: UnsafePointer<Int>, _ slots: UnsafePointer<Int>) -> Bool {
        let q1 = Size.count(q[0])
        let mixed = scratch.baseAddress! + q1 * q1, row = mixed + (scratch.count - q1 * q1 - q1)
        // Λ₁'A₁₁ᵢΛ₁ + I, then its Cholesky factor in place
        let a = a11 + i * q1 * q1
        for x in 0..<q1 {
            for y in 0...x {
                var v = 0.0
                for u in y..<q1 { for w in x..<q1 { v += l1[u * q1 + y] * a[u * q1 + w] * l1[w * q1 + x] } }
                l[x * q1 + y] = v + (x == y ? 1 : 0)
            }
        }
        guard DenseCholesky.factorBlock(l, size: q1, stride: q1) else { return false }
        let range = entryStart[i]..<entryStart[i + 1]
        // rows of T'W'Z₁ᵢ: T' mixes the q_k rows of one level of factor k, which are adjacent entries
        if let scale {
            for e in range { let s = scale[columns[e]]; for t in 0..<q1 { c[e * q1 + t] *= s } }
        } else {
            var e = range.lowerBound
            while e < range.upperBound {
                let col = columns[e]
                if col >= randomCount { e += 1; continue }
                let k = factorOfColumn[col], qk = q[k]
                for u in 0..<(qk * q1) { mixed[u] = 0 }
                for u in 0..<qk { for a in u..<qk { for t in 0..<q1 { mixed[u * q1 + t] += lam[k][a * qk + u] * c[(e + a) * q1 + t] } } }
                for u in 0..<(qk * q1) { c[e * q1 + u] = mixed[u] }
                e += qk
            }
        }
        // · Λ₁, then · L₁₁ᵢ⁻ᵀ (solve L₁₁ᵢ x = row')
        for e in range {
            for t in 0..<q1 {
                var v = 0.0
                for a in t..<q1 { v += c[e * q1 + a] * l1[a * q1 + t] }
                row[t] = v
            }
            for t in 0..<q1 {
                var v = row[t]
                for a in 0..<t { v -= l[t * q1 + a] * row[a] }
                row[t] = v / l[t * q1 + t]
                c[e * q1 + t] = row[t]
            }
        }
        // M −= CᵢCᵢ' (lower triangle): the entries in peeled columns (a prefix, columns ascending)
        // through the plan, the dense ones by position
        let (df, dd) = (layout.denseFrom, layout.denseSize)
        let ci = c + range.lowerBound * q1, cols = columns + range.lowerBound, count = range.count
        var peeledCount = 0
        while peeledCount < count && cols[peeledCount] < df { peeledCount += 1 }
        var slot = slots + levelSlotStart[i]
        for e in 0..<count {
            let denseRow = m + ((cols[e] &- df) &* dd &- df)
            for f in 0...e {
                let v = Self.dot(ci + e &* q1, ci + f &* q1, q1)
                if f < peeledCount { m[slot.pointee] -= v; slot += 1 } else { denseRow[cols[f]] -= v }
            }
        }
        return true
    }

    /// Σ_t x[t]·y[t] over q values, written out for the common q of 1 and 2.
    @inline(__always)
    private static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ q: Int) -> Double {
        switch q {
        case 1: return x[0] * y[0]
        case 2: return x[0] * y[0] + x[1] * y[1]
        default:
            var v = 0.0
            for t in 0..<q { v += x[t] * y[t] }
            return v
        }
    }

    /// Eliminates the peeled factors level block by level block, leaving in the store their
    /// columns of L and, in the dense square, the Schur complement that the dense stage factors.
    private func peel(_ a: UnsafeMutablePointer<Double>) -> Bool {
        let (df, dd) = (layout.denseFrom, layout.denseSize)
        return peelSlots.withUnsafeBufferPointer { slots in
            layout.rows.withUnsafeBufferPointer { allRows in
                for b in layout.blockColumn.indices {
                    let (off, qb) = (layout.blockOffset[b], layout.blockSize[b])
                    let rows = allRows.baseAddress! + layout.rowStart[b], count = layout.rowStart[b + 1] - layout.rowStart[b]
                    // L_b = chol of the level's block, in place; the rows it meets: c_r = M[r, block] L_b⁻ᵀ
                    guard DenseCholesky.factorBlock(a + off, size: qb, stride: qb) else { return false }
                    let (diagonal, below) = (a + off, a + off + qb * qb)
                    for x in 0..<count {
                        for t in 0..<qb {
                            var v = below[x * qb + t]
                            for u in 0..<t { v -= diagonal[t * qb + u] * below[x * qb + u] }
                            below[x * qb + t] = v / diagonal[t * qb + t]
                        }
                    }
                    // M[r, s] −= c_r·c_s: rows in peeled columns through the plan, the dense ones by position
                    var slot = slots.baseAddress! + peelSlotStart[b]
                    for x in 0..<count {
                        let denseRow = a + ((rows[x] &- df) &* dd &- df)
                        for z in 0...x {
                            let v = Self.dot(below + x &* qb, below + z &* qb, qb)
                            let s = rows[z]
                            if s >= df { denseRow[s] -= v } else { a[slot.pointee] -= v; slot += 1 }
                        }
                    }
                }
                return true
            }
        }
    }
}

/// The number of random effects per level of factor 1, as a type, so that `eliminate` is
/// compiled once with 1 and once with 2 as constants (its loops unrolled) and once for any.
protocol EffectCount { static func count(_ actual: Int) -> Int }
enum OneEffect: EffectCount { @inline(__always) static func count(_ actual: Int) -> Int { 1 } }
enum TwoEffects: EffectCount { @inline(__always) static func count(_ actual: Int) -> Int { 2 } }
enum AnyEffects: EffectCount { @inline(__always) static func count(_ actual: Int) -> Int { actual } }
