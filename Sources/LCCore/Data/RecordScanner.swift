/// Hands out blocks of bytes: `fill(buffer)` writes up to `buffer.count` bytes
/// and returns how many (0 at the end). `blockSize` is how many to ask for at a
/// time: smaller than `CSVReader.blockSize` when the whole input is known to be
/// small, so a short text does not cost a zeroed megabyte.
struct BlockSource {
    let blockSize: Int
    let fill: (UnsafeMutableRawBufferPointer) throws -> Int

    init(expectedBytes: Int? = nil, fill: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) {
        blockSize = expectedBytes.map { min(CSVReader.blockSize, max(4096, $0 + 1)) } ?? CSVReader.blockSize
        self.fill = fill
    }
}

/// Splits a byte stream into CSV records, one at a time, without copying fields:
/// each field is a range of the internal buffer (quotes stripped, blanks around
/// unquoted fields trimmed). A record may span blocks; the partial tail is kept.
struct RecordScanner {
    var delimiter: UInt8 = UInt8(ascii: ",")
    private var buffer: [UInt8] = []
    private var begin = 0          // first unconsumed byte
    private var end = 0            // one past the last filled byte
    private var eof = false
    private var line = 1           // line at `begin`
    private let fields = FieldRanges()
    var fieldCount: Int { fields.count }
    private(set) var recordLine = 0

    var atEnd: Bool { eof && begin >= end }

    mutating func fill(_ source: inout BlockSource) throws {
        let kept = end - begin
        let want = Swift.max(source.blockSize, kept)
        if buffer.count < kept + want { buffer.append(contentsOf: repeatElement(0, count: kept + want - buffer.count)) }
        let from = begin
        let got = try buffer.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            if from > 0 && kept > 0 { (base).copyMemory(from: base + from, byteCount: kept) }
            return try source.fill(UnsafeMutableRawBufferPointer(start: base + kept, count: want))
        }
        begin = 0
        end = kept
        if got <= 0 { eof = true } else { end += got }
        try Monitor.advance(max(0, got))        // progress in bytes; a cancelled read stops here
    }

    mutating func skipByteOrderMark() {
        if end - begin >= 3 && buffer[begin] == 0xEF && buffer[begin + 1] == 0xBB && buffer[begin + 2] == 0xBF {
            begin += 3
        }
    }

    /// The most frequent of `,` `;` tab on the first line, outside quotes (`,` on a tie).
    func detectDelimiter() -> UInt8 {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, UInt8(ascii: "\t"): 0]
        var inQuotes = false
        var i = begin
        while i < end {
            let c = buffer[i]
            if c == UInt8(ascii: "\"") { inQuotes.toggle() }
            else if !inQuotes && (c == 10 || c == 13) { break }
            else if !inQuotes, let n = counts[c] { counts[c] = n + 1 }
            i += 1
        }
        var best = UInt8(ascii: ",")
        for d in [UInt8(ascii: ";"), UInt8(ascii: "\t")] where counts[d, default: 0] > counts[best, default: 0] { best = d }
        return best
    }

    /// A record of one empty unquoted field: a blank line, which is skipped.
    var isBlankRecord: Bool { fields.count == 1 && !fields.quoted[0] && fields.starts[0] == fields.ends[0] }

    /// Gives the bytes of field `i` of the current record to `body`.
    func withField<R>(_ i: Int, _ body: (UnsafePointer<UInt8>, Int, Bool) throws -> R) throws -> R {
        try buffer.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { throw LCError(.internalError, "empty record buffer") }
            return try body(base + fields.starts[i], fields.ends[i] - fields.starts[i], fields.quoted[i])
        }
    }

    /// Gives fields `columns[k]` of the current record to `body(k, bytes, count, quoted)`,
    /// in order, under one borrow of the buffer (the per-row hot path of the reader).
    @inline(__always)
    func forEachField(_ columns: [Int], _ body: (Int, UnsafePointer<UInt8>, Int, Bool) throws -> Void) throws {
        try buffer.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { throw LCError(.internalError, "empty record buffer") }
            let (st, en, q) = (fields.starts, fields.ends, fields.quoted)
            for (k, c) in columns.enumerated() {
                try body(k, base + st[c], en[c] - st[c], q[c])
            }
        }
    }

    /// Advances to the next record; false at the end of the input.
    mutating func nextRecord(_ source: inout BlockSource) throws -> Bool {
        while true {
            if begin >= end {
                if eof { return false }
                try fill(&source)
                continue
            }
            if let next = try scanRecord() {
                begin = next
                return true
            }
            if end - begin > InputLimits.maxRecordBytes {
                throw LCError(.limit, "line \(line) is longer than \(InputLimits.maxRecordBytes >> 20) MiB")
            }
            try fill(&source)
        }
    }

    /// Scans one record from `begin`; nil when it runs past the buffered bytes before the input ends.
    private mutating func scanRecord() throws -> Int? {
        recordLine = line
        var newlines = 0
        let d = delimiter
        let trimTabs = d != UInt8(ascii: "\t")
        let (begin, end, eof, line) = (self.begin, self.end, self.eof, self.line)
        let fields = self.fields
        fields.count = 0
        let result: Int? = try buffer.withUnsafeBufferPointer { b -> Int? in
            var i = begin
            while true {
                // one field starting at i
                while i < end && (b[i] == 32 || (trimTabs && b[i] == 9)) { i += 1 }
                var s = i, e = i, q = false
                if i < end && b[i] == UInt8(ascii: "\"") {
                    q = true
                    i += 1
                    s = i
                    while true {
                        if i >= end {
                            if eof { throw LCError(.parse, "line \(line): a quoted field is never closed") }
                            return nil
                        }
                        let c = b[i]
                        if c == UInt8(ascii: "\"") {
                            if i + 1 < end && b[i + 1] == UInt8(ascii: "\"") { i += 2; continue }
                            if i + 1 >= end && !eof { return nil }
                            break
                        }
                        if c == 10 { newlines += 1 }
                        if c == 0 { throw LCError(.parse, "line \(line + newlines) holds binary data (a NUL byte)") }
                        i += 1
                    }
                    e = i
                    i += 1
                    while i < end && (b[i] == 32 || (trimTabs && b[i] == 9)) { i += 1 }
                    if i < end && b[i] != d && b[i] != 10 && b[i] != 13 {
                        throw LCError(.parse, "line \(line + newlines): unexpected text after a closing quote")
                    }
                } else {
                    while i < end {
                        let c = b[i]
                        if c == d || c == 10 || c == 13 { break }
                        if c == 0 { throw LCError(.parse, "line \(line + newlines) holds binary data (a NUL byte)") }
                        i += 1
                    }
                    e = i
                    while e > s && (b[e - 1] == 32 || (trimTabs && b[e - 1] == 9)) { e -= 1 }
                }
                if i >= end && !eof { return nil }
                fields.record(s, e, q)
                if i >= end { return i }
                if b[i] == d { i += 1; continue }
                // line end: \n, \r\n or \r
                if b[i] == 13 {
                    if i + 1 >= end && !eof { return nil }
                    i += (i + 1 < end && b[i + 1] == 10) ? 2 : 1
                } else {
                    i += 1
                }
                newlines += 1
                return i
            }
        }
        if result != nil { self.line += newlines }
        return result
    }

}

/// The field boundaries of one record, reused from record to record. Plain
/// buffers rather than arrays: recording a field is the innermost step of reading.
final class FieldRanges {
    private(set) var starts: UnsafeMutablePointer<Int>
    private(set) var ends: UnsafeMutablePointer<Int>
    private(set) var quoted: UnsafeMutablePointer<Bool>
    private var capacity = 64
    var count = 0

    init() {
        starts = .allocate(capacity: capacity)
        ends = .allocate(capacity: capacity)
        quoted = .allocate(capacity: capacity)
    }

    deinit {
        starts.deallocate(); ends.deallocate(); quoted.deallocate()
    }

    @inline(__always)
    func record(_ s: Int, _ e: Int, _ q: Bool) {
        if count == capacity { grow() }
        starts[count] = s; ends[count] = e; quoted[count] = q
        count += 1
    }

    private func grow() {
        let c = capacity * 2
        let (s, e, q) = (UnsafeMutablePointer<Int>.allocate(capacity: c), UnsafeMutablePointer<Int>.allocate(capacity: c),
                         UnsafeMutablePointer<Bool>.allocate(capacity: c))
        s.update(from: starts, count: count); e.update(from: ends, count: count); q.update(from: quoted, count: count)
        starts.deallocate(); ends.deallocate(); quoted.deallocate()
        (starts, ends, quoted, capacity) = (s, e, q, c)
    }
}
