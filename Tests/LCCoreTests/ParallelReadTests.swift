import Testing
@testable import LCCore

/// Reading in chunks on several threads gives exactly the serial result.
struct ParallelReadTests {
    func both(_ text: String, threads: Int, _ options: CSVOptions = CSVOptions()) throws -> (Dataset, Dataset?) {
        let bytes = Array(text.utf8)
        let serial = try CSVReader.parse(bytes: bytes, options: options)
        let chunked = try bytes.withUnsafeBytes {
            try CSVReader.readInChunks($0, options: options, origin: "test", threads: threads, threshold: 0)
        }
        return (serial, chunked)
    }

    @Test(arguments: [2, 3, 7])
    func sameAsSerial(threads: Int) throws {
        // quoted fields with delimiters and line breaks, a column that turns textual late,
        // one that widens from bytes to doubles late, blank lines
        var text = "\u{FEFF}\"g\",x,y,z\n"
        for i in 0..<5000 {
            let g = i % 11 == 0 ? "\"team \(i % 13), \"\"q\"\"\nsecond line\"" : "t\(i % 13)"
            let y = i == 4700 ? "label" : String(i % 5)
            let z = i == 3900 ? "2.5" : String(i % 3)
            text += "\(g),\(i % 5 + 1),\(y),\(z)\n"
            if i % 1000 == 0 { text += "\n" }
        }
        let (serial, chunked) = try both(text, threads: threads)
        let c = try #require(chunked)
        #expect(c.columns == serial.columns)
        #expect(c.rowCount == 5000)
    }

    @Test func anErrorFallsBackToTheSerialMessage() throws {
        var text = "g,x\n"
        for i in 0..<3000 { text += "a,\(i % 5)\n" }
        text += "a,1,extra\n"
        let bytes = Array(text.utf8)
        let chunked = try bytes.withUnsafeBytes {
            try CSVReader.readInChunks($0, options: CSVOptions(), origin: "test", threads: 2, threshold: 0)
        }
        #expect(chunked == nil)
        #expect(throws: LCError(.parse, "line 3002 has 3 fields, the header has 2")) { try CSVReader.parse(bytes: bytes) }
    }
}
