import CLCStat
import LCCore

/// The named options of a spec, each validated when it is set.
extension SpecHandle {
    static let optionKeys = ["outcome", "consensus", "level_column", "center", "weights",
                             "group_size", "n_items", "replications", "seed", "method", "pseudo_groups", "wave",
                             "person", "time", "value", "reml", "bootstrap", "statistic", "significance"]

    func set(_ key: String, _ value: String) throws {
        switch key {
        case "outcome":
            guard !value.isEmpty else { throw LCError(.invalidArgument, "outcome must name a column") }
            outcome = value
        case "consensus":
            guard let c = ConsensusIndex(rawValue: value) else {
                throw LCError(.invalidArgument, "consensus must be one of \(ConsensusIndex.allCases.map(\.rawValue).joined(separator: ", ")), not '\(value)'")
            }
            consensus = c
        case "level_column":
            levelColumn = value.isEmpty ? nil : value
        case "center":
            center = try flag(key, value)
        case "weights":
            guard value == "none" || value == "size" else {
                throw LCError(.invalidArgument, "weights must be 'none' or 'size', not '\(value)'")
            }
            weightBySize = value == "size"
        case "group_size":
            groupSize = try integer(key, value)
        case "n_items":
            itemCount = try integer(key, value)
        case "replications":
            replications = try integer(key, value)
        case "person", "time", "value":
            guard !value.isEmpty else { throw LCError(.invalidArgument, "\(key) must name a column") }
            if key == "person" { person = value } else if key == "time" { time = value } else { self.value = value }
        case "significance":
            significance = try flag(key, value)
        case "bootstrap":
            bootstrap = try integer(key, value)
        case "statistic":
            guard value == "mean" || value == "median" else {
                throw LCError(.invalidArgument, "statistic must be 'mean' or 'median', not '\(value)'")
            }
            statistic = value
        case "reml":
            reml = try flag(key, value)
        case "wave":
            wave = value.isEmpty ? nil : value
        case "pseudo_groups":
            pseudoGroups = try integer(key, value)
        case "seed":
            guard let v = UInt64(value) else {
                throw LCError(.invalidArgument, "seed must be a whole number from 0 to 18446744073709551615, not '\(value)'")
            }
            seed = v
        case "method":
            guard let m = NullMethod(rawValue: value) else {
                throw LCError(.invalidArgument, "method must be one of \(NullMethod.allCases.map(\.rawValue).joined(separator: ", ")), not '\(value)'")
            }
            method = m
        default:
            throw LCError(.invalidArgument, "unknown spec option '\(key)' (known: \(Self.optionKeys.joined(separator: ", ")))")
        }
    }

    private func integer(_ key: String, _ value: String) throws -> Int {
        guard let v = Int(value), v >= 0 else { throw LCError(.invalidArgument, "\(key) must be a whole number ≥ 0, not '\(value)'") }
        return v
    }

    private func flag(_ key: String, _ value: String) throws -> Bool {
        switch value {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw LCError(.invalidArgument, "\(key) must be 'true' or 'false', not '\(value)'")
        }
    }
}

/// Sets a named option of a spec, given as text: "outcome" (a column),
/// "consensus" ("rwg_j", "sd" or "ad_m"), "level_column" (a column, "" for none),
/// "center" ("true"/"false"), "weights" ("none"/"size"); for null distributions
/// "group_size", "n_items", "replications" (whole numbers), "seed" (0 to 2⁶⁴ − 1)
/// and "method" ("auto", "exact", "monte_carlo"); "pseudo_groups" for random group
/// resampling; "wave" (a column) for consensus over time; "person", "time", "value"
/// (columns) and "reml" ("true"/"false") for emergence; "bootstrap" (resamples of the
/// groups, ICC intervals) and "statistic" ("mean"/"median", lc_bootstrap);
/// "significance" ("true": lc_agreement adds rwg_j_p and ad_m_p). An unknown key or a
/// value that does not parse is an error that leaves the spec unchanged.
@c(lc_spec_set)
public func lcSpecSet(_ spec: UnsafeMutablePointer<lc_spec>?, _ key: UnsafePointer<CChar>?, _ value: UnsafePointer<CChar>?,
                      _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    guarded(error) {
        let s = try Handles.lookup(spec, as: SpecHandle.self, .spec, what: "spec")
        try s.set(try string(key, "key"), try string(value, "value"))
    }
}
