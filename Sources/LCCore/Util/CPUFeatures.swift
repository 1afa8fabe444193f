import Glibc

/// What the CPU running the process offers, read once.
public enum CPUFeatures {
    /// Whether the dense kernels compiled with fused multiply-adds (`LCKernelsAVX2`) may run:
    /// on x86-64 when the kernel lists both `avx2` and `fma` among the CPU's flags in
    /// /proc/cpuinfo (it lists them only when the system saves the wide registers), on
    /// arm64 always. `LCSTAT_KERNELS=portable` in the environment turns them off (to compare).
    public static let avx2FMA: Bool = {
        if let choice = getenv("LCSTAT_KERNELS"), String(cString: choice) == "portable" { return false }
        #if arch(x86_64)
        return cpuFlags.contains("avx2") && cpuFlags.contains("fma")
        #elseif arch(arm64)
        return true
        #else
        return false
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
