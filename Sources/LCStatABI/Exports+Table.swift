import CLCStat
import LCCore

private func withTable(_ table: UnsafePointer<lc_table>?, _ error: UnsafeMutablePointer<lc_error>?,
                       _ body: (TableHandle) throws -> Void) -> Int32 {
    guarded(error) { try body(try Handles.lookup(table, as: TableHandle.self, .table, what: "table")) }
}

/// The number of rows.
@c(lc_table_nrows)
public func lcTableNrows(_ table: UnsafePointer<lc_table>?, _ out: UnsafeMutablePointer<Int64>?,
                         _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withTable(table, error) { try store(out, Int64($0.rows)) }
}

/// The number of columns.
@c(lc_table_ncols)
public func lcTableNcols(_ table: UnsafePointer<lc_table>?, _ out: UnsafeMutablePointer<Int64>?,
                         _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withTable(table, error) { try store(out, Int64($0.types.count)) }
}

/// The name of a column, given by its position from 0 (owned by the table).
@c(lc_table_column_name)
public func lcTableColumnName(_ table: UnsafePointer<lc_table>?, _ column: Int64,
                              _ out: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                              _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withTable(table, error) { t in try store(out, UnsafePointer(t.names[try t.column(column)])) }
}

/// The type of a column, given by its position from 0: LC_TYPE_DOUBLE, LC_TYPE_INT64, LC_TYPE_TEXT or LC_TYPE_BOOL.
@c(lc_table_column_type)
public func lcTableColumnType(_ table: UnsafePointer<lc_table>?, _ column: Int64, _ out: UnsafeMutablePointer<Int32>?,
                              _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withTable(table, error) { t in try store(out, t.types[try t.column(column)]) }
}

/// Whether a column (by its position from 0) is an extra (raw values, notes, details) rather
/// than part of the table's contract: 1 or 0 in `out`. Frontends show extras when asked.
@c(lc_table_column_extra)
public func lcTableColumnExtra(_ table: UnsafePointer<lc_table>?, _ column: Int64, _ out: UnsafeMutablePointer<Int32>?,
                               _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withTable(table, error) { t in try store(out, t.extras[try t.column(column)] ? 1 : 0) }
}

/// Hands out the buffer of the column at index `column` from `buffers` (nil where the column has another type).
private func columnBuffer<T>(_ table: UnsafePointer<lc_table>?, _ column: Int64, _ out: UnsafeMutablePointer<UnsafePointer<T>?>?,
                             _ error: UnsafeMutablePointer<lc_error>?,
                             _ buffers: KeyPath<TableHandle, [UnsafeMutableBufferPointer<T>?]>, _ type: String) -> Int32 {
    withTable(table, error) { t in
        guard let b = t[keyPath: buffers][try t.column(column)] else {
            throw LCError(.invalidArgument, "column \(column) is not of type \(type)")
        }
        try store(out, UnsafePointer(b.baseAddress))
    }
}

/// The nrows doubles of an LC_TYPE_DOUBLE column (NaN = missing; owned by the table).
@c(lc_table_column_doubles)
public func lcTableColumnDoubles(_ table: UnsafePointer<lc_table>?, _ column: Int64,
                                 _ out: UnsafeMutablePointer<UnsafePointer<Double>?>?,
                                 _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    columnBuffer(table, column, out, error, \.doubles, "LC_TYPE_DOUBLE")
}

/// The nrows integers of an LC_TYPE_INT64 column (owned by the table).
@c(lc_table_column_int64s)
public func lcTableColumnInt64s(_ table: UnsafePointer<lc_table>?, _ column: Int64,
                                _ out: UnsafeMutablePointer<UnsafePointer<Int64>?>?,
                                _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    columnBuffer(table, column, out, error, \.ints, "LC_TYPE_INT64")
}

/// The nrows flags of an LC_TYPE_BOOL column, 1 for true and 0 for false (owned by the table).
@c(lc_table_column_bools)
public func lcTableColumnBools(_ table: UnsafePointer<lc_table>?, _ column: Int64,
                               _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
                               _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    columnBuffer(table, column, out, error, \.bools, "LC_TYPE_BOOL")
}

/// The text in one row of an LC_TYPE_TEXT column, both given by their position from 0 (owned by the table).
@c(lc_table_text)
public func lcTableText(_ table: UnsafePointer<lc_table>?, _ column: Int64, _ row: Int64,
                        _ out: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                        _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withTable(table, error) { t in
        guard let texts = t.texts[try t.column(column)] else {
            throw LCError(.invalidArgument, "column \(column) is not of type LC_TYPE_TEXT")
        }
        guard row >= 0, row < Int64(texts.count) else {
            throw LCError(.invalidArgument, "row \(row) is out of range (the table has \(texts.count) rows)")
        }
        try store(out, texts.text(Int(row)))
    }
}

/// The number of notes (conventions used, rows left out).
@c(lc_table_nnotes)
public func lcTableNnotes(_ table: UnsafePointer<lc_table>?, _ out: UnsafeMutablePointer<Int64>?,
                          _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withTable(table, error) { try store(out, Int64($0.notes.count)) }
}

/// A note, given by its position from 0 (owned by the table).
@c(lc_table_note)
public func lcTableNote(_ table: UnsafePointer<lc_table>?, _ index: Int64, _ out: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                        _ error: UnsafeMutablePointer<lc_error>?) -> Int32 {
    withTable(table, error) { t in
        guard index >= 0, index < Int64(t.notes.count) else {
            throw LCError(.invalidArgument, "note \(index) is out of range (the table has \(t.notes.count) notes)")
        }
        try store(out, UnsafePointer(t.notes[Int(index)]))
    }
}

/// Releases a table and every pointer obtained from it (NULL and already-freed handles are ignored).
@c(lc_table_free)
public func lcTableFree(_ table: UnsafeMutablePointer<lc_table>?) { Handles.free(table, .table) }
