import Testing
@testable import LCCore

/// The cache of recent engines: a held key is not made again, the least recently used key is the
/// one dropped, a failed make is not kept, and threads asking at once get the same values.
struct RecentCacheTests {
    @Test func keepsTheRecentKeys() {
        let cache = RecentCache<Int>(capacity: 2)
        var made = 0
        func get(_ k: Double) -> Int? { cache.value(for: [k]) { made += 1; return Int(k) * 10 } }
        #expect(get(1) == 10 && get(2) == 20 && made == 2)
        #expect(get(1) == 10 && made == 2)           // held
        #expect(get(3) == 30 && made == 3)           // drops 2, the least recently used
        #expect(get(1) == 10 && made == 3)
        #expect(get(2) == 20 && made == 4)           // made again
        #expect(cache.value(for: [9]) { nil } == nil)
        #expect(cache.value(for: [9]) { 90 } == 90)  // the failure was not kept
    }

    @Test func sharedBetweenThreads() throws {
        let cache = RecentCache<[Double]>(capacity: 4)
        let values = try Parallel.mapRanges(count: 64, minimumPerThread: 1) { range in
            range.map { i in cache.value(for: [Double(i % 3)]) { [Double(i % 3), 1] } ?? [] }
        }.flatMap { $0 }
        #expect(values.indices.allSatisfy { values[$0] == [Double($0 % 3), 1] })
    }
}
