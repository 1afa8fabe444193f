/// What to compute climate level and consensus on. Defaults follow R's multilevel.
public struct AgreementSpec: Sendable {
    /// Group key column(s); several form one tuple key (see `Grouping`).
    public var group: [String]
    public var items: [String]
    /// Declared response scale; without it the rwg family and awg are missing.
    public var scale: ResponseScale?
    public var null: NullResponseDistribution
    public var missing: MissingPolicy
    /// Items to reverse-code as low + high − x (needs `scale`).
    public var reverse: [String]
    /// Also test each group's agreement against the null for its size (`AgreementSignificance`):
    /// simulated groups per size where enumeration is not feasible, and their seed.
    public var significance: (replications: Int, seed: UInt64)? = nil

    public init(group: [String], items: [String], scale: ResponseScale? = nil,
                null: NullResponseDistribution = .uniform, missing: MissingPolicy = .available, reverse: [String] = []) {
        self.group = group
        self.items = items
        self.scale = scale
        self.null = null
        self.missing = missing
        self.reverse = reverse
    }
}
