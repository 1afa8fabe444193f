/// Random-effects terms that share a grouping factor, e.g. lme4's
/// `(1 | person) + (0 + session | person)`, share one block of the engine with a
/// block-diagonal Λ: each term's effects are correlated among themselves and
/// independent of the other terms'. θ holds only the free entries (each term's
/// lower triangle, column by column, terms in order); `expand` places them in the
/// engine's full lower triangles with zeros between terms.
struct ThetaLayout: Sendable {
    /// Per engine block (in engine order): the sizes of the terms it merges.
    let memberSizes: [[Int]]

    /// Visits the engine's θ positions in order: (block, row, column, free?).
    private func forEachPosition(_ body: (_ free: Bool, _ diagonal: Bool) -> Void) {
        for sizes in memberSizes {
            let q = sizes.reduce(0, +)
            var member = [Int]()
            for (m, s) in sizes.enumerated() { member += [Int](repeating: m, count: s) }
            for j in 0..<q { for i in j..<q { body(member[i] == member[j], i == j) } }
        }
    }

    /// Bounds and start of the free entries (lme4's: diagonals ≥ 0 from 1, the rest free from 0).
    var lowerAndStart: (lower: [Double], start: [Double]) {
        var lower: [Double] = [], start: [Double] = []
        forEachPosition { free, diagonal in
            if free { lower.append(diagonal ? 0 : -.infinity); start.append(diagonal ? 1 : 0) }
        }
        return (lower, start)
    }

    /// The same covariances with every diagonal ≥ 0: a column of Λ whose diagonal is negative is
    /// negated (ΛΛ' is unchanged), as an unconstrained optimiser may leave it.
    func canonical(_ reduced: [Double]) -> [Double] {
        var out = reduced, k = 0
        for sizes in memberSizes {
            let q = sizes.reduce(0, +)
            var member = [Int]()
            for (m, s) in sizes.enumerated() { member += [Int](repeating: m, count: s) }
            for j in 0..<q {
                let column = (j..<q).filter { member[$0] == member[j] }.count
                if out[k] < 0 { for t in k..<(k + column) { out[t] = -out[t] } }
                k += column
            }
        }
        return out
    }

    /// A vector over the engine's θ positions at the free entries only (a gradient in the free θ).
    func reduce(_ full: [Double]) -> [Double] {
        var out: [Double] = [], k = 0
        forEachPosition { free, _ in
            if free && k < full.count { out.append(full[k]) }
            k += 1
        }
        return out
    }

    /// The engine's θ from the free entries.
    func expand(_ reduced: [Double]) -> [Double] {
        var out: [Double] = [], k = 0
        forEachPosition { free, _ in
            if free { out.append(k < reduced.count ? reduced[k] : .nan); k += 1 } else { out.append(0) }
        }
        return out
    }
}

/// An engine seen through a `ThetaLayout`: evaluated at the free entries of θ only
/// (what the Satterthwaite derivatives must vary).
struct ExpandedTheta: ProfiledDeviance {
    let base: ProfiledDeviance
    let layout: ThetaLayout
    var effectsPerTerm: [Int] { base.effectsPerTerm }
    var xtx: Matrix { base.xtx }
    var evaluatesConcurrently: Bool { base.evaluatesConcurrently }
    func evaluate(_ theta: [Double], reml: Bool) -> DevianceEvaluation? { base.evaluate(layout.expand(theta), reml: reml) }
    func gradient(_ theta: [Double], reml: Bool) -> (DevianceEvaluation, DevianceGradient)? {
        base.gradient(layout.expand(theta), reml: reml).map { e, g in
            (e, DevianceGradient(logDeterminants: layout.reduce(g.logDeterminants), r2: layout.reduce(g.r2)))
        }
    }
    func sphericalModes(_ theta: [Double], beta: [Double]) -> [[[Double]]] {
        base.sphericalModes(layout.expand(theta), beta: beta)
    }
    var rowSumsBySegment: [[Double]] { base.rowSumsBySegment }
    func withRowSums(_ sums: [[Double]]) -> ProfiledDeviance? {
        base.withRowSums(sums).map { ExpandedTheta(base: $0, layout: layout) }
    }
}

extension ModelFrame {
    /// The random terms grouped by grouping factor, factors in order of first appearance.
    var termsByFactor: [[Int]] {
        var names: [String] = [], members: [[Int]] = []
        for (t, block) in random.enumerated() {
            if let k = names.firstIndex(of: block.term.groupName) { members[k].append(t) } else {
                names.append(block.term.groupName)
                members.append([t])
            }
        }
        return members
    }


    /// The frame with the random terms of each grouping factor merged into one block
    /// (effects side by side), and for each block the indices of the terms it merges.
    func mergingTermsByFactor() -> (frame: ModelFrame, members: [[Int]]) {
        let members = termsByFactor
        if members.allSatisfy({ $0.count == 1 }) { return (self, members) }
        let blocks = members.map { m -> RandomBlock in
            let first = random[m[0]]
            return RandomBlock(term: first.term, group: first.group, levels: first.levels,
                               z: m.flatMap { random[$0].z }, names: m.flatMap { random[$0].names })
        }
        return (replacingRandom(blocks), members)
    }
}
