import Glibc

/// Reading a large file on several cores.
///
/// The data rows are cut into one chunk per thread at line ends that lie
/// outside quotes (an even number of `"` before them), each chunk is parsed by
/// the ordinary reader behind a copy of the header, and the columns are joined
/// in order. The result equals the serial read's; if any chunk fails, the file
/// is read again serially so that the error names the right line.
extension CSVReader {
    /// Files smaller than this are read on one thread.
    static let parallelThreshold = 8 << 20

    /// Bytes that can be read at any offset (a file through `pread`, or memory).
    struct RandomAccessBytes {
        let count: Int
        /// Fills the buffer from `offset`, returning how many bytes were read (0 at the end).
        let read: (Int, UnsafeMutableRawBufferPointer) throws -> Int

        /// Calls `body` with consecutive blocks of `range`, stopping early when it returns false.
        func scan(_ range: Range<Int>, _ body: (Int, UnsafeRawBufferPointer) -> Bool) throws {
            var block = [UInt8](repeating: 0, count: 1 << 20)
            var at = range.lowerBound
            while at < range.upperBound {
                let want = min(block.count, range.upperBound - at)
                let got = try block.withUnsafeMutableBytes { try read(at, UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
                if got <= 0 { return }
                let go = block.withUnsafeBytes { body(at, UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
                if !go { return }
                at += got
            }
        }
    }

    static func readInChunks(_ bytes: UnsafeRawBufferPointer, options: CSVOptions, origin: String,
                             threads: Int, threshold: Int = parallelThreshold) throws -> Dataset? {
        let source = RandomAccessBytes(count: bytes.count) { offset, buffer in
            let k = min(buffer.count, bytes.count - offset)
            if k > 0, let from = bytes.baseAddress, let to = buffer.baseAddress { to.copyMemory(from: from + offset, byteCount: k) }
            return max(0, k)
        }
        return try readInChunks(source, options: options, origin: origin, threads: threads, threshold: threshold)
    }

    static func readInChunks(_ file: RandomAccessBytes, options: CSVOptions, origin: String,
                             threads: Int, threshold: Int = parallelThreshold) throws -> Dataset? {
        let n = file.count
        guard threads > 1, n >= threshold else { return nil }
        // the header record: up to the first line end outside quotes
        var header: [UInt8] = []
        var headerEnd: Int?
        var inQuotes = false
        try file.scan(0..<n) { at, block in
            for (i, b) in block.enumerated() {
                if b == UInt8(ascii: "\"") { inQuotes.toggle() }
                else if b == 10 && !inQuotes { headerEnd = at + i + 1; header += block[0...i]; return false }
            }
            header += block
            return true
        }
        guard let headerEnd else { return nil }
        // a blank first line: the header comes later, which the serial reader handles
        if header.allSatisfy({ $0 == 10 || $0 == 13 || $0 == 32 || $0 == 9 }) { return nil }
        // cut the rows at line ends with an even number of quotes before them
        var cuts = [headerEnd]
        var quotes = 0, counted = headerEnd
        for t in 1..<threads {
            let target = headerEnd + (n - headerEnd) * t / threads
            guard target > counted else { continue }
            try file.scan(counted..<target) { _, block in quotes += countByte(UInt8(ascii: "\""), block); return true }
            var cut: Int?
            try file.scan(target..<n) { at, block in
                for (i, b) in block.enumerated() {
                    if b == UInt8(ascii: "\"") { quotes += 1 }
                    else if b == 10 && quotes % 2 == 0 { cut = at + i + 1; return false }
                }
                return true
            }
            guard let cut, cut < n else { break }
            counted = cut
            cuts.append(cut)
        }
        cuts.append(n)
        if cuts.count < 3 { return nil }
        let ranges = (0..<(cuts.count - 1)).map { cuts[$0]..<cuts[$0 + 1] }
        var parts: [Dataset]
        do {
            parts = try Parallel.mapRanges(count: ranges.count, minimumPerThread: 1, threads: ranges.count) { r in
                try parse(header: header, rows: ranges[r.lowerBound], of: file, options: options, origin: origin, parts: ranges.count)
            }
        } catch let e as LCError where e.code == .cancelled || e.code == .limit {
            throw e        // stopped, or too big: not worth a second, serial read
        } catch {
            return nil     // read serially for the exact message
        }
        var offsets: [Int] = [], lines = 0
        for r in ranges {
            offsets.append(lines)
            try file.scan(r) { _, block in lines += countByte(10, block); return true }
        }
        return try Dataset(concatenating: &parts, lineOffsets: offsets)
    }

    /// Parses `header` followed by the bytes `rows` of `file`.
    static func parse(header: [UInt8], rows: Range<Int>, of file: RandomAccessBytes, options: CSVOptions,
                      origin: String, parts: Int) throws -> Dataset {
        var headerAt = 0
        var at = rows.lowerBound
        var source = BlockSource { buffer in
            if headerAt < header.count {  // the header first, in as many blocks as it takes
                let n = min(buffer.count, header.count - headerAt)
                header.withUnsafeBytes { h in
                    if let from = h.baseAddress, let to = buffer.baseAddress { to.copyMemory(from: from + headerAt, byteCount: n) }
                }
                headerAt += n
                return n
            }
            let want = min(buffer.count, rows.upperBound - at)
            guard want > 0 else { return 0 }
            let got = try file.read(at, UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
            at += max(0, got)
            return got
        }
        return try parse(source: &source, options: options, origin: origin, parts: parts)
    }

    /// How often `byte` occurs, using memchr to skip between hits.
    static func countByte(_ byte: UInt8, _ b: UnsafeRawBufferPointer) -> Int {
        guard var at = b.baseAddress else { return 0 }
        let end = at + b.count
        var count = 0
        while at < end, let hit = memchr(at, Int32(byte), end - at) {
            count += 1
            at = UnsafeRawPointer(hit) + 1
        }
        return count
    }
}

extension Dataset {
    /// The rows of `parts` one after another (same column names in the same order).
    /// `lineOffsets[i]` is added to the line numbers that part `i` remembers.
    /// Consumes the parts column by column, so at most one column is held twice.
    init(concatenating parts: inout [Dataset], lineOffsets: [Int]) throws {
        self.init()
        guard let first = parts.first else { return }
        let names = first.columnNames
        for (c, name) in names.enumerated() {
            let pieces = parts.indices.map { parts[$0].releaseValues(ofColumn: c) }
            var located: CellLocation?
            for (i, p) in pieces.enumerated() {
                if let at = p.firstNonNumeric { located = CellLocation(line: at.line + lineOffsets[i], text: at.text); break }
            }
            try add(Column(name: name, values: ColumnValues.concatenating(pieces.map(\.values)), firstNonNumeric: located))
        }
    }
}

extension ColumnValues {
    /// Joins columns end to end, widening storage as needed: bytes, then doubles, then labels
    /// (numbers in a column that is text elsewhere become labels, as the serial reader makes them).
    /// Arrays end to end (reserving once; `joined()` on arrays of arrays is slow).
    private static func joined<T>(_ parts: [[T]]) -> [T] {
        var out: [T] = []
        out.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for p in parts { out.append(contentsOf: p) }
        return out
    }

    static func concatenating(_ parts: [ColumnValues]) -> ColumnValues {
        let numbers = parts.compactMap { p -> NumericColumn? in if case .numeric(let v) = p { return v }; return nil }
        if numbers.count == parts.count {
            let bytes = numbers.compactMap { n -> [Int8]? in if case .small(let b) = n { return b }; return nil }
            if bytes.count == numbers.count { return .numeric(.small(joined(bytes))) }
            return .numeric(.doubles(joined(numbers.map(\.doubles))))
        }
        // 64-bit integer ids in some parts, whole numbers in the others: integers
        let integers = parts.compactMap(\.asIntegers)
        if integers.count == parts.count { return .integers(joined(integers)) }
        var levels: [String] = [], index: [String: Int32] = [:], codes: [Int32] = []
        func code(_ s: String) -> Int32 {
            if let c = index[s] { return c }
            let c = Int32(levels.count)
            levels.append(s); index[s] = c
            return c
        }
        for p in parts {
            switch p {
            case .numeric(let v):
                for x in v.doubles { codes.append(x.isNaN ? -1 : code(labelText(x))) }
            case .integers(let v):
                for x in v { codes.append(x == ColumnValues.missingInteger ? -1 : code(String(x))) }
            case .labels(let c, let l):
                let map = l.map(code)
                for k in c { codes.append(k < 0 ? -1 : map[Int(k)]) }
            }
        }
        return .labels(codes: codes, levels: levels)
    }

    /// The values as 64-bit integers, when every one is whole (or missing).
    var asIntegers: [Int64]? {
        switch self {
        case .integers(let v): return v
        case .labels: return nil
        case .numeric(let v):
            let d = v.doubles
            guard d.allSatisfy({ $0.isNaN || ($0 == $0.rounded() && abs($0) < 9.2e18) }) else { return nil }
            return d.map { $0.isNaN ? ColumnValues.missingInteger : Int64($0) }
        }
    }
}
