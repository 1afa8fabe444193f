import CLCStat
import LCCore
import LCForeign

/// Fills `options` with the defaults (detected delimiter, automatic decimal,
/// "" and "NA" missing, all columns) and sets `struct_size`.
@c(lc_csv_options_init)
public func lcCSVOptionsInit(_ options: UnsafeMutablePointer<lc_csv_options>?) -> Int32 {
    guarded(nil) {
        guard let options else { throw LCError(.invalidArgument, "options is NULL") }
        options.pointee = lc_csv_options(struct_size: UInt32(MemoryLayout<lc_csv_options>.size), delimiter: 0, decimal: 0,
                                         na_values: nil, n_na_values: 0, columns: nil, n_columns: 0)
    }
}

/// Reads a CSV file into a new dataset handle (`options` may be NULL for the
/// defaults). Free the result with lc_dataset_free.
@c(lc_dataset_read_csv)
public func lcDatasetReadCSV(_ path: UnsafePointer<CChar>?, _ options: UnsafePointer<lc_csv_options>?,
                             _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_dataset>?>?,
                             _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let file = try string(path, "path")
        var opts = CSVOptions()
        if let o = options?.pointee {
            guard o.struct_size == UInt32(MemoryLayout<lc_csv_options>.size) else {
                throw LCError(.invalidArgument,
                    "lc_csv_options.struct_size is \(o.struct_size), expected \(MemoryLayout<lc_csv_options>.size): call lc_csv_options_init")
            }
            switch UInt8(bitPattern: o.delimiter) {
            case 0: break
            case UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"): opts.delimiter = UInt8(bitPattern: o.delimiter)
            default: throw LCError(.invalidArgument, "delimiter must be ',', ';', tab or 0 (detect)")
            }
            switch UInt8(bitPattern: o.decimal) {
            case 0: break
            case UInt8(ascii: "."): opts.decimalComma = false
            case UInt8(ascii: ","): opts.decimalComma = true
            default: throw LCError(.invalidArgument, "decimal must be '.', ',' or 0 (automatic)")
            }
            opts.missing += try strings(o.na_values, o.n_na_values, "na_values")
            if o.columns != nil || o.n_columns != 0 { opts.columns = try strings(o.columns, o.n_columns, "columns") }
        }
        return DatasetHandle(try CSVReader.read(path: file, options: opts))
    }
}

/// Creates an empty dataset to which columns are added from memory.
@c(lc_dataset_create)
public func lcDatasetCreate(_ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_dataset>?>?,
                            _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error, trivial: true) { DatasetHandle(Dataset()) }
}

/// Adds a numeric column, copying `n` doubles (NaN = missing; an infinity is an error).
@c(lc_dataset_add_numeric)
public func lcDatasetAddNumeric(_ dataset: UnsafeMutablePointer<lc_dataset>?, _ name: UnsafePointer<CChar>?,
                                _ values: UnsafePointer<Double>?, _ n: Int64,
                                _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    guarded(error) {
        let d = try Handles.lookup(dataset, as: DatasetHandle.self, .dataset, what: "dataset")
        let column = try string(name, "name")
        try checkLength(n, values == nil, column)
        let v = n == 0 ? [] : Array(UnsafeBufferPointer(start: values, count: Int(n)))
        if let bad = v.firstIndex(where: { $0.isInfinite }) {
            throw LCError(.nonFinite, "column '\(column)', row \(bad + 1): \(v[bad]) is not a finite number")
        }
        try d.dataset.add(Column(name: column, values: .numeric(.compact(v))))
    }
}

/// Adds a column of 64-bit integers, copied exactly (ids such as 10^17 + i stay distinct keys;
/// as numbers they must lie within 2^53). `missing` may be NULL; else nonzero marks a missing row.
@c(lc_dataset_add_int64)
public func lcDatasetAddInt64(_ dataset: UnsafeMutablePointer<lc_dataset>?, _ name: UnsafePointer<CChar>?,
                              _ values: UnsafePointer<Int64>?, _ missing: UnsafePointer<UInt8>?, _ n: Int64,
                              _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    guarded(error) {
        let d = try Handles.lookup(dataset, as: DatasetHandle.self, .dataset, what: "dataset")
        let column = try string(name, "name")
        try checkLength(n, values == nil, column)
        var v = n == 0 ? [] : Array(UnsafeBufferPointer(start: values, count: Int(n)))
        if let missing {
            for i in v.indices where missing[i] != 0 { v[i] = ColumnValues.missingInteger }
        }
        if let bad = v.indices.first(where: { v[$0] == ColumnValues.missingInteger && (missing?[$0] ?? 0) == 0 }) {
            throw LCError(.invalidArgument, "column '\(column)', row \(bad + 1): \(Int64.min) is reserved for a missing value; mark it in `missing`")
        }
        try d.dataset.add(Column(name: column, values: .integers(v)))
    }
}

/// Adds a text column as codes into `levels` (code -1 = missing), e.g. from pandas.factorize.
@c(lc_dataset_add_labels)
public func lcDatasetAddLabels(_ dataset: UnsafeMutablePointer<lc_dataset>?, _ name: UnsafePointer<CChar>?,
                               _ codes: UnsafePointer<Int64>?, _ n: Int64,
                               _ levels: UnsafePointer<UnsafePointer<CChar>?>?, _ n_levels: Int64,
                               _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    guarded(error) { try addLabels(dataset, name, codes, n, levels, n_levels, order: .sorted) }
}

/// Adds a categorical column (pandas Categorical, R's factor): codes into `levels` (code -1 =
/// missing), whose order is the factor's order (the first level is the reference of treatment
/// contrasts, unused levels are kept); `ordered` != 0 for an ordered factor (polynomial contrasts).
@c(lc_dataset_add_categorical)
public func lcDatasetAddCategorical(_ dataset: UnsafeMutablePointer<lc_dataset>?, _ name: UnsafePointer<CChar>?,
                                    _ codes: UnsafePointer<Int64>?, _ n: Int64,
                                    _ levels: UnsafePointer<UnsafePointer<CChar>?>?, _ n_levels: Int64, _ ordered: Int32,
                                    _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    guarded(error) { try addLabels(dataset, name, codes, n, levels, n_levels, order: .given(ordered: ordered != 0)) }
}

private func addLabels(_ dataset: UnsafeMutablePointer<lc_dataset>?, _ name: UnsafePointer<CChar>?, _ codes: UnsafePointer<Int64>?,
                       _ n: Int64, _ levels: UnsafePointer<UnsafePointer<CChar>?>?, _ n_levels: Int64, order: LevelOrder) throws {
    let d = try Handles.lookup(dataset, as: DatasetHandle.self, .dataset, what: "dataset")
    let column = try string(name, "name")
    try checkLength(n, codes == nil, column)
    // as many distinct labels as rows (e.g. a person id per row)
    let labels = try strings(levels, n_levels, "levels", limit: Int64(InputLimits.maxRows))
    // two levels that print the same would be two groups with one name: never silently
    if Set(labels).count != labels.count {
        var seen = Set<String>()
        let twice = labels.first { !seen.insert($0).inserted } ?? ""
        throw LCError(.invalidArgument, "column '\(column)': the level '\(twice.prefix(60))' appears twice; levels (and categories) must be distinct")
    }
    var c = [Int32](repeating: -1, count: Int(n))
    if n > 0, let codes {
        for i in 0..<Int(n) {
            let k = codes[i]
            guard k >= -1 && k < Int64(labels.count) else {
                throw LCError(.invalidArgument, "column '\(column)', row \(i + 1): code \(k) is not -1 or a level index below \(labels.count)")
            }
            c[i] = Int32(k)
        }
    }
    try d.dataset.add(Column(name: column, values: .labels(codes: c, levels: labels), levelOrder: order))
}

private func checkLength(_ n: Int64, _ isNull: Bool, _ column: String) throws {
    guard n >= 0 else { throw LCError(.invalidArgument, "column '\(column)': negative length \(n)") }
    guard n <= Int64(InputLimits.maxRows) else { throw LCError(.limit, "column '\(column)': \(n) rows exceed the limit of \(InputLimits.maxRows)") }
    if n > 0 && isNull { throw LCError(.invalidArgument, "column '\(column)': values is NULL but n is \(n)") }
}

/// The number of rows of a dataset.
@c(lc_dataset_nrows)
public func lcDatasetNrows(_ dataset: UnsafePointer<lc_dataset>?, _ out: UnsafeMutablePointer<Int64>?,
                           _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    guarded(error) {
        let d = try Handles.lookup(dataset, as: DatasetHandle.self, .dataset, what: "dataset")
        try store(out, Int64(d.dataset.rowCount))
    }
}

/// Releases a dataset (NULL and already-freed handles are ignored).
@c(lc_dataset_free)
public func lcDatasetFree(_ dataset: UnsafeMutablePointer<lc_dataset>?) { Handles.free(dataset, .dataset) }

/// Creates a dataset from an Arrow C stream of record batches (`__arrow_c_stream__` of polars,
/// pyarrow and DuckDB; see the Arrow C stream interface), reading only `columns` (NULL: every
/// column; a name the stream lacks is left for the analysis to report). Integers stay exact
/// integers, floating point are numbers (null = NaN), text and booleans are labels, dictionary-
/// encoded text is a categorical in its dictionary's order; other types are an error naming the
/// column. The stream is consumed: it is released before the call returns, also on error.
@c(lc_dataset_from_arrow)
public func lcDatasetFromArrow(_ stream: UnsafeMutablePointer<ArrowArrayStream>?, _ columns: UnsafePointer<UnsafePointer<CChar>?>?,
                               _ n_columns: Int64, _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_dataset>?>?,
                               _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        guard let stream else { throw LCError(.invalidArgument, "stream is NULL") }
        let wanted = columns == nil && n_columns == 0 ? nil : try strings(columns, n_columns, "columns")
        return DatasetHandle(try ArrowImport.dataset(stream, columns: wanted))
    }
}

/// Reads a data file by its extension: SPSS (`.sav`, `.zsav`, `.por`) and Stata (`.dta`) through
/// ReadStat (loaded at run time: Debian's libreadstat1; user-missing values are missing, value
/// labels name the groups of a labelled number), anything else as CSV with the reader's
/// defaults (see lc_dataset_read_csv for its options). `columns` (NULL: all) keeps only those.
@c(lc_dataset_read_file)
public func lcDatasetReadFile(_ path: UnsafePointer<CChar>?, _ columns: UnsafePointer<UnsafePointer<CChar>?>?, _ n_columns: Int64,
                              _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_dataset>?>?,
                              _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let file = try string(path, "path")
        let wanted = columns == nil && n_columns == 0 ? nil : try strings(columns, n_columns, "columns")
        if ForeignFile.handles(file) { return DatasetHandle(try ForeignFile.read(path: file, columns: wanted)) }
        return DatasetHandle(try CSVReader.read(path: file, options: CSVOptions(columns: wanted)))
    }
}

/// The dataset's columns as a table (numbers as doubles or integers, text as text; a
/// labelled number's labels are not shown: its values are), e.g. to look at a file read above.
@c(lc_dataset_table)
public func lcDatasetTable(_ dataset: UnsafePointer<lc_dataset>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<lc_table>?>?,
                           _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    producing(out, error) {
        let d = try Handles.lookup(dataset, as: DatasetHandle.self, .dataset, what: "dataset")
        return TableHandle(ResultTable(columns: d.dataset.columns.map { ResultTable.Column($0.name, $0.resultValues) }))
    }
}
