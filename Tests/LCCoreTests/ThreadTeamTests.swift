import Testing
@testable import LCCore

/// A thread team: its members see each other's writes after a barrier, step after step; a stop
/// reaches every member and the caller; a team started from a range of `Parallel.mapRanges`
/// runs on that thread alone.
struct ThreadTeamTests {
    @Test(arguments: [1, 2, 4])
    func membersSeeEachOthersWritesAfterABarrier(threads: Int) {
        let size = 64, steps = 200
        let values = UnsafeMutablePointer<Int>.allocate(capacity: size)
        values.initialize(repeating: 0, count: size)
        defer { values.deallocate() }
        let wrong = UnsafeMutablePointer<Int>.allocate(capacity: threads)
        wrong.initialize(repeating: 0, count: threads)
        defer { wrong.deallocate() }
        var members = 0
        #expect(ThreadTeam.run(threads: threads) { member, team in
            if member == 0 { members = team.count }
            for step in 1...steps {
                // each member writes its share, then reads every entry (the others' shares too)
                for i in team.share(of: size, member: member) { values[i] = step * size + i }
                team.barrier()
                for i in 0..<size where values[i] != step * size + i { wrong[member] += 1 }
                team.barrier()
            }
        })
        #expect(members == threads)
        #expect((0..<threads).allSatisfy { wrong[$0] == 0 })
    }

    @Test func aStopReachesEveryMemberAndTheCaller() {
        let finished = ThreadTeam.run(threads: 3) { member, team in
            for step in 0..<100 {
                if member == 2 && step == 7 { team.stop() }
                team.barrier()
                if team.stopped { return }
                team.barrier()
            }
        }
        #expect(!finished)
    }

    @Test func aTeamInsideParallelRangesRunsAlone() throws {
        let counts = try Parallel.mapRanges(count: 2, minimumPerThread: 1, threads: 2) { _ in
            var count = 0
            ThreadTeam.run(threads: 4) { member, team in if member == 0 { count = team.count } }
            return count
        }
        #expect(counts == [1, 1])
        var outside = 0
        ThreadTeam.run(threads: 2) { member, team in if member == 0 { outside = team.count } }
        #expect(outside == 2)
    }
}
