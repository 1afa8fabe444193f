import Glibc
import Synchronization

/// The memory a call may ask for where the caller decides the size (replications,
/// resamples, simulated refits, rows × columns of a design). Each such allocation is
/// checked against the budget before it is attempted, so a request too large is an
/// `LCError(.limit)` that names the size, never an out-of-memory abort of the host.
/// The default is three quarters of the smaller of the physical memory and the process's
/// address-space limit (`ulimit -v`); `set` changes it for the process.
public enum MemoryBudget {
    private static let override = Atomic<Int>(0)

    /// The budget in bytes.
    public static var bytes: Int {
        let o = override.load(ordering: .relaxed)
        return o > 0 ? o : defaultBytes
    }

    /// Sets the budget (`nil` or ≤ 0: the default again).
    public static func set(_ bytes: Int?) {
        override.store(max(0, bytes ?? 0), ordering: .relaxed)
    }

    /// Throws when `bytes` (an estimate of what `what` will hold at once) exceeds the budget.
    public static func reserve(_ bytes: Double, for what: @autoclosure () -> String) throws {
        guard bytes > Double(self.bytes) else { return }
        throw LCError(.limit, "\(what()) would need about \(megabytes(bytes)) MB, more than the memory budget of \(megabytes(Double(self.bytes))) MB (lcstat.set_memory_budget, lc_set_memory_budget)")
    }

    private static func megabytes(_ b: Double) -> String { String(Int((b / 1e6).rounded(.up))) }

    private static var defaultBytes: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        var physical = pages > 0 && size > 0 ? Double(pages) * Double(size) : 8e9
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0 && limit.rlim_cur != rlim_t.max {   // (RLIM_INFINITY)
            physical = min(physical, Double(limit.rlim_cur))
        }
        return Int(min(0.75 * physical, 9e18))
    }
}
