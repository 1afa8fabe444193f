import CLCStat
import LCStatABI

/// Words the fuzzer draws names and values from, so that random calls often
/// reach the analyses instead of stopping at the first unknown name.
enum Pool {
    static let columns = ["g", "i1", "i2", "i3", "x", "y", "t", "p", "w", "", "absent", "g_t"]
    static let keys = ["outcome", "consensus", "level_column", "center", "weights", "group_size", "n_items",
                       "replications", "person", "time", "value", "significance", "bootstrap", "statistic",
                       "reml", "wave", "pseudo_groups", "seed", "method", "nonsense", ""]
    // Replication counts stay small so one input runs in milliseconds; the limits
    // themselves are cases of the bad-input catalogue.
    static let values = ["y", "i1", "t", "p", "g", "rwg_j", "sd", "ad_m", "true", "false", "size", "none",
                         "2", "3", "5", "10", "0", "-1", "1e9", "18446744073709551615", "18446744073709551616",
                         "auto", "exact", "monte_carlo", "mean", "median", "", "x", "NaN", "1.5"]
    static let nulls = ["uniform", "slight", "moderate", "heavy", "triangular", "normal", "bogus", "", "uniform(3)"]
    static let policies = ["available", "listwise", "pairwise", ""]
    static let iccK = ["mean", "n0", "3", "0", "-2", "harmonic", ""]
    static let formulas = ["y ~ x + (1 | g)", "y ~ x + (1 | p) + (1 | g)", "y ~ x * t + (t | p)",
                           "y ~ (1 | g)", "y ~ x + (1 | g/p)", "i1 ~ i2 + (1 + i2 || g)", "y ~ x", "~ x",
                           "y ~ x + (1 | absent)", "y ~ ((x)) + (1 | g)", "y ~ 0 + x + (1 | g)", "y ~ x + (0 + x | g)"]
    static let variances = ["exp(t)", "ident(g)", "exp(absent)", "power(t)", ""]
    static let tables = ["fixed", "random", "fit", "blups", "icc", "variance", "other", ""]
    static let paths = ["examples/data/climate.csv", "/nonexistent/file.csv", "", "/dev/null", "/proc/self/status", "Fuzz"]
    static let doubles: [Double] = [1, 2, 3, 4, 5, 2.5, 0, -3, 7, .nan, .infinity, -.infinity, 1e308, -1e308,
                                    .leastNonzeroMagnitude, 5.000000001]
}

/// The handles one input has made, kept (stale) after they are freed so that
/// later calls use freed handles as a careless caller would.
struct Slots {
    var datasets = [UnsafeMutablePointer<lc_dataset>?](repeating: nil, count: 3)
    var specs = [UnsafeMutablePointer<lc_spec>?](repeating: nil, count: 3)
    var tables = [UnsafeMutablePointer<lc_table>?](repeating: nil, count: 3)
    var fits = [UnsafeMutablePointer<lc_fit>?](repeating: nil, count: 3)

    mutating func freeAll() {
        datasets.forEach(lcDatasetFree); specs.forEach(lcSpecFree)
        tables.forEach(lcTableFree); fits.forEach(lcFitFree)
    }
}

typealias Analysis = (UnsafePointer<lc_dataset>?, UnsafePointer<lc_spec>?, UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                      UnsafeMutablePointer<lc_error>?) -> Int32
nonisolated(unsafe) let analyses: [Analysis] = [lcAgreement, lcIcc, lcAlpha, lcScores, lcLevelConsensus, lcRgr, lcAggregation,
                            lcConsensusOverTime, lcComposition, lcBootstrap, lcEmergence]

/// libFuzzer entry: each input is a program of up to 64 C-ABI calls (build a
/// dataset and a spec, run analyses and fits, read tables, free handles, misuse
/// them) with arguments drawn from the input. The library must return a status
/// for every call; a crash, a hang or a sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzABI(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var input = FuzzInput(Array(UnsafeBufferPointer(start: data, count: size)))
    var slots = Slots()
    let error = UnsafeMutablePointer<lc_error>.allocate(capacity: 1)
    error.initialize(to: lc_error())
    defer { error.deallocate() }
    var steps = 0
    while !input.isExhausted && steps < 64 {
        steps += 1
        step(&input, &slots, input.byte() & 7 == 0 ? nil : error)
    }
    slots.freeAll()
    return 0
}
