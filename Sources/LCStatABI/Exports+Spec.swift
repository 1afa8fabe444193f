import CLCStat
import LCCore

/// Creates an analysis spec with R multilevel's defaults: no scale, uniform
/// null, missing = "available", ICC(1) k = "mean". Free it with lc_spec_free.
@c(lc_spec_create)
public func lcSpecCreate(_ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_spec>?>?,
                         _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error, trivial: true) { SpecHandle() }
}

/// Releases a spec (NULL and already-freed handles are ignored).
@c(lc_spec_free)
public func lcSpecFree(_ spec: UnsafeMutablePointer<lc_spec>?) { Handles.free(spec, .spec) }

/// Runs `body` on the live spec behind `spec`.
func withSpec(_ spec: UnsafeMutablePointer<lc_spec>?, _ error: UnsafeMutablePointer<lc_error>?,
                      _ body: (SpecHandle) throws -> Void) -> Int32 {
    guarded(error) { try body(try Handles.lookup(spec, as: SpecHandle.self, .spec, what: "spec")) }
}

/// Sets the group column(s); several form one tuple key and come back as several columns.
@c(lc_spec_set_group)
public func lcSpecSetGroup(_ spec: UnsafeMutablePointer<lc_spec>?, _ columns: UnsafePointer<UnsafePointer<CChar>?>?,
                           _ n: Int64, _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.group = try strings(columns, n, "group columns") }
}

/// Sets the item columns.
@c(lc_spec_set_items)
public func lcSpecSetItems(_ spec: UnsafeMutablePointer<lc_spec>?, _ columns: UnsafePointer<UnsafePointer<CChar>?>?,
                           _ n: Int64, _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.items = try strings(columns, n, "items") }
}

/// Sets the items to reverse-code as low + high - x (needs a scale).
@c(lc_spec_set_reverse)
public func lcSpecSetReverse(_ spec: UnsafeMutablePointer<lc_spec>?, _ columns: UnsafePointer<UnsafePointer<CChar>?>?,
                             _ n: Int64, _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.reverse = try strings(columns, n, "reverse items") }
}

/// Sets the id columns that lc_scores carries into its table, row by row, as they are.
@c(lc_spec_set_ids)
public func lcSpecSetIds(_ spec: UnsafeMutablePointer<lc_spec>?, _ columns: UnsafePointer<UnsafePointer<CChar>?>?,
                         _ n: Int64, _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.ids = try strings(columns, n, "id columns") }
}

/// Declares the response scale low..high (whole numbers, low < high).
@c(lc_spec_set_scale)
public func lcSpecSetScale(_ spec: UnsafeMutablePointer<lc_spec>?, _ low: Double, _ high: Double,
                           _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.scale = try ResponseScale(low: low, high: high) }
}

/// Sets the null distribution: "uniform", "slight_skew", "moderate_skew",
/// "heavy_skew", "triangular", "normal", or a positive variance written as text.
@c(lc_spec_set_null)
public func lcSpecSetNull(_ spec: UnsafeMutablePointer<lc_spec>?, _ null: UnsafePointer<CChar>?,
                          _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.null = try NullResponseDistribution(parsing: string(null, "null")) }
}

/// Sets the missing-data policy: "available" or "listwise".
@c(lc_spec_set_missing)
public func lcSpecSetMissing(_ spec: UnsafeMutablePointer<lc_spec>?, _ policy: UnsafePointer<CChar>?,
                             _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.missing = try choice(policy, "missing") }
}

/// Sets the group size k of ICC(1): "mean" (N/J) or "n0".
@c(lc_spec_set_icc_k)
public func lcSpecSetIccK(_ spec: UnsafeMutablePointer<lc_spec>?, _ k: UnsafePointer<CChar>?,
                          _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withSpec(spec, error) { $0.iccGroupSize = try choice(k, "icc_k") }
}
