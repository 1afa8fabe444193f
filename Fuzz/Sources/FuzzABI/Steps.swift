import CLCStat
import LCStatABI

/// A handle slot chosen by the input: one of three, or NULL one time in eight.
func handle<T>(_ input: inout FuzzInput, _ slots: [UnsafeMutablePointer<T>?]) -> UnsafeMutablePointer<T>? {
    let b = input.byte()
    return b & 7 == 7 ? nil : slots[Int(b >> 3) % slots.count]
}

/// An out-parameter: a real one, or NULL one time in sixteen.
func out<T>(_ input: inout FuzzInput, _ body: (UnsafeMutablePointer<UnsafeMutablePointer<T>?>?) -> Int32)
    -> UnsafeMutablePointer<T>? {
    var result: UnsafeMutablePointer<T>?
    if input.byte() & 15 == 15 { _ = body(nil); return nil }
    _ = body(&result)
    return result
}

/// Runs one C-ABI call chosen and parameterised by the input.
func step(_ input: inout FuzzInput, _ slots: inout Slots, _ error: UnsafeMutablePointer<lc_error>?) {
    let slot = input.index(3)
    switch input.byte() % 16 {
    case 0:
        lcDatasetFree(slots.datasets[slot])
        slots.datasets[slot] = out(&input) { lcDatasetCreate($0, error) }
    case 1:
        let d = handle(&input, slots.datasets), name = input.text(Pool.columns)
        let n = input.length(24)
        let values = (0..<max(0, min(n, 24))).map { _ in input.pick(Pool.doubles) }
        let passNull = input.byte() & 15 == 0
        _ = values.withUnsafeBufferPointer { v in
            name.withUnsafeBufferPointer { lcDatasetAddNumeric(d, $0.baseAddress, passNull ? nil : v.baseAddress, passNull ? n : Int64(v.count), error) }
        }
    case 2:
        let d = handle(&input, slots.datasets), name = input.text(Pool.columns)
        let levelCount = input.index(5)
        let levels: [[CChar]?] = (0..<levelCount).map { _ in input.byte() == 0 ? nil : input.text(["a", "b", "a", "c c", ""]) }
        let codes = (0..<max(0, min(input.length(24), 24))).map { _ in Int64(input.index(levelCount + 3)) - 1 }
        _ = withCStringArray(levels) { l in
            codes.withUnsafeBufferPointer { c in
                name.withUnsafeBufferPointer {
                    lcDatasetAddLabels(d, $0.baseAddress, c.baseAddress, Int64(c.count), l, Int64(levelCount), error)
                }
            }
        }
    case 3:
        lcSpecFree(slots.specs[slot])
        slots.specs[slot] = out(&input) { lcSpecCreate($0, error) }
    case 4:
        let s = handle(&input, slots.specs), key = input.text(Pool.keys), value = input.text(Pool.values)
        _ = key.withUnsafeBufferPointer { k in value.withUnsafeBufferPointer { lcSpecSet(s, k.baseAddress, $0.baseAddress, error) } }
    case 5:
        let s = handle(&input, slots.specs)
        let count = input.length(4)
        let columns: [[CChar]?] = (0..<max(0, min(count, 4))).map { _ in input.byte() == 1 ? nil : input.text(Pool.columns) }
        let setter = input.pick([lcSpecSetGroup, lcSpecSetItems, lcSpecSetReverse])
        _ = withCStringArray(columns) { setter(s, $0, count < 0 || count > 4 ? count : Int64(columns.count), error) }
    case 6:
        _ = lcSpecSetScale(handle(&input, slots.specs), input.pick(Pool.doubles), input.pick(Pool.doubles), error)
    case 7:
        let s = handle(&input, slots.specs)
        switch input.index(3) {
        case 0: _ = input.text(Pool.nulls).withUnsafeBufferPointer { lcSpecSetNull(s, $0.baseAddress, error) }
        case 1: _ = input.text(Pool.policies).withUnsafeBufferPointer { lcSpecSetMissing(s, $0.baseAddress, error) }
        default: _ = input.text(Pool.iccK).withUnsafeBufferPointer { lcSpecSetIccK(s, $0.baseAddress, error) }
        }
    case 8:
        let d = handle(&input, slots.datasets), s = handle(&input, slots.specs), run = input.pick(analyses)
        lcTableFree(slots.tables[slot])
        slots.tables[slot] = out(&input) { run(d, s, $0, error) }
    case 9:
        lcTableFree(slots.tables[slot])
        let s = handle(&input, slots.specs)
        slots.tables[slot] = out(&input) { lcNullDistribution(s, $0, error) }
    case 10:
        let d = handle(&input, slots.datasets), formula = input.text(Pool.formulas)
        let variance = input.byte() & 1 == 0 ? nil : input.text(Pool.variances)
        let reml = Int32(input.byte() & 1)
        lcFitFree(slots.fits[slot])
        slots.fits[slot] = out(&input) { o in
            formula.withUnsafeBufferPointer { f in
                guard let variance else { return lcTransfer(d, f.baseAddress, reml, o, error) }
                return variance.withUnsafeBufferPointer { lcTransferWithVariance(d, f.baseAddress, $0.baseAddress, reml, o, error) }
            }
        }
    case 11:
        let f = handle(&input, slots.fits), which = input.text(Pool.tables)
        lcTableFree(slots.tables[slot])
        if input.byte() & 3 == 0 {
            let g = handle(&input, slots.fits)
            slots.tables[slot] = out(&input) { lcFitCompare(f, g, $0, error) }
        } else {
            slots.tables[slot] = out(&input) { o in which.withUnsafeBufferPointer { lcFitTable(f, $0.baseAddress, o, error) } }
        }
    case 12:
        readTable(&input, handle(&input, slots.tables), error)
    case 13:
        switch input.index(4) {
        case 0: lcDatasetFree(handle(&input, slots.datasets))
        case 1: lcSpecFree(handle(&input, slots.specs))
        case 2: lcTableFree(handle(&input, slots.tables))
        default: lcFitFree(handle(&input, slots.fits))
        }
    case 14:
        lcDatasetFree(slots.datasets[slot])
        slots.datasets[slot] = readCSV(&input, error)
    default:
        var count: Int64 = 0
        let d = handle(&input, slots.datasets)
        _ = input.byte() & 1 == 0 ? lcDatasetNrows(d, nil, error) : lcDatasetNrows(d, &count, error)
        _ = lcStatusString(Int32(truncatingIfNeeded: Int8(bitPattern: input.byte())))
        _ = lcVersion()
    }
}

/// Reads a table with indices from the input (often out of range or negative).
func readTable(_ input: inout FuzzInput, _ table: UnsafeMutablePointer<lc_table>?, _ error: UnsafeMutablePointer<lc_error>?) {
    var rows: Int64 = 0, columns: Int64 = 0, notes: Int64 = 0, type: Int32 = 0
    _ = lcTableNrows(table, &rows, error)
    _ = lcTableNcols(table, &columns, error)
    _ = lcTableNnotes(table, &notes, error)
    let column = Int64(Int8(bitPattern: input.byte())), row = Int64(Int8(bitPattern: input.byte()))
    var name: UnsafePointer<CChar>?, text: UnsafePointer<CChar>?
    var doubles: UnsafePointer<Double>?, integers: UnsafePointer<Int64>?
    _ = lcTableColumnName(table, column, &name, error)
    _ = input.byte() & 1 == 0 ? lcTableColumnType(table, column, nil, error) : lcTableColumnType(table, column, &type, error)
    if lcTableColumnDoubles(table, column, &doubles, error) == 0, let doubles, row >= 0, row < rows { _ = doubles[Int(row)] }
    if lcTableColumnInt64s(table, column, &integers, error) == 0, let integers, row >= 0, row < rows { _ = integers[Int(row)] }
    if lcTableText(table, column, row, &text, error) == 0, let text { _ = String(cString: text) }
    _ = lcTableNote(table, row, &text, error)
}

/// Reads a CSV file named by the input, with options that may be NULL, default
/// or malformed (wrong struct size, odd delimiter, NULL entries in lists).
func readCSV(_ input: inout FuzzInput, _ error: UnsafeMutablePointer<lc_error>?) -> UnsafeMutablePointer<lc_dataset>? {
    let path = input.text(Pool.paths)
    var options = lc_csv_options()
    _ = lcCSVOptionsInit(&options)
    let mode = input.byte()
    if mode & 1 != 0 { options.struct_size = UInt32(input.byte()) }
    if mode & 2 != 0 { options.delimiter = CChar(bitPattern: input.pick([0, 44, 59, 9, 34, 10, 46, 255])) }
    if mode & 4 != 0 { options.decimal = CChar(bitPattern: input.pick([0, 44, 46, 59, 120])) }
    let names: [[CChar]?] = (0..<input.index(4)).map { _ in input.byte() == 0 ? nil : input.text(Pool.columns + ["NA", "-99"]) }
    return withCStringArray(names) { list in
        if mode & 8 != 0 { options.na_values = list; options.n_na_values = Int64(names.count) }
        if mode & 16 != 0 { options.columns = list; options.n_columns = mode & 64 != 0 ? -1 : Int64(names.count) }
        return path.withUnsafeBufferPointer { p in
            withUnsafePointer(to: &options) { o in
                out(&input) { lcDatasetReadCSV(p.baseAddress, mode & 32 != 0 ? nil : o, $0, error) }
            }
        }
    }
}
