// swift-tools-version:6.0
import PackageDescription

/// lcstat: one Swift engine (LCCore) behind three thin frontends:
/// the C ABI (LCStatABI, shipped as liblcstat.so and liblcstat_static.a),
/// the CLI (`lcstat`), and the Python extension in python/ (over the C ABI).
/// AVX2 and FMA for the fused kernels' target on x86-64 (arm64 has FMA in its base set), and
/// AVX-512 for the wide kernels' target (on arm64 it compiles, and is never called).
#if arch(x86_64)
let fusedKernelFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"])]
let wideKernelFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mavx512f"])]
#else
let fusedKernelFlags: [SwiftSetting] = []
let wideKernelFlags: [SwiftSetting] = []
#endif

let package = Package(
    name: "lcstat",
    products: [
        // SwiftPM names files after products, and `lcstat` is the CLI: scripts/build-lib
        // installs these two as dist/lib/liblcstat.so and liblcstat.a.
        .library(name: "lcstat_shared", type: .dynamic, targets: ["LCStatABI"]),
        .library(name: "lcstat_static", type: .static, targets: ["LCStatABI"]),
        .executable(name: "lcstat", targets: ["LCStatCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Pure computation: no C exports, no printing, no Foundation, no third-party code.
        .target(name: "LCCore", dependencies: ["LCKernels", "LCKernelsAVX2", "LCKernelsAVX512"], linkerSettings: [.linkedLibrary("m")]),
        // The dense Cholesky's and inverse's panel kernels, written once; LCKernelsAVX2 compiles them
        // with AVX2 and FMA, LCKernelsAVX512 their eight-lane forms with AVX-512, and the core calls
        // each copy only on CPUs that have its instructions (CPUFeatures.kernels).
        .target(name: "LCKernels"),
        .target(name: "LCKernelsAVX2", dependencies: ["LCKernels"], swiftSettings: fusedKernelFlags),
        .target(name: "LCKernelsAVX512", dependencies: ["LCKernels"], swiftSettings: wideKernelFlags),
        // C declarations shared by the ABI and its header (status codes, structs, version).
        .target(name: "CLCStat"),
        // Beside the core: SPSS and Stata files through ReadStat, loaded at run time (dlopen).
        .target(name: "CReadStat"),
        .target(name: "LCForeign", dependencies: ["LCCore", "CReadStat"], linkerSettings: [.linkedLibrary("dl")]),
        // The only target that exports C.
        .target(name: "LCStatABI", dependencies: ["LCCore", "LCForeign", "CLCStat"]),
        .executableTarget(
            name: "LCStatCLI",
            dependencies: ["LCCore", "LCForeign", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "LCCoreTests", dependencies: ["LCCore", "LCForeign"], resources: [.copy("Reference")]),
    ]
)
