/// lcstat's version, in this one place: scripts/gen-header.py writes it into
/// `include/lcstat.h` (`LCSTAT_VERSION_*`), python/setup.py into the package's metadata,
/// and `lcstat.__version__` asks the loaded library.
public enum LCStatVersion {
    public static let major = 0, minor = 4, patch = 1
    public static var string: String { "\(major).\(minor).\(patch)" }
    /// major·10000 + minor·100 + patch, as `lc_version()` returns it.
    public static var number: Int32 { Int32(major * 10000 + minor * 100 + patch) }
}
