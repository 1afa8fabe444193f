/// Is a group's agreement more than chance? (Dunlap, Burke & Smith-Crowe 2003;
/// LeBreton & Senter 2008.) For each group, the tail probability of its observed
/// index under the null for its own size k and number of items J (uniform answers,
/// the spec's null variance in the rwg denominator):
///
///     rwg_j_p = P(rwg(J)_null ≥ observed),   ad_m_p = P(AD_M,null ≤ observed),
///
/// exact where the null can be enumerated, simulated otherwise (see `AgreementNull`;
/// a simulated p is (count + 1)/(N + 1), never 0).
/// Groups of one size share one null distribution. Under missing = "available" a
/// group's items may have fewer answers than k; k is the group's n (an approximation there).
enum AgreementSignificance {
    /// Adds `rwgP` and `adP` to `result`, with a note.
    static func add(to result: inout AgreementResult, scale: ResponseScale, nullVariance: Double,
                    replications: Int, seed: UInt64) throws {
        let keys = zip(result.n, result.nItems).map { AgreementNull.GroupSize(raters: Int($0), items: Int($1)) }
        let nulls = try AgreementNull.rwgAndAD(for: Set(keys), scale: scale, nullVariance: nullVariance,
                                               replications: replications, seed: seed)
        var rwgP: [Double] = [], adP: [Double] = []
        for (g, key) in keys.enumerated() {
            let (rwg, ad, null) = (result.rwg[g], result.adM[g], nulls[key])
            rwgP.append(rwg.isFinite ? null?.rwg?.upperPValue(rwg) ?? .nan : .nan)
            adP.append(ad.isFinite ? null?.ad?.lowerPValue(ad) ?? .nan : .nan)
        }
        (result.rwgP, result.adP) = (rwgP, adP)
        result.notes.append("rwg_j_p, ad_m_p: tail probabilities under the uniform-answer null for the group's size and items (exact where feasible, else \(replications) simulated groups, seed \(seed))")
    }
}
