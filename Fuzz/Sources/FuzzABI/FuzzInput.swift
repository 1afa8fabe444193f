/// The fuzzer's bytes read as a stream of choices; past the end every choice is 0.
struct FuzzInput {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isExhausted: Bool { position >= bytes.count }

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// A choice among `count` alternatives.
    mutating func index(_ count: Int) -> Int { count > 0 ? Int(byte()) % count : 0 }

    mutating func pick<T>(_ options: [T]) -> T { options[index(options.count)] }

    /// A length up to `limit`, or for three of the 256 byte values a hostile one (-1, Int64.min, Int64.max).
    mutating func length(_ limit: Int) -> Int64 {
        let b = byte()
        switch b {
        case 0xF0: return -1
        case 0xF1: return Int64.min
        case 0xF2: return Int64.max
        default: return Int64(Int(b) % (limit + 1))
        }
    }

    /// Text from a pool of meaningful words, or raw bytes (any encoding) up to 32 long.
    mutating func text(_ pool: [String]) -> [CChar] {
        if byte() & 3 != 0 { return Array(pick(pool).utf8CString) }
        let n = index(33)
        return (0..<n).map { _ in let b = byte(); return CChar(bitPattern: b == 0 ? 1 : b) } + [0]
    }
}
