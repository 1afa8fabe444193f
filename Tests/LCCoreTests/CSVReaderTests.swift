import Testing
@testable import LCCore

struct CSVReaderTests {
    func read(_ text: String, _ options: CSVOptions = CSVOptions()) throws -> Dataset {
        try CSVReader.parse(bytes: Array(text.utf8), options: options)
    }

    @Test func spssExportWithSemicolonsDecimalCommaBOMAndMissingCodes() throws {
        let d = try read("\u{FEFF}team;q1;q2\r\n\"A\";3,5;-99\r\nB;4;2\r\n", CSVOptions(missing: ["", "NA", "-99"]))
        #expect(d.columnNames == ["team", "q1", "q2"])
        #expect(try d.numeric("q1").doubles == [3.5, 4])
        #expect(try d.numeric("q2")[0].isNaN)
        #expect(try d.column("team").values == .labels(codes: [0, 1], levels: ["A", "B"]))
    }

    @Test func quotedFieldsWithDelimitersNewlinesAndQuotes() throws {
        let d = try read("name,x\n\"Smith, \"\"J\"\"\nline two\",1\n\n plain ,2\n")
        #expect(try d.column("name").values == .labels(codes: [0, 1], levels: ["Smith, \"J\"\nline two", "plain"]))
        #expect(try d.numeric("x") == .small([1, 2]))
    }

    @Test func aColumnTurnsTextualAtItsFirstLabel() throws {
        let d = try read("id,x\n7,1\nA7,2\n")
        #expect(try d.column("id").values == .labels(codes: [0, 1], levels: ["7", "A7"]))
        #expect(throws: LCError.self) { try d.numeric("id") }
    }

    @Test func blocksSplitRecordsAnywhere() throws {
        // more than one block: records straddle block boundaries
        var text = "g,v\n"
        for i in 0..<300_000 { text += "\"g\(i % 7)\",\(i % 5)\n" }
        let d = try read(text)
        #expect(d.rowCount == 300_000)
        #expect(try d.numeric("v").doubles.reduce(0, +) == Double((0..<300_000).reduce(0) { $0 + $1 % 5 }))
    }

    @Test func projectionKeepsOnlyNamedColumns() throws {
        let d = try read("a,b,c\n1,x,3\n", CSVOptions(columns: ["c", "a"]))
        #expect(d.columnNames == ["a", "c"])
        #expect(throws: LCError.self) { try read("a,b\n1,2\n", CSVOptions(columns: ["zz"])) }
    }
}

struct TallyProperties {
    /// Sufficient statistics merge exactly: tally(a ++ b) == tally(a).merging(tally(b)).
    @Test func mergeEqualsTallyOfUnion() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let a = (0..<Int.random(in: 0...30, using: &rng)).map { _ in Double(Int.random(in: 1...5, using: &rng)) }
            let b = (0..<Int.random(in: 0...30, using: &rng)).map { _ in Double(Int.random(in: 1...5, using: &rng)) }
            #expect(ItemTally(a).merging(ItemTally(b)) == ItemTally(a + b))
        }
    }

    /// rwg(J) stays in [0, 1] whatever the variance; r*wg(J) never exceeds 1.
    @Test func rwgBounds() {
        for s2 in stride(from: 0.0, through: 10.0, by: 0.05) {
            for j in 1...12 {
                let r = AgreementIndex.rwgJ(meanVariance: s2, items: j, nullVariance: 2)
                #expect(r >= 0 && r <= 1)
                #expect(AgreementIndex.rwgJLindell(meanVariance: s2, nullVariance: 2) <= 1)
            }
        }
    }

    /// ICC(2) = k ICC(1) / (1 + (k − 1) ICC(1)) with k = N/J (Spearman-Brown), on random data.
    @Test func icc2FromIcc1BySpearmanBrown() throws {
        var rng = SystemRandomNumberGenerator()
        let n = 400
        let g = (0..<n).map { _ in Double(Int.random(in: 1...30, using: &rng)) }
        let y = g.map { $0 / 10 + Double.random(in: 0...3, using: &rng) }
        let d = try Dataset(columns: [Column(name: "g", values: .numeric(.doubles(g))), Column(name: "y", values: .numeric(.doubles(y)))])
        let t = try ICC.run(d, ICCSpec(group: ["g"], items: ["y"])).table
        let (i1, i2, k) = (t.doubles("icc1")![0], t.doubles("icc2")![0], t.doubles("k")![0])
        #expect(close(i2, k * i1 / (1 + (k - 1) * i1), 1e-12))
    }
}

struct NumericColumnTests {
    /// Compact storage holds exactly the same numbers, and falls back to doubles when it must.
    @Test func compactStorageIsExact() {
        let likert: [Double] = [1, 5, .nan, -127, 127, 0]
        #expect(NumericColumn.compact(likert) == .small([1, 5, Int8.min, -127, 127, 0]))
        #expect(NumericColumn.compact(likert).doubles.map { $0.isNaN ? -999 : $0 } == likert.map { $0.isNaN ? -999 : $0 })
        #expect(NumericColumn.compact([1, 2.5]) == .doubles([1, 2.5]))
        #expect(NumericColumn.compact([1, 128]) == .doubles([1, 128]))
        // reverse coding keeps compact storage when it can
        #expect(NumericColumn.small([1, 5, Int8.min]).mapValues { 6 - $0 } == .small([5, 1, Int8.min]))
    }

    @Test func aColumnWidensWhenALargeOrFractionalNumberArrives() throws {
        let d = try CSVReader.parse(bytes: Array("a,b\n1,1\n2.5,300\n,3\n".utf8))
        #expect(try d.numeric("a").doubles.map { $0.isNaN ? -1 : $0 } == [1, 2.5, -1])
        #expect(try d.numeric("b") == .doubles([1, 300, 3]))
    }
}


/// Extreme but finite values are defined answers or errors, never traps.
struct ExtremeValueTests {
    @Test func hugeGroupIdsAndScaleBounds() throws {
        let d = try Dataset(columns: [
            Column(name: "g", values: .numeric(.doubles([1e300, 1e300, -1e300, -1e300]))),
            Column(name: "x", values: .numeric(.doubles([1, 2, 3, 4]))),
        ])
        let t = try Agreement.run(d, AgreementSpec(group: ["g"], items: ["x"])).table
        #expect(t.rowCount == 2)
        #expect(throws: LCError.self) { try ResponseScale(low: 1e19, high: 1e19 + 4096) }
        #expect(throws: LCError.self) { try ResponseScale(low: 1, high: .infinity) }
    }
}

/// Inputs found while building the bad-input catalogue (issue 5).
@Suite struct CSVReaderEdgeTests {
    @Test func blankLinesBeforeTheHeaderAreSkipped() throws {
        let d = try CSVReader.parse(bytes: Array("\n\r\n\ng,a\nx,1\ny,2\n".utf8))
        #expect(d.columnNames == ["g", "a"])
        #expect(d.rowCount == 2)
        #expect(throws: LCError.self) { try CSVReader.parse(bytes: Array("\n\n\n".utf8)) }
    }

    /// A header longer than a read block (1 MiB) in a file read in chunks, and a
    /// large file that starts with a blank line, read as the serial reader does.
    @Test func chunkedReadWithLongHeaderOrLeadingBlankLine() throws {
        let wide = (0..<50_000).map { "a_long_column_name_\($0)" }  // a 1.3 MB header
        let wideText = wide.joined(separator: ",") + "\n" + String(repeating: wide.indices.map { String($0 % 3) }.joined(separator: ",") + "\n", count: 4)
        let chunked = try Array(wideText.utf8).withUnsafeBytes {
            try CSVReader.readInChunks($0, options: CSVOptions(), origin: "t", threads: 4, threshold: 1)
        }
        #expect(chunked == (try CSVReader.parse(bytes: Array(wideText.utf8))))
        let blankFirst = "\n" + "g,a\n" + String(repeating: "x,1\ny,2\n", count: 1000)
        let fallback = try Array(blankFirst.utf8).withUnsafeBytes {
            try CSVReader.readInChunks($0, options: CSVOptions(), origin: "t", threads: 4, threshold: 1)
        }
        #expect(fallback == nil)
    }
}

/// Files exported as latin-1 or Windows-1252 read as their UTF-8 twin (issue 16.2).
struct TextEncodingTests {
    @Test func latin1AndCp1252AreTranscoded() throws {
        let utf8 = try CSVReader.parse(bytes: Array("g,x\nKöln,1\n€ club,2\n".utf8))
        let cp = try CSVReader.parse(bytes: Array("g,x\nK".utf8) + [0xF6] + Array("ln,1\n".utf8) + [0x80] + Array(" club,2\n".utf8),
                                     options: CSVOptions(encoding: .cp1252))
        #expect(try cp.column("g").values == utf8.column("g").values)
        #expect(try utf8.column("g").values == .labels(codes: [0, 1], levels: ["Köln", "€ club"]))
        let latin1 = try CSVReader.parse(bytes: Array("g,x\nK".utf8) + [0xF6] + Array("ln,1\n".utf8), options: CSVOptions(encoding: .latin1))
        #expect(try latin1.column("g").values == .labels(codes: [0], levels: ["Köln"]))
        // a byte Windows-1252 leaves undefined, and latin-1 bytes read as UTF-8, are errors naming the line
        #expect { try CSVReader.parse(bytes: Array("g,x\nK".utf8) + [0x81] + Array("ln,1\n".utf8), options: CSVOptions(encoding: .cp1252)) }
            throws: { ($0 as? LCError)?.message.contains("line 2") == true }
        #expect { try CSVReader.parse(bytes: Array("g,x\nK".utf8) + [0xF6] + Array("ln,1\n".utf8)) }
            throws: { ($0 as? LCError)?.message.contains("--encoding") == true }
        #expect(try TextEncoding(parsing: "Windows-1252") == .cp1252 && TextEncoding(parsing: "ISO-8859-1") == .latin1)
    }
}
