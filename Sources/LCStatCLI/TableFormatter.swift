import ArgumentParser
import Glibc
import LCCore

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
}


/// Renders a `ResultTable` as an aligned text table, CSV or JSON.
/// Numbers print in Swift's shortest round-trip form, so CSV and JSON carry every digit.
enum TableFormatter {
    /// Renders in pieces (a row at a time for CSV), so a large table is never held twice.
    static func write(_ t: ResultTable, as format: OutputFormat, to sink: (String) -> Void) {
        switch format {
        case .csv: csv(t, to: sink)
        case .json: sink(json(t))
        case .table: sink(text(t))
        }
    }

    static func cell(_ v: ResultTable.Values, _ r: Int, digits: Int? = nil) -> String? {
        switch v {
        case .int(let x): return String(x[r])
        case .text(let x): return x[r]
        case .bool(let x): return x[r] ? "TRUE" : "FALSE"    // as R writes them; pandas reads them as bool
        case .double(let x):
            let d = x[r]
            if d.isNaN { return nil }
            if d.isInfinite { return d > 0 ? "Inf" : "-Inf" }  // as R prints them
            if let digits { return fixed(d, digits) }
            return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        }
    }

    static func fixed(_ d: Double, _ digits: Int) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        _ = withVaList([d]) { vsnprintf(&buf, 64, "%.\(digits)f", $0) }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func csvField(_ s: String) -> String {
        s.utf8.contains(where: { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 })
            ? "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"" : s
    }

    /// CSV in blocks of rows, each block formatted on its own thread and written in order.
    static func csv(_ t: ResultTable, to sink: (String) -> Void) {
        sink(t.columns.map { csvField($0.name) }.joined(separator: ",") + "\n")
        let block = 20_000
        for start in stride(from: 0, to: t.rowCount, by: block) {
            let rows = start..<min(start + block, t.rowCount)
            let pieces = (try? Parallel.mapRanges(count: rows.count, minimumPerThread: 2000) { r in
                csvRows(t, (rows.lowerBound + r.lowerBound)..<(rows.lowerBound + r.upperBound))
            }) ?? [csvRows(t, rows)]
            pieces.forEach(sink)
        }
    }

    private static func csvRows(_ t: ResultTable, _ rows: Range<Int>) -> String {
        var out = ""
        for r in rows {
            for (i, c) in t.columns.enumerated() {
                if i > 0 { out += "," }
                if let v = cell(c.values, r) { out += csvField(v) }
            }
            out += "\n"
        }
        return out
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// `{"columns": [...], "rows": [{...}], "notes": [...]}`; missing and infinite numbers are null.
    static func json(_ t: ResultTable) -> String {
        let rows = jsonObjects(t).map { "    " + $0 }
        return "{\n  \"columns\": [" + t.columns.map { jsonString($0.name) }.joined(separator: ", ") + "],\n"
            + "  \"rows\": [\n" + rows.joined(separator: ",\n") + "\n  ],\n"
            + "  \"notes\": [" + t.notes.map(jsonString).joined(separator: ", ") + "]\n}\n"
    }

    /// One JSON object per row (`{"column": value, ...}`); missing and infinite numbers are null.
    static func jsonObjects(_ t: ResultTable) -> [String] {
        (0..<t.rowCount).map { r in
            "{" + t.columns.map { c -> String in
                let v: String
                switch c.values {
                case .text: v = jsonString(cell(c.values, r) ?? "")
                case .double(let x) where !x[r].isFinite: v = "null"  // JSON has no NaN or infinity
                case .bool(let x): v = x[r] ? "true" : "false"
                default: v = cell(c.values, r) ?? "null"
                }
                return jsonString(c.name) + ": " + v
            }.joined(separator: ", ") + "}"
        }
    }

    /// Right-aligned columns, numbers to 4 decimals, NA for missing, then the notes.
    /// Text columns are wrapped (at spaces) so that a table fits `terminalWidth` columns, as far
    /// as text columns of at least `narrowest` characters allow.
    static let terminalWidth = 100, narrowest = 16

    static func text(_ t: ResultTable) -> String {
        let cells = t.columns.map { c in (0..<t.rowCount).map { r -> String in
            if case .double = c.values { return cell(c.values, r, digits: 4) ?? "NA" }
            return cell(c.values, r) ?? "NA"
        } }
        var widths = t.columns.indices.map { i in max(t.columns[i].name.count, cells[i].map(\.count).max() ?? 0) }
        let isText = t.columns.map { c -> Bool in if case .text = c.values { return true } else { return false } }
        // narrow the widest text column, one character at a time, until the table fits
        while widths.reduce(0, +) + 2 * max(widths.count - 1, 0) > terminalWidth,
              let k = widths.indices.filter({ isText[$0] && widths[$0] > max(narrowest, t.columns[$0].name.count) })
                  .max(by: { widths[$0] < widths[$1] }) {
            widths[k] -= 1
        }
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var out = t.columns.indices.map { pad(t.columns[$0].name, widths[$0]) }.joined(separator: "  ") + "\n"
        for r in 0..<t.rowCount {
            let lines = t.columns.indices.map { wrap(cells[$0][r], widths[$0]) }
            for l in 0..<(lines.map(\.count).max() ?? 1) {
                out += t.columns.indices.map { pad(l < lines[$0].count ? lines[$0][l] : "", widths[$0]) }
                    .joined(separator: "  ") + "\n"
            }
        }
        for n in t.notes { out += wrap(n, terminalWidth - 2).enumerated().map { ($0 == 0 ? "# " : "  ") + $1 + "\n" }.joined() }
        return out
    }

    /// `s` in lines of at most `width` characters, broken at spaces (a longer word is cut).
    static func wrap(_ s: String, _ width: Int) -> [String] {
        guard s.count > width, width > 0 else { return [s] }
        var lines: [String] = [], line = ""
        for word in s.split(separator: " ", omittingEmptySubsequences: false) {
            var word = String(word)
            if line.isEmpty { line = word } else if line.count + 1 + word.count <= width { line += " " + word } else {
                lines.append(line)
                line = word
            }
            while line.count > width {
                lines.append(String(line.prefix(width)))
                word = String(line.dropFirst(width))
                line = word
            }
        }
        lines.append(line)
        return lines
    }
}

/// stderr as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ s: String) { writeAll(2, s) }
}

/// Writes all of `s` to file descriptor `fd`, retrying short writes.
func writeAll(_ fd: Int32, _ s: String) {
    var s = s
    s.withUTF8 { b in
        guard let base = b.baseAddress else { return }
        var done = 0
        while done < b.count {
            let n = Glibc.write(fd, base + done, b.count - done)
            if n <= 0 { return }
            done += n
        }
    }
}
