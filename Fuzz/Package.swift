// swift-tools-version:5.4
// (5.4: below 5.5 SwiftPM keeps the executable's entry point named main, which libFuzzer supplies.)
import PackageDescription

/// libFuzzer targets for lcstat (issue 5). Kept out of the main package because a
/// fuzz target has no `main` (libFuzzer supplies it) and links only when built with
/// `-sanitize=fuzzer`. Build and run them with `scripts/fuzz` from the repository root.
let core: [Target.Dependency] = [.product(name: "lcstat_static", package: "lcstat")]
let flags: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]
let package = Package(
    name: "lcstat-fuzz",
    dependencies: [.package(name: "lcstat", path: "..")],
    targets: [
        // The CSV reader on arbitrary bytes, then agreement on what it read.
        .executableTarget(name: "FuzzCSV", dependencies: core, swiftSettings: flags),
        // The formula and variance-function parsers, then a fit on a small dataset.
        .executableTarget(name: "FuzzFormula", dependencies: core, swiftSettings: flags),
        // The C ABI's entry points in random order with random arguments.
        .executableTarget(name: "FuzzABI", dependencies: core, swiftSettings: flags),
    ]
)
