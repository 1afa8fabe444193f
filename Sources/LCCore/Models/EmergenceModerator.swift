import Glibc

/// A community characteristic that may speed up or slow down consensus emergence, one value per
/// group: `sd(x)` (the SD, n − 1, of x over the group's persons), `mean(x)`, `blau(x)` (Blau's
/// index 1 − Σ pₖ² of a categorical x over the persons), each from one value per person however
/// many sessions the person has (the person's first non-missing one), or a group-level column by
/// name (constant within each group). Centred at its mean over the groups that have it.
public enum EmergenceModerator: Sendable, Equatable, CustomStringConvertible {
    case sd(String), mean(String), blau(String), column(String)

    /// Parses `sd(lgo)`, `mean(lgo)`, `blau(role)` or a column name.
    public init(parsing text: String) throws {
        let t = text.filter { !$0.isWhitespace }
        for (name, make) in [("sd(", EmergenceModerator.sd), ("mean(", EmergenceModerator.mean), ("blau(", EmergenceModerator.blau)]
            as [(String, (String) -> EmergenceModerator)] where t.hasPrefix(name) {
            guard t.hasSuffix(")"), t.count > name.count + 1 else {
                throw LCError(.invalidArgument, "cannot read the moderator '\(text)'; write sd(COLUMN), mean(COLUMN), blau(COLUMN) or a group-level column")
            }
            self = make(String(t.dropFirst(name.count).dropLast()))
            return
        }
        guard !t.isEmpty, !t.contains(where: { "()|~:*+,".contains($0) }) else {
            throw LCError(.invalidArgument, "cannot read the moderator '\(text)'; write sd(COLUMN), mean(COLUMN), blau(COLUMN) or a group-level column")
        }
        self = .column(t)
    }

    public var column: String {
        switch self { case .sd(let c), .mean(let c), .blau(let c), .column(let c): return c }
    }

    public var description: String {
        switch self {
        case .sd(let c): return "sd(\(c))"
        case .mean(let c): return "mean(\(c))"
        case .blau(let c): return "blau(\(c))"
        case .column(let c): return c
        }
    }

    /// The moderator of each group (NaN where it is undefined: sd of fewer than two persons, no
    /// person with a value), indexed by the codes of `group` (`Grouping.codes`).
    func groupValues(_ data: Dataset, group: [Int32], groups: Int, person: String) throws -> [Double] {
        let values: [Double]
        if case .blau = self {
            values = try Grouping.codes(for: data.column(column)).0.map { $0 < 0 ? .nan : Double($0) }
        } else {
            let v = try data.numeric(column)
            values = (0..<data.rowCount).map { v[$0] }
        }
        if case .column(let c) = self {
            var value = [Double](repeating: .nan, count: groups), row = [Int](repeating: -1, count: groups)
            for r in 0..<data.rowCount where group[r] >= 0 && !values[r].isNaN {
                let g = Int(group[r])
                if value[g].isNaN { (value[g], row[g]) = (values[r], r); continue }
                guard value[g] == values[r] else {
                    throw LCError(.invalidArgument, "the moderator column '\(c)' differs within a group (data rows \(row[g] + 1) and \(r + 1)); give a group-level column, or sd(\(c)), mean(\(c)) or blau(\(c)) of a person-level one")
                }
            }
            return value
        }
        // each person's first value (persons are counted within their group)
        let (personCode, _) = try Grouping.codes(for: data.column(person))
        var seen = Set<Int64>()
        var perGroup = [[Double]](repeating: [], count: groups)
        for r in 0..<data.rowCount where group[r] >= 0 && personCode[r] >= 0 && !values[r].isNaN {
            if seen.insert(Int64(group[r]) << 32 | Int64(personCode[r])).inserted { perGroup[Int(group[r])].append(values[r]) }
        }
        return perGroup.map { x in
            switch self {
            case .sd: return x.count < 2 ? .nan : SampleStatistics.variance(x[...]).squareRoot()
            case .mean: return x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count)
            case .blau:
                guard !x.isEmpty else { return .nan }
                var counts: [Double: Double] = [:]
                for k in x { counts[k, default: 0] += 1 }
                return 1 - counts.values.reduce(0) { $0 + ($1 / Double(x.count)) * ($1 / Double(x.count)) }
            case .column: return .nan
            }
        }
    }
}
