import CLCStat
import LCCore

/// Runs one ABI call: any thrown error becomes its status code and message in
/// the caller's `lc_error`; success clears it. Nothing escapes as a trap.
func guarded(_ error: UnsafeMutablePointer<lc_error>?, _ body: () throws -> Void) -> Int32 {
    let errorOut = error
    do {
        try body()
        if let error { write(error, code: 0, message: "") }
        return 0
    } catch let e as LCError {
        if let error { write(error, code: e.code.rawValue, message: e.message) }
        return e.code.rawValue
    } catch {
        let code = LCErrorCode.internalError.rawValue
        if let details = errorOut { write(details, code: code, message: "internal error: \(error)") }
        return code
    }
}

/// Writes `message`, cut at a character boundary to fit, NUL-terminated.
private func write(_ error: UnsafeMutablePointer<lc_error>, code: Int32, message: String) {
    error.pointee.code = code
    withUnsafeMutableBytes(of: &error.pointee.message) { raw in
        var bytes = Array(message.utf8)
        if bytes.count > raw.count - 1 {
            var cut = raw.count - 1
            while cut > 0 && (bytes[cut] & 0xC0) == 0x80 { cut -= 1 }   // do not split a UTF-8 sequence
            bytes = Array(bytes[0..<cut])
        }
        for (i, b) in bytes.enumerated() { raw[i] = b }
        raw[bytes.count] = 0
    }
}

/// A borrowed C string as a Swift string; NULL or invalid UTF-8 is an error naming `what`.
func string(_ p: UnsafePointer<CChar>?, _ what: String) throws -> String {
    guard let p else { throw LCError(.invalidArgument, "\(what) is NULL") }
    let n = strlenBounded(p)
    guard let s = String(validating: UnsafeRawBufferPointer(start: p, count: n).bindMemory(to: UInt8.self), as: UTF8.self) else {
        throw LCError(.invalidArgument, "\(what) is not valid UTF-8")
    }
    return s
}

private func strlenBounded(_ p: UnsafePointer<CChar>) -> Int {
    var n = 0
    while p[n] != 0 { n += 1 }
    return n
}

/// A borrowed array of `n` C strings (at most `limit`).
func strings(_ p: UnsafePointer<UnsafePointer<CChar>?>?, _ n: Int64, _ what: String, limit: Int64 = 1_000_000) throws -> [String] {
    guard n >= 0 else { throw LCError(.invalidArgument, "the number of \(what) is negative (\(n))") }
    guard n <= limit else { throw LCError(.limit, "\(n) \(what) are more than the \(limit) accepted") }
    if n == 0 { return [] }
    guard let p else { throw LCError(.invalidArgument, "\(what) is NULL but its count is \(n)") }
    return try (0..<Int(n)).map { try string(p[$0], "\(what)[\($0)]") }
}

/// Stores a result through an out-pointer that must not be NULL.
func store<T>(_ out: UnsafeMutablePointer<T>?, _ value: T, _ what: String = "out") throws {
    guard let out else { throw LCError(.invalidArgument, "\(what) is NULL") }
    out.pointee = value
}

/// An ABI call that creates a handle: clears `*out`, refuses a NULL `out` before doing
/// any work, runs `body`, and publishes its result in `*out` only on success. The work
/// runs on a thread with a large stack while the caller's thread polls its progress
/// callback (`Monitor.offloaded`); `trivial` work (an empty handle) runs right here.
func producing<P>(_ out: UnsafeMutablePointer<UnsafeMutablePointer<P>?>?, _ error: UnsafeMutablePointer<lc_error>?,
                  trivial: Bool = false, _ body: () throws -> Handle) -> Int32 {
    out?.pointee = nil
    defer { returnFreedMemory() }
    return guarded(error) {
        guard let out else { throw LCError(.invalidArgument, "out is NULL") }
        let handle = trivial ? try body() : try Monitor.offloaded(currentMonitor()) { try body() }
        out.pointee = Handles.publish(handle).assumingMemoryBound(to: P.self)   // a token, never dereferenced
    }
}
