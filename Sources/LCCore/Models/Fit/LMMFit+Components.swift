extension LMMFit {
    /// The random-effects terms of a fit in the formula's order, from the engine's blocks (terms
    /// merged by factor, factors in `order`): each term's diagonal block of σ²ΛΛ' and its columns
    /// of the conditional modes; singular when a diagonal of some Λ is below 1e-6.
    static func components(_ original: ModelFrame, order: [Int], members: [[Int]], engine: ProfiledDeviance,
                           theta: [Double], modes: [[[Double]]], sigma2: Double) -> (components: [Component], singular: Bool) {
        var components = [Component?](repeating: nil, count: original.random.count)
        var singular = false
        for (t, b) in order.enumerated() {
            let l = engine.lambda(theta, term: t)
            for i in 0..<l.rows where l[i, i] < 1e-6 { singular = true }
            let c = (l * l.transposed).scaled(sigma2)
            var offset = 0
            for m in members[b] {
                let block = original.random[m], q = block.z.count
                var sub = Matrix(rows: q, cols: q), subLambda = Matrix(rows: q, cols: q)
                for i in 0..<q { for j in 0..<q { sub[i, j] = c[offset + i, offset + j]; subLambda[i, j] = l[offset + i, offset + j] } }
                components[m] = Component(term: block.term, names: block.names, levels: block.levels, covariance: sub,
                                          modes: modes[t].map { Array($0[offset..<(offset + q)]) }, lambda: subLambda)
                offset += q
            }
        }
        return (components.compactMap { $0 }, singular)
    }

    /// Each term's slice of the free θ: engine blocks in order, their terms in order.
    static func thetaSlices(_ original: ModelFrame, order: [Int], members: [[Int]]) -> [Range<Int>] {
        var slices = [Range<Int>](repeating: 0..<0, count: original.random.count), position = 0
        for b in order {
            for m in members[b] {
                let q = original.random[m].z.count
                slices[m] = position..<(position + q * (q + 1) / 2)
                position += q * (q + 1) / 2
            }
        }
        return slices
    }
}
