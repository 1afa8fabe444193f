import Glibc

/// Reads a delimited text file into a `Dataset`, streaming it in blocks so that
/// memory holds the kept columns and one block, never the whole file.
///
/// RFC 4180 quoting (`"a, b"`, `""` for a quote, line breaks inside quotes),
/// a UTF-8 byte-order mark, CRLF line ends and blank lines are accepted.
/// Every malformation is an `LCError` naming the line: a ragged row, a NUL
/// byte, invalid UTF-8, an unterminated quote, NaN/Inf/overflowing numbers,
/// numbers with the other decimal separator. Nothing is returned half-read.
public enum CSVReader {
    /// Bytes read at a time (per thread when a file is read in chunks).
    static let blockSize = 1 << 20

    public static func read(path: String, options: CSVOptions = CSVOptions()) throws -> Dataset {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw LCError(.io, "cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw LCError(.io, "cannot read '\(path)': it is a directory")
        }
        let size = Int(st.st_size)
        if options.encoding != .utf8 {
            // transcoded whole, then parsed as UTF-8
            var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if got < 0 { throw LCError(.io, "cannot read '\(path)': \(String(cString: strerror(errno)))") }
                if got == 0 { break }
                bytes += chunk[..<got]
            }
            var utf8 = options
            utf8.encoding = .utf8
            return try parse(bytes: try options.encoding.utf8(bytes), options: utf8, origin: "'\(path)'")
        }
        if (st.st_mode & S_IFMT) == S_IFREG { Monitor.expect(size) }     // progress: bytes parsed of the file's
        if (st.st_mode & S_IFMT) == S_IFREG && size >= parallelThreshold {
            let file = RandomAccessBytes(count: size) { offset, buffer in
                let got = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
                if got < 0 { throw LCError(.io, "cannot read '\(path)': \(String(cString: strerror(errno)))") }
                return got
            }
            if let data = try readInChunks(file, options: options, origin: "'\(path)'", threads: Parallel.defaultThreads) {
                return data
            }
        }
        let regular = (st.st_mode & S_IFMT) == S_IFREG
        var source = BlockSource(expectedBytes: regular && size > 0 ? size : nil) { buffer in
            let got = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if got < 0 { throw LCError(.io, "cannot read '\(path)': \(String(cString: strerror(errno)))") }
            return got
        }
        return try parse(source: &source, options: options, origin: "'\(path)'")
    }

    /// Parses CSV text held in memory (used by tests and the C ABI's `lc_dataset_parse_csv`).
    public static func parse(bytes: [UInt8], options: CSVOptions = CSVOptions()) throws -> Dataset {
        var utf8 = options
        utf8.encoding = .utf8
        return try parse(bytes: try options.encoding.utf8(bytes), options: utf8, origin: "the input")
    }

    private static func parse(bytes: [UInt8], options: CSVOptions, origin: String) throws -> Dataset {
        var offset = 0
        var source = BlockSource(expectedBytes: bytes.count) { buffer in
            let n = min(buffer.count, bytes.count - offset)
            bytes.withUnsafeBytes { src in
                if n > 0, let from = src.baseAddress { buffer.baseAddress?.copyMemory(from: from + offset, byteCount: n) }
            }
            offset += n
            return n
        }
        return try parse(source: &source, options: options, origin: origin)
    }

    /// `parts`: how many parts of one input are parsed alike (chunks of a file read in parallel),
    /// so that the memory check estimates the whole from this part.
    static func parse(source: inout BlockSource, options: CSVOptions, origin: String, parts: Int = 1) throws -> Dataset {
        var scanner = RecordScanner()
        try scanner.fill(&source)
        scanner.skipByteOrderMark()
        if scanner.atEnd { throw LCError(.parse, "\(origin) is empty") }
        let delimiter = options.delimiter ?? scanner.detectDelimiter()
        let decimalComma = options.decimalComma ?? (delimiter == UInt8(ascii: ";"))
        if decimalComma && delimiter == UInt8(ascii: ",") {
            throw LCError(.invalidArgument, "a decimal comma needs a delimiter other than ','")
        }
        scanner.delimiter = delimiter

        var found = try scanner.nextRecord(&source)
        while found && scanner.isBlankRecord { found = try scanner.nextRecord(&source) }  // blank lines before the header
        guard found else { throw LCError(.parse, "\(origin) is empty: no header row") }
        let names = try headerNames(scanner: scanner)
        let keep = try keptColumns(names: names, wanted: options.columns)
        let rules = CellRules(missing: options.missing, decimalComma: decimalComma)
        let keptIndices = names.indices.filter { keep[$0] }
        var builders = keptIndices.map { ColumnBuilder(name: names[$0], reserve: 1024) }

        var rows = 0
        try builders.withUnsafeMutableBufferPointer { builders in
        while try scanner.nextRecord(&source) {
            if scanner.isBlankRecord { continue }
            guard scanner.fieldCount == names.count else {
                throw LCError(.parse, "line \(scanner.recordLine) has \(scanner.fieldCount) fields, the header has \(names.count)")
            }
            rows += 1
            if rows > InputLimits.maxRows { throw LCError(.limit, "more than \(InputLimits.maxRows) rows") }
            if rows & (rows - 1) == 0 && rows >= 1 << 16 {     // the columns double in size: check the budget
                try MemoryBudget.reserve(Double(rows * parts) * 2 * Double(max(1, keptIndices.count)) * 8, for: "reading \(origin)")
            }
            let line = scanner.recordLine
            try scanner.forEachField(keptIndices) { k, p, n, quoted in
                try rules.add(p, n, quoted: quoted, to: &builders[k], line: line)
            }
        }
        }
        if rows == 0 { throw LCError(.parse, "\(origin) has a header but no data rows") }
        return try Dataset(columns: builders.map { $0.finish() })
    }

    private static func headerNames(scanner: RecordScanner) throws -> [String] {
        if scanner.fieldCount > InputLimits.maxColumns {
            throw LCError(.limit, "the header has \(scanner.fieldCount) columns; at most \(InputLimits.maxColumns) are accepted")
        }
        var names: [String] = []
        var seen = Set<String>()
        for c in 0..<scanner.fieldCount {
            let name = try scanner.withField(c) { p, n, quoted in try decodeText(p, n, quoted: quoted, line: 1) }
            guard !name.isEmpty else { throw LCError(.parse, "column \(c + 1) of the header has no name") }
            guard seen.insert(name).inserted else { throw LCError(.parse, "the header names column '\(name)' twice") }
            names.append(name)
        }
        return names
    }

    private static func keptColumns(names: [String], wanted: [String]?) throws -> [Bool] {
        guard let wanted else { return names.map { _ in true } }
        let present = Set(names)
        for w in wanted where !present.contains(w) {
            let known = names.prefix(20).joined(separator: ", ")
            throw LCError(.unknownColumn, "unknown column '\(w)' (columns: \(known)\(names.count > 20 ? ", ..." : ""))")
        }
        let set = Set(wanted)
        return names.map { set.contains($0) }
    }

    /// Decodes a field as UTF-8, undoubling `""` in quoted fields.
    static func decodeText(_ p: UnsafePointer<UInt8>, _ n: Int, quoted: Bool, line: Int) throws -> String {
        let raw = UnsafeBufferPointer(start: p, count: n)
        let s: String?
        if quoted, raw.contains(UInt8(ascii: "\"")) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(n)
            var i = 0
            while i < n {
                bytes.append(raw[i])
                i += (raw[i] == UInt8(ascii: "\"") && i + 1 < n && raw[i + 1] == UInt8(ascii: "\"")) ? 2 : 1
            }
            s = String(validating: bytes, as: UTF8.self)
        } else {
            s = String(validating: raw, as: UTF8.self)
        }
        guard let s else {
            throw LCError(.parse, "line \(line) is not valid UTF-8 text (a file exported as latin-1 or Windows-1252 needs that encoding named: --encoding latin-1 or cp1252)")
        }
        return s
    }
}
