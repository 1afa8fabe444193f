import Foundation
import Synchronization
import Testing
@testable import LCCore

/// A long read reports progress in bytes and stops when the caller cancels, in the
/// serial reader and in the parallel one (whose chunks must not fall back to a second read).
struct CSVReadMonitorTests {
    /// A CSV file of `rows` rows (about 20 bytes each) in the temporary directory.
    func file(rows: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lcstat-monitor-\(rows).csv").path
        var text = "group,x,y\n"
        text.reserveCapacity(rows * 24)
        for i in 0..<rows { text += "g\(i % 97),\(i % 5 + 1),\(Double(i % 13) / 4)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [20_000, 700_000])     // below and above the parallel threshold (8 MiB)
    func progressReachesTheEnd(rows: Int) throws {
        let path = try file(rows: rows)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let seen = Mutex<[Double]>([])
        let monitor = Monitor(interval: 0, fromWork: true) { done in seen.withLock { $0.append(done) }; return false }
        let data = try Monitor.run(monitor) { try CSVReader.read(path: path) }
        #expect(data.rowCount == rows)
        let fractions = seen.withLock { $0 }
        #expect(!fractions.isEmpty && fractions.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect((fractions.max() ?? 0) > 0.9)
    }

    @Test(arguments: [20_000, 700_000])
    func cancellingStopsTheRead(rows: Int) throws {
        let path = try file(rows: rows)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let calls = Atomic<Int>(0)
        let monitor = Monitor(interval: 0, fromWork: true) { _ in calls.add(1, ordering: .relaxed); return true }
        #expect(throws: LCError.self) {
            do { _ = try Monitor.run(monitor) { try CSVReader.read(path: path) } } catch let e as LCError {
                #expect(e.code == .cancelled)
                throw e
            }
        }
        #expect(calls.load(ordering: .relaxed) >= 1)
    }
}
