import Glibc
import Synchronization

/// Threads that work through many short parallel steps together, meeting at barriers between
/// them: started once for a call (as `Parallel` starts its threads) instead of once per step,
/// for a blocked factorisation's panels, where each step takes tens of microseconds and starting
/// threads for each would cost as much. The caller is member 0; the team is joined before `run`
/// returns, so no thread outlives the call (safe after `fork()`, like `Parallel`).
final class ThreadTeam: Sendable {
    /// The members that run (fewer than asked if the system would not start a thread).
    var count: Int { size.load(ordering: .acquiring) }
    private let size = Atomic<Int>(0)
    private let arrived = Atomic<Int>(0), generation = Atomic<Int>(0)
    private let halted = Atomic<Bool>(false)

    /// Whether a member has called `stop()` (read after a barrier: then every member sees it).
    var stopped: Bool { halted.load(ordering: .acquiring) }
    /// Asks every member to stop at its next check of `stopped` (a failed step).
    func stop() { halted.store(true, ordering: .releasing) }

    private init() {}

    /// `body(member, team)` on `threads` threads at once (member 0 on the calling thread); the
    /// members divide the work by `team.count` and meet at `team.barrier()`. With one thread, or
    /// from a range of `Parallel.mapRanges` (whose threads already take the cores), `body(0, team)`
    /// on the calling thread and barriers that return at once. False if a member called `stop()`.
    @discardableResult
    static func run(threads: Int, _ body: (Int, ThreadTeam) -> Void) -> Bool {
        let team = ThreadTeam()
        guard threads > 1, !Parallel.sharesCores else {
            team.size.store(1, ordering: .releasing)
            body(0, team)
            return !team.stopped
        }
        let monitor = Monitor.current     // the call's progress and cancellation reach every member
        withoutActuallyEscaping(body) { body in
            var ids: [pthread_t] = []
            for member in 1..<threads {
                let work = Work { team.waitForStart(); Monitor.run(monitor) { body(member, team) } }
                let context = Unmanaged.passRetained(work).toOpaque()
                var id = pthread_t()
                guard pthread_create(&id, nil, { context in
                    if let context { Unmanaged<Work>.fromOpaque(context).takeRetainedValue().body() }
                    return nil
                }, context) == 0 else {
                    Unmanaged<Work>.fromOpaque(context).release()
                    break
                }
                ids.append(id)
            }
            team.size.store(ids.count + 1, ordering: .releasing)      // opens the start gate
            body(0, team)
            for id in ids { pthread_join(id, nil) }
        }
        return !team.stopped
    }

    /// Waits until every member has reached the barrier (what each wrote before it is then
    /// visible to all): spins briefly, then yields the core (a team may share cores with another).
    func barrier() {
        let members = count
        guard members > 1 else { return }
        let current = generation.load(ordering: .acquiring)
        if arrived.add(1, ordering: .acquiringAndReleasing).newValue == members {
            arrived.store(0, ordering: .relaxed)
            generation.store(current &+ 1, ordering: .releasing)
            return
        }
        Self.spin { generation.load(ordering: .acquiring) != current }
    }

    /// The contiguous share of `0..<total` that member `member` takes.
    func share(of total: Int, member: Int) -> Range<Int> {
        let members = count
        return (member * total / members)..<((member + 1) * total / members)
    }

    private func waitForStart() {
        Self.spin { size.load(ordering: .acquiring) != 0 }
    }

    /// Waits until `done()`: spins briefly, then yields the core at each check.
    private static func spin(until done: () -> Bool) {
        var spins = 0
        while !done() {
            spins += 1
            if spins > 1 << 12 { sched_yield() }
        }
    }

    private final class Work {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
}
