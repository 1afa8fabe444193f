/// A fit's parameters as lme4 lists them: the SDs and correlations of each random term
/// (VarCorr's order), σ, and the fixed effects.
public struct FitParameter: Sendable, Equatable {
    public enum Kind: String, Sendable { case sd, corr, sigma, fixed }
    public let kind: Kind
    /// The grouping factor as lme4 labels it (`person`, `person.1` for a second term), `Residual`
    /// for σ, empty for fixed effects.
    public let group: String
    /// The effect (`(Intercept)`, `session`), the pair of a correlation (`(Intercept):session`), or the fixed term.
    public let term: String
    public let value: Double
    /// For SDs and correlations: the component and its effects (a, b); a == b for an SD.
    let component: Int, a: Int, b: Int
}

extension LMMFit {
    /// The random terms in the order lme4 reports them: when some term has more levels than
    /// the term before it, by decreasing number of levels (`mkReTrms`: `rev(order(nl))`,
    /// which also reverses ties); otherwise as in the formula.
    public var lme4Order: [Int] {
        let nl = components.map(\.levels.count)
        guard zip(nl, nl.dropFirst()).contains(where: { $0 < $1 }) else { return Array(nl.indices) }
        let ascending = nl.indices.sorted { nl[$0] != nl[$1] ? nl[$0] < nl[$1] : $0 < $1 }
        return ascending.reversed()
    }

    /// Each random term's SDs then its correlations (lme4's VarCorr order, `.k` suffixes for
    /// further terms on a factor), then σ (group `Residual`).
    public var varianceParameters: [FitParameter] {
        var out: [FitParameter] = []
        var seen: [String: Int] = [:]
        for c in lme4Order {
            let comp = components[c]
            let k = seen[comp.term.groupName, default: 0]
            seen[comp.term.groupName] = k + 1
            let label = k == 0 ? comp.term.groupName : "\(comp.term.groupName).\(k)"
            for (a, name) in comp.names.enumerated() {
                out.append(FitParameter(kind: .sd, group: label, term: name, value: comp.standardDeviations[a], component: c, a: a, b: a))
            }
            for a in 0..<comp.names.count {
                for b in (a + 1)..<max(a + 1, comp.names.count) {
                    out.append(FitParameter(kind: .corr, group: label, term: comp.names[a] + ":" + comp.names[b],
                                            value: comp.correlation(a, b), component: c, a: a, b: b))
                }
            }
        }
        // a binomial or Poisson model has no residual SD (glmer's VarCorr lists none)
        if generalized == nil { out.append(FitParameter(kind: .sigma, group: "Residual", term: "", value: sigma, component: -1, a: 0, b: 0)) }
        return out
    }

    /// The variance parameters, then the fixed effects.
    public var parameters: [FitParameter] {
        varianceParameters + frame.xNames.enumerated().map {
            FitParameter(kind: .fixed, group: "", term: $1, value: beta[$0], component: -1, a: $0, b: $0)
        }
    }
}
