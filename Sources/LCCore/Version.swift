/// lcstat's version. Keep in step with `LCSTAT_VERSION_*` in
/// `Sources/CLCStat/include/lcstat_types.h` (a test checks) and `python/pyproject.toml`.
public enum LCStatVersion {
    public static let major = 0, minor = 1, patch = 0
    public static var string: String { "\(major).\(minor).\(patch)" }
    /// major·10000 + minor·100 + patch, as `lc_version()` returns it.
    public static var number: Int32 { Int32(major * 10000 + minor * 100 + patch) }
}
