import CLCStat
import LCCore

/// What an opaque handle points at.
enum HandleKind: Sendable { case dataset, spec, table, fit }

/// Base class of every object handed to C as `void *`. Unchecked Sendable: a
/// handle is immutable once built, and building must not overlap other use (see the header).
class Handle: @unchecked Sendable {
    let kind: HandleKind
    init(kind: HandleKind) { self.kind = kind }
}

/// The live handles by token. A token is what C holds as the handle: a number drawn
/// from a counter that never repeats (2^52 tokens at 16 apart, starting far above
/// user-space addresses), not an object address. So a NULL, freed, foreign or
/// stale pointer is an `LC_STATUS_BAD_HANDLE` error instead of a crash, a second
/// free is a no-op, and a freed handle never comes back to life as a new object.
private struct Registry {
    var live: [UInt: Handle] = [:]
    var next: UInt = 1 << 56
}

private let registry = Locked(Registry())

enum Handles {
    static func publish(_ h: Handle) -> UnsafeMutableRawPointer {
        let token = registry.withLock { r -> UInt in
            let t = r.next
            r.next = r.next &+ 16 == 0 ? 16 : r.next &+ 16
            r.live[t] = h
            return t
        }
        return UnsafeMutableRawPointer(bitPattern: token).unsafelyUnwrapped     // tokens are never 0
    }

    /// The object behind `p` if it is live and of the wanted kind (a strong reference for the call).
    static func lookup<T: Handle>(_ p: UnsafeRawPointer?, as type: T.Type, _ kind: HandleKind, what: String) throws -> T {
        guard let p else { throw LCError(.badHandle, "the \(what) handle is NULL") }
        let h = registry.withLock { $0.live[UInt(bitPattern: p)] }
        guard let h, h.kind == kind, let typed = h as? T else {
            throw LCError(.badHandle, "the \(what) handle is not a live \(what) (freed already, or another kind)")
        }
        return typed
    }

    static func free(_ p: UnsafeMutableRawPointer?, _ kind: HandleKind) {
        guard let p else { return }
        var removed = registry.withLock { r -> Handle? in
            guard let h = r.live[UInt(bitPattern: p)], h.kind == kind else { return nil }
            r.live[UInt(bitPattern: p)] = nil
            return h
        }
        guard removed != nil else { return }
        removed = nil                              // the object is released here, outside the lock
        if kind != .spec { returnFreedMemory() }   // datasets, fits and tables hold the big arrays
    }

    /// How many handles are live (for tests of leaks).
    static var liveCount: Int { registry.withLock { $0.live.count } }
}

/// A fitted transfer model handed to C.
final class FitHandle: Handle, @unchecked Sendable {
    let result: TransferResult
    init(_ r: TransferResult) { result = r; super.init(kind: .fit) }
}

final class DatasetHandle: Handle, @unchecked Sendable {
    var dataset: Dataset
    init(_ d: Dataset) { dataset = d; super.init(kind: .dataset) }
}

/// Everything an analysis may be told; each analysis reads what it needs.
final class SpecHandle: Handle, @unchecked Sendable {
    var group: [String] = []
    var items: [String] = []
    var reverse: [String] = []
    var ids: [String] = []
    var scale: ResponseScale?
    var null: NullResponseDistribution = .uniform
    var missing: MissingPolicy = .available
    var iccGroupSize: ICCGroupSize = .mean
    /// Options, set through the typed setters (Exports+SpecOptions.swift).
    var outcome: String?
    var consensus: ConsensusIndex = .rwgJ
    var levelColumn: String?
    var center = false
    var weightBySize = false
    var groupSize: Int?
    var itemCount = 1
    var replications = 10_000
    var seed: UInt64 = 1
    var method: NullMethod = .auto
    var pseudoGroups = 1000
    var wave: String?
    var person: String?, time: String?, value: String?
    var moderator: EmergenceModerator?
    var reml = true
    var bootstrap = 0
    var significance = false
    var medianStatistic = false
    init() { super.init(kind: .spec) }
}

/// A result table copied into C memory once, so getters hand out stable pointers.
final class TableHandle: Handle, @unchecked Sendable {
    let rows: Int
    let names: [UnsafeMutablePointer<CChar>]
    let types: [Int32]
    let extras: [Bool]
    let doubles: [UnsafeMutableBufferPointer<Double>?]
    let ints: [UnsafeMutableBufferPointer<Int64>?]
    let texts: [TextColumn?]
    let bools: [UnsafeMutableBufferPointer<UInt8>?]
    let notes: [UnsafeMutablePointer<CChar>]

    init(_ t: ResultTable) {
        rows = t.rowCount
        names = t.columns.map { cString($0.name) }
        notes = t.notes.map(cString)
        extras = t.columns.map { t.extras.contains($0.name) }
        var types: [Int32] = [], doubles: [UnsafeMutableBufferPointer<Double>?] = []
        var ints: [UnsafeMutableBufferPointer<Int64>?] = [], texts: [TextColumn?] = []
        var bools: [UnsafeMutableBufferPointer<UInt8>?] = []
        for c in t.columns {
            var (d, i, x, b): (UnsafeMutableBufferPointer<Double>?, UnsafeMutableBufferPointer<Int64>?, TextColumn?,
                               UnsafeMutableBufferPointer<UInt8>?) = (nil, nil, nil, nil)
            switch c.values {
            case .double(let v): types.append(LC_TYPE_DOUBLE); d = copyBuffer(v)
            case .int(let v): types.append(LC_TYPE_INT64); i = copyBuffer(v)
            case .text(let v): types.append(LC_TYPE_TEXT); x = TextColumn(v)
            case .bool(let v): types.append(LC_TYPE_BOOL); b = copyBuffer(v.map { $0 ? UInt8(1) : 0 })
            }
            doubles.append(d); ints.append(i); texts.append(x); bools.append(b)
        }
        (self.types, self.doubles, self.ints, self.texts, self.bools) = (types, doubles, ints, texts, bools)
        super.init(kind: .table)
    }

    deinit {
        names.forEach { $0.deallocate() }
        notes.forEach { $0.deallocate() }
        doubles.forEach { $0?.deallocate() }
        ints.forEach { $0?.deallocate() }
        texts.forEach { $0?.deallocate() }
        bools.forEach { $0?.deallocate() }
    }

    func column(_ i: Int64) throws -> Int {
        guard i >= 0, i < Int64(types.count) else {
            throw LCError(.invalidArgument, "column index \(i) is out of range (the table has \(types.count) columns)")
        }
        return Int(i)
    }
}

/// A text column in C memory: every row's NUL-terminated UTF-8 back to back in
/// one buffer, found by offset. Two allocations per column instead of one per
/// row, so a table of many groups stays small and frees at once.
struct TextColumn {
    let count: Int
    private let bytes: UnsafeMutablePointer<CChar>
    private let starts: UnsafeMutablePointer<Int>

    init(_ values: [String]) {
        count = values.count
        bytes = .allocate(capacity: max(1, values.reduce(0) { $0 + $1.utf8.count + 1 }))
        starts = .allocate(capacity: max(1, values.count))
        var at = 0
        for (row, value) in values.enumerated() {
            starts[row] = at
            for unit in value.utf8 { bytes[at] = CChar(bitPattern: unit); at += 1 }
            bytes[at] = 0
            at += 1
        }
    }

    /// Row `row` (0 <= row < count, checked by the caller) as a C string owned by the column.
    func text(_ row: Int) -> UnsafePointer<CChar> { UnsafePointer(bytes + starts[row]) }

    func deallocate() { bytes.deallocate(); starts.deallocate() }
}

/// A NUL-terminated copy of `s` in C memory.
func cString(_ s: String) -> UnsafeMutablePointer<CChar> {
    let utf8 = Array(s.utf8)
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count + 1)
    for (i, b) in utf8.enumerated() { p[i] = CChar(bitPattern: b) }
    p[utf8.count] = 0
    return p
}

func copyBuffer<T>(_ v: [T]) -> UnsafeMutableBufferPointer<T> {
    let b = UnsafeMutableBufferPointer<T>.allocate(capacity: max(v.count, 1))
    _ = b.initialize(from: v)
    return b
}
