import CLCStat
import LCCore

/// A dataset from an Arrow C stream (the Arrow C data and stream interfaces: plain structs,
/// no Arrow library), so that polars, pyarrow and DuckDB data reach the engine without a
/// detour through pandas. Types are kept as the CSV reader and the pandas path keep them:
/// integers exact (`integers`: ids stay keys), floating point as numbers (null → NaN), text
/// and booleans as labels, dictionary-encoded text as a categorical in its dictionary's order
/// (ordered when the schema says so). Any other type is an error naming the column and type.
enum ArrowImport {
    /// What a column's Arrow format string asks for.
    private enum Kind {
        case float64, float32
        case integer(bytes: Int, signed: Bool)
        case boolean
        case text(Text)
        case dictionary(index: (bytes: Int, signed: Bool), values: Text, ordered: Bool)
        enum Text { case utf8, large, view }
        var isFloat64: Bool { if case .float64 = self { return true } else { return false } }
    }

    /// The stream's columns (those in `wanted` when given; names it lacks are left to the
    /// analysis to report). The stream is consumed and released, also on error.
    static func dataset(_ stream: UnsafeMutablePointer<ArrowArrayStream>, columns wanted: [String]?) throws -> Dataset {
        defer { if let release = stream.pointee.release { release(stream) } }
        guard let getSchema = stream.pointee.get_schema, let getNext = stream.pointee.get_next else {
            throw LCError(.invalidArgument, "the Arrow stream is released or incomplete (no get_schema or get_next)")
        }
        var schema = ArrowSchema()
        guard getSchema(stream, &schema) == 0 else { throw LCError(.io, "the Arrow stream gave no schema: \(lastError(stream))") }
        defer { if let release = schema.release { release(&schema) } }
        guard format(schema.format) == "+s" else {
            throw LCError(.invalidArgument, "an Arrow stream of record batches (format '+s') was expected, not format '\(format(schema.format))'")
        }
        var fields: [(child: Int, name: String, kind: Kind)] = []
        var names = Set<String>()
        for i in 0..<Int(schema.n_children) {
            guard let child = schema.children?[i] else { throw LCError(.invalidArgument, "the Arrow schema lacks its field \(i + 1)") }
            let name = child.pointee.name.map { String(cString: $0) } ?? ""
            guard names.insert(name).inserted else {
                throw LCError(.invalidArgument, "duplicate column name '\(name)' in the Arrow data; rename the columns")
            }
            if let wanted, !wanted.contains(name) { continue }
            fields.append((i, name, try kind(child.pointee, name)))
        }
        var builders = fields.map { ColumnBuilder(kind: $0.kind) }
        var rows = 0
        while true {
            var batch = ArrowArray()
            guard getNext(stream, &batch) == 0 else { throw LCError(.io, "the Arrow stream failed: \(lastError(stream))") }
            guard let release = batch.release else { break }          // the end of the stream
            defer { release(&batch) }
            try Monitor.check()
            let length = Int(batch.length)
            guard length >= 0, rows + length <= InputLimits.maxRows else {
                throw LCError(.limit, "the Arrow data have more than \(InputLimits.maxRows) rows")
            }
            for (k, field) in fields.enumerated() {
                guard let child = batch.children?[field.child] else { throw LCError(.invalidArgument, "an Arrow batch lacks the column '\(field.name)'") }
                try builders[k].append(child.pointee, rows: Int(batch.offset)..<(Int(batch.offset) + length), column: field.name)
            }
            rows += length
        }
        return try Dataset(columns: zip(fields, builders).map { $0.1.column($0.0.name) })
    }

    private static func format(_ f: UnsafePointer<CChar>?) -> String { f.map { String(cString: $0) } ?? "" }

    private static func lastError(_ stream: UnsafeMutablePointer<ArrowArrayStream>) -> String {
        stream.pointee.get_last_error.flatMap { $0(stream) }.map { String(cString: $0) } ?? "no message"
    }

    private static func kind(_ s: ArrowSchema, _ name: String) throws -> Kind {
        let f = format(s.format)
        func integer(_ f: String) -> (bytes: Int, signed: Bool)? {
            switch f {
            case "c": return (1, true); case "C": return (1, false)
            case "s": return (2, true); case "S": return (2, false)
            case "i": return (4, true); case "I": return (4, false)
            case "l": return (8, true); case "L": return (8, false)
            default: return nil
            }
        }
        func text(_ f: String) -> Kind.Text? {
            switch f { case "u": return .utf8; case "U": return .large; case "vu": return .view; default: return nil }
        }
        if let dictionary = s.dictionary {
            guard let index = integer(f), let values = text(format(dictionary.pointee.format)) else {
                throw LCError(.invalidArgument, "column '\(name)': a dictionary of Arrow type '\(format(dictionary.pointee.format))' with indices '\(f)'; lcstat reads dictionaries of text (categoricals)")
            }
            return .dictionary(index: index, values: values, ordered: s.flags & Int64(ARROW_FLAG_DICTIONARY_ORDERED) != 0)
        }
        if let i = integer(f) { return .integer(bytes: i.bytes, signed: i.signed) }
        if let t = text(f) { return .text(t) }
        switch f {
        case "g": return .float64
        case "f": return .float32
        case "b": return .boolean
        default:
            let what = f.hasPrefix("td") ? " (a date)" : f.hasPrefix("ts") ? " (a timestamp)" : f.hasPrefix("tt") ? " (a time of day)"
                : f.hasPrefix("d:") ? " (a decimal)" : f == "e" ? " (a half-precision float)" : ""
            throw LCError(.invalidArgument, "column '\(name)' has Arrow type '\(f)'\(what), which lcstat does not read; convert it to numbers or text first")
        }
    }

    /// One column's values over the batches.
    private struct ColumnBuilder {
        let kind: Kind
        var doubles: [Double] = []
        var integers: [Int64] = []
        var codes: [Int32] = []
        var levels: [String] = []
        var levelIndex: [String: Int32] = [:]

        init(kind: Kind) { self.kind = kind }

        mutating func append(_ a: ArrowArray, rows parent: Range<Int>, column: String) throws {
            let offset = Int(a.offset)
            let buffers = a.buffers
            func buffer(_ i: Int) throws -> UnsafeRawPointer {
                guard i < Int(a.n_buffers), let b = buffers?[i] else { throw LCError(.invalidArgument, "column '\(column)': Arrow buffer \(i) is missing") }
                return b
            }
            let validity = Int(a.n_buffers) > 0 ? buffers?[0] : nil
            func valid(_ i: Int) -> Bool {
                guard a.null_count != 0, let validity else { return true }
                let bit = i + offset
                return validity.load(fromByteOffset: bit >> 3, as: UInt8.self) & (1 << UInt8(bit & 7)) != 0
            }
            switch kind {
            case .float64, .float32:
                let values = try buffer(1)
                for i in parent {
                    let v = kind.isFloat64 ? values.load(fromByteOffset: (i + offset) * 8, as: Double.self)
                                           : Double(values.load(fromByteOffset: (i + offset) * 4, as: Float.self))
                    guard valid(i) else { doubles.append(.nan); continue }
                    guard v.isFinite || v.isNaN else { throw LCError(.nonFinite, "column '\(column)', row \(doubles.count + 1): \(v) is not a finite number") }
                    doubles.append(v)
                }
            case .integer(let bytes, let signed):
                let values = try buffer(1)
                for i in parent {
                    guard valid(i) else { integers.append(ColumnValues.missingInteger); continue }
                    let v = try Self.integer(values, i + offset, bytes, signed, column: column, row: integers.count + 1)
                    guard v != ColumnValues.missingInteger else {
                        throw LCError(.invalidArgument, "column '\(column)', row \(integers.count + 1): \(Int64.min) is reserved for a missing value")
                    }
                    integers.append(v)
                }
            case .boolean:
                let values = try buffer(1)
                for i in parent {
                    guard valid(i) else { codes.append(-1); continue }
                    let bit = i + offset
                    add(values.load(fromByteOffset: bit >> 3, as: UInt8.self) & (1 << UInt8(bit & 7)) != 0 ? "True" : "False")
                }
            case .text(let t):
                for i in parent {
                    guard valid(i) else { codes.append(-1); continue }
                    add(try Self.string(a, t, i + offset, column: column, row: codes.count + 1))
                }
            case .dictionary(let index, let t, _):
                guard let dictionary = a.dictionary?.pointee else { throw LCError(.invalidArgument, "column '\(column)': the Arrow batch lacks its dictionary") }
                // the batch's dictionary in its order, then each row's index into it
                var local: [Int32] = []
                for k in 0..<Int(dictionary.length) {
                    let word = try Self.string(dictionary, t, k + Int(dictionary.offset), column: column, row: k + 1)
                    local.append(intern(word))
                }
                let values = try buffer(1)
                for i in parent {
                    guard valid(i) else { codes.append(-1); continue }
                    let k = try Self.integer(values, i + offset, index.bytes, index.signed, column: column, row: codes.count + 1)
                    guard k >= 0, k < Int64(local.count) else {
                        throw LCError(.invalidArgument, "column '\(column)', row \(codes.count + 1): dictionary index \(k) is outside its \(local.count) values")
                    }
                    codes.append(local[Int(k)])
                }
            }
        }

        private mutating func intern(_ word: String) -> Int32 {
            if let k = levelIndex[word] { return k }
            let k = Int32(levels.count)
            levels.append(word)
            levelIndex[word] = k
            return k
        }

        private mutating func add(_ word: String) { codes.append(intern(word)) }

        func column(_ name: String) -> Column {
            switch kind {
            case .float64, .float32: return Column(name: name, values: .numeric(.compact(doubles)))
            case .integer: return Column(name: name, values: .integers(integers))
            case .boolean, .text: return Column(name: name, values: .labels(codes: codes, levels: levels))
            case .dictionary(_, _, let ordered):
                return Column(name: name, values: .labels(codes: codes, levels: levels), levelOrder: .given(ordered: ordered))
            }
        }

        private static func integer(_ values: UnsafeRawPointer, _ i: Int, _ bytes: Int, _ signed: Bool, column: String, row: Int) throws -> Int64 {
            switch (bytes, signed) {
            case (1, true): return Int64(values.load(fromByteOffset: i, as: Int8.self))
            case (1, false): return Int64(values.load(fromByteOffset: i, as: UInt8.self))
            case (2, true): return Int64(values.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))
            case (2, false): return Int64(values.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
            case (4, true): return Int64(values.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))
            case (4, false): return Int64(values.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
            case (8, true): return values.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)
            default:
                let v = values.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                guard v <= UInt64(Int64.max) else { throw LCError(.invalidArgument, "column '\(column)', row \(row): \(v) does not fit a 64-bit signed integer") }
                return Int64(v)
            }
        }

        /// Element i of a text array (utf8: 32-bit offsets, large: 64-bit, view: 16-byte views).
        private static func string(_ a: ArrowArray, _ t: Kind.Text, _ i: Int, column: String, row: Int) throws -> String {
            guard let buffers = a.buffers else { throw LCError(.invalidArgument, "column '\(column)': the Arrow text array has no buffers") }
            let bytes: UnsafeRawBufferPointer
            switch t {
            case .utf8, .large:
                guard a.n_buffers >= 3, let offsets = buffers[1], let data = buffers[2] else {
                    if a.n_buffers >= 3, buffers[1] != nil { return "" }     // all strings empty: no data buffer
                    throw LCError(.invalidArgument, "column '\(column)': the Arrow text array lacks its buffers")
                }
                let (start, end) = t == .utf8
                    ? (Int(offsets.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)), Int(offsets.loadUnaligned(fromByteOffset: i * 4 + 4, as: Int32.self)))
                    : (Int(offsets.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)), Int(offsets.loadUnaligned(fromByteOffset: i * 8 + 8, as: Int64.self)))
                guard start >= 0, end >= start else { throw LCError(.invalidArgument, "column '\(column)', row \(row): bad Arrow offsets") }
                bytes = UnsafeRawBufferPointer(start: data + start, count: end - start)
            case .view:
                guard a.n_buffers >= 2, let views = buffers[1] else { throw LCError(.invalidArgument, "column '\(column)': the Arrow view array lacks its views") }
                let view = views + i * 16
                let length = Int(view.loadUnaligned(as: Int32.self))
                if length <= 12 {
                    bytes = UnsafeRawBufferPointer(start: view + 4, count: max(0, length))
                } else {
                    let index = Int(view.loadUnaligned(fromByteOffset: 8, as: Int32.self)), start = Int(view.loadUnaligned(fromByteOffset: 12, as: Int32.self))
                    guard index >= 0, 2 + index < Int(a.n_buffers) - 1, let data = buffers[2 + index] else {
                        throw LCError(.invalidArgument, "column '\(column)', row \(row): an Arrow string view points outside its buffers")
                    }
                    bytes = UnsafeRawBufferPointer(start: data + start, count: length)
                }
            }
            guard let s = String(validating: bytes, as: UTF8.self) else {
                throw LCError(.parse, "column '\(column)', row \(row): the text is not valid UTF-8")
            }
            return s
        }
    }
}
