import LCCore

/// libFuzzer entry: the first byte picks the reader's options (delimiter, decimal
/// comma), the rest is the file. Whatever parses is then analysed for agreement
/// (first column as group, the others as items on a 1–5 scale) and for ICC, so the
/// fuzzer reaches the analyses with every shape of data the reader accepts.
/// Errors are the expected outcome for most inputs; a crash or a sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let control = bytes[0]
    var options = CSVOptions()
    switch control & 3 {
    case 1: options.delimiter = UInt8(ascii: ";")
    case 2: options.delimiter = UInt8(ascii: "\t")
    case 3: options.delimiter = UInt8(ascii: ",")
    default: break  // detect
    }
    if control & 4 != 0 { options.decimalComma = control & 8 != 0 }
    if control & 16 != 0 { options.missing = ["", "NA", "-99"] }
    guard let dataset = try? CSVReader.parse(bytes: Array(bytes[1...]), options: options),
          dataset.columnNames.count >= 2 else { return 0 }
    let group = [dataset.columnNames[0]]
    let items = Array(dataset.columnNames.dropFirst().prefix(8))
    let scale = control & 32 != 0 ? try? ResponseScale(low: 1, high: 5) : nil
    let missing: MissingPolicy = control & 64 != 0 ? .listwise : .available
    _ = try? Agreement.run(dataset, AgreementSpec(group: group, items: items, scale: scale, missing: missing))
    _ = try? ICC.run(dataset, ICCSpec(group: group, items: items, scale: scale, missing: missing))
    return 0
}
