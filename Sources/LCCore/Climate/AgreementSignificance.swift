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
    /// The agreement table with `rwg_j_p` and `ad_m_p` inserted before `note`.
    static func adding(to table: ResultTable, scale: ResponseScale, nullVariance: Double,
                       replications: Int, seed: UInt64) throws -> ResultTable {
        guard let sizes = table.ints("n"), let items = table.ints("n_items"),
              let rwg = table.doubles("rwg_j"), let ad = table.doubles("ad_m") else {
            throw LCError(.internalError, "the agreement table lacks n, n_items, rwg_j or ad_m")      // never silently untested
        }
        let keys = zip(sizes, items).map { AgreementNull.GroupSize(raters: Int($0), items: Int($1)) }
        let nulls = try AgreementNull.rwgAndAD(for: Set(keys), scale: scale, nullVariance: nullVariance,
                                               replications: replications, seed: seed)
        var rwgP: [Double] = [], adP: [Double] = []
        for g in rwg.indices {
            let null = nulls[keys[g]]
            rwgP.append(rwg[g].isFinite ? null?.rwg?.upperPValue(rwg[g]) ?? .nan : .nan)
            adP.append(ad[g].isFinite ? null?.ad?.lowerPValue(ad[g]) ?? .nan : .nan)
        }
        return table.inserting([.init("rwg_j_p", .double(rwgP)), .init("ad_m_p", .double(adP))], before: "note", notes: [
            "rwg_j_p, ad_m_p: tail probabilities under the uniform-answer null for the group's size and items (exact where feasible, else \(replications) simulated groups, seed \(seed))"])
    }
}
