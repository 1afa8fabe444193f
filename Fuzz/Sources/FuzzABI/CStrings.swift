/// Calls `body` with a C array of NUL-terminated strings (an entry may be NULL)
/// that lives for the call.
func withCStringArray<R>(_ strings: [[CChar]?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { text in
        text.map { chars in
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: chars.count)
            p.initialize(from: chars, count: chars.count)
            return p
        }
    }
    defer { copies.forEach { $0?.deallocate() } }
    let pointers = copies.map { $0.map { UnsafePointer($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
