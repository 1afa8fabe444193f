import Glibc

/// Which compiled copy of the dense panel kernels may run, from the most portable up; each
/// gives the same bits as the one below it where both fuse multiply-adds (`.fused` and up).
public enum DenseKernels: Int, Sendable, Comparable {
    /// Separate multiplies and adds, four lanes (`LCKernels` as compiled for any x86-64).
    case portable
    /// Fused multiply-adds, four lanes (`LCKernelsAVX2`; on arm64 the same code with its FMA).
    case fused
    /// Fused multiply-adds, eight lanes, in tiles twice as wide (`LCKernelsAVX512`).
    case wide

    public static func < (a: DenseKernels, b: DenseKernels) -> Bool { a.rawValue < b.rawValue }

    /// Whether the panel solve and the four-lane kernels fuse their multiply-adds.
    var fusesMultiplyAdds: Bool { self >= .fused }

    /// Every copy this CPU runs, from the portable one up (whatever `LCSTAT_KERNELS` says).
    static var available: [DenseKernels] { [.portable, .fused, .wide].filter { $0 <= CPUFeatures.widest } }
}

/// What the CPU running the process offers, read once.
public enum CPUFeatures {
    /// The widest dense kernels this CPU runs: on x86-64 from the CPU's flags in /proc/cpuinfo
    /// (the kernel lists `avx2`, `fma` and `avx512f` only when the system saves the wide
    /// registers), on arm64 the fused four-lane copy. `LCSTAT_KERNELS=portable` or `avx2` in the
    /// environment caps the choice (to compare).
    public static let kernels: DenseKernels = {
        switch getenv("LCSTAT_KERNELS").map({ String(cString: $0) }) {
        case "portable": return .portable
        case "avx2": return min(widest, .fused)
        default: return widest
        }
    }()

    /// The widest copy of the kernels the CPU has the instructions for.
    static let widest: DenseKernels = {
        #if arch(x86_64)
        let flags = cpuFlags
        return !(flags.contains("avx2") && flags.contains("fma")) ? .portable : flags.contains("avx512f") ? .wide : .fused
        #elseif arch(arm64)
        return .fused
        #else
        return .portable
        #endif
    }()

    /// The words of the first `flags` line of /proc/cpuinfo (empty where there is none).
    static var cpuFlags: Set<Substring> {
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil, capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            guard let line else { break }
            let text = String(cString: line)
            if text.hasPrefix("flags") { return Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == ":" })) }
        }
        return []
    }
}
