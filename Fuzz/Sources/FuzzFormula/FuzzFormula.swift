import LCCore

/// A small longitudinal dataset (sessions in persons in communities) with numeric,
/// constant, collinear and text columns, for the fits the fuzzed formulas ask for.
let sample: Dataset? = {
    var text = "y,x,x2,c,session,person,team,label\n"
    for row in 0..<36 {
        let person = row / 3, session = row % 3, team = person / 4
        let x = Double((row * 7) % 5)
        let y = 1.5 + 0.4 * x + Double(team) * 0.3 + Double((row * 13) % 7) / 7
        text += "\(y),\(x),\(2 * x),1,\(session),p\(person),t\(team),\(row % 2 == 0 ? "a" : "b")\n"
    }
    return try? CSVReader.parse(bytes: Array(text.utf8))
}()

/// libFuzzer entry: the input is a formula, or (after a newline) a formula and a
/// variance function. Both parsers run on it; a formula that parses is fitted to
/// `sample` by REML or ML (the first byte's low bit), through the same pipeline
/// as lc_transfer. Errors are expected; a crash or sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormula(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0, size < 4096, let sample else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    let variance = parts.count > 1 ? try? VarianceFunction(parsing: parts[1]) : nil
    guard (try? Formula(parsing: parts[0])) != nil else { return 0 }
    _ = try? Transfer.run(sample, formula: parts[0], reml: data[0] & 1 == 0, variance: variance)
    return 0
}
