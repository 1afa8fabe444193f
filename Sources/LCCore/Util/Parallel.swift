import Glibc

/// Splits work over plain POSIX threads that are created and joined within the
/// call: no thread pool or Dispatch state survives it, so the library stays
/// safe to use after `fork()` (Python's multiprocessing on Linux) and keeps no
/// global mutable state. Results come back in range order, so the output does
/// not depend on the number of threads.
public enum Parallel {
    /// Threads to use: the online processors, at most 8.
    public static var defaultThreads: Int { max(1, min(8, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))) }

    /// `body(range)` for `0..<count` split into contiguous ranges, one per thread;
    /// with fewer than `minimumPerThread` items per thread it runs on the calling thread.
    public static func mapRanges<T>(count: Int, minimumPerThread: Int = 2048, threads: Int = defaultThreads,
                                    _ body: (Range<Int>) throws -> T) throws -> [T] {
        let t = max(1, min(threads, count / max(1, minimumPerThread)))
        let ranges = (0..<t).map { ($0 * count / t)..<(($0 + 1) * count / t) }
        if t == 1 { return [try body(0..<count)] }
        let results = UnsafeMutableBufferPointer<Result<T, Error>?>.allocate(capacity: t)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        let monitor = Monitor.current     // the call's progress and cancellation reach every thread
        try withoutActuallyEscaping(body) { body in
            let tasks = ranges.indices.map { i in
                Task { Monitor.run(monitor) { sharingCores { results[i] = Result { try body(ranges[i]) } } } }
            }
            var threads: [pthread_t?] = []
            for task in tasks.dropFirst() {
                var id = pthread_t()
                let ctx = Unmanaged.passRetained(task).toOpaque()
                let started = pthread_create(&id, nil, { ctx in
                    if let ctx { Unmanaged<Task>.fromOpaque(ctx).takeRetainedValue().work() }
                    return nil
                }, ctx) == 0
                if !started { Unmanaged<Task>.fromOpaque(ctx).release() }
                threads.append(started ? id : nil)
            }
            tasks[0].work()
            for (i, id) in threads.enumerated() {
                if let id { pthread_join(id, nil) } else { tasks[i + 1].work() }   // no thread: run it here
            }
        }
        return try results.map { r in
            guard let r else { throw LCError(.internalError, "a parallel range did not run") }
            return try r.get()
        }
    }

    /// Whether the calling thread runs one of several ranges of a `mapRanges` call (the caller's own
    /// included): its cores are then taken, and a `ThreadTeam` started from it runs on this thread
    /// alone (its members would wait at barriers for threads that the system has no core to run).
    static var sharesCores: Bool { pthread_getspecific(sharingKey) != nil }

    private static func sharingCores<T>(_ body: () -> T) -> T {
        let previous = pthread_getspecific(sharingKey)
        pthread_setspecific(sharingKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(sharingKey, previous) }
        return body()
    }

    /// The thread-local mark of `sharesCores` (created once, never deleted).
    private static let sharingKey: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    private final class Task {
        let work: () -> Void
        init(_ work: @escaping () -> Void) { self.work = work }
    }
}
