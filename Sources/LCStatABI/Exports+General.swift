import CLCStat
import LCCore

/// The run-time version, LCSTAT_VERSION_NUMBER of the library actually loaded.
@c(lc_version)
public func lcVersion() -> Int32 { LCStatVersion.number }

/// The version as text, e.g. "0.1.0". Static storage: never free it.
@c(lc_version_string)
public func lcVersionString() -> UnsafePointer<CChar>? { UnsafePointer(versionText) }

nonisolated(unsafe) private let versionText = cString(LCStatVersion.string)
nonisolated(unsafe) private let statusTexts: [Int32: UnsafeMutablePointer<CChar>] = {
    var t = [Int32(0): cString("ok")]
    for c in LCErrorCode.allCases { t[c.rawValue] = cString(c.summary) }
    return t
}()
nonisolated(unsafe) private let unknownStatus = cString("unknown status")

/// A short description of a status code. Static storage: never free it.
@c(lc_status_string)
public func lcStatusString(_ code: Int32) -> UnsafePointer<CChar>? {
    UnsafePointer(statusTexts[code] ?? unknownStatus)
}

/// Sets the memory budget of the process in bytes (0 or less: the default, three quarters
/// of the smaller of physical memory and the address-space limit). A call whose caller-sized
/// work (replications, resamples, refits, design cells) would need more returns
/// LC_STATUS_LIMIT, naming the size, instead of running out of memory.
@c(lc_set_memory_budget)
public func lcSetMemoryBudget(_ bytes: Int64) { MemoryBudget.set(Int(bytes)) }

/// The memory budget in bytes now in force.
@c(lc_memory_budget)
public func lcMemoryBudget() -> Int64 { Int64(MemoryBudget.bytes) }
