import Glibc
import Synchronization

/// Progress and cancellation of one call into the library, and the thread it runs on.
///
/// `Monitor.offloaded` runs a call's work on a thread of its own with a large stack
/// (16 MiB), so no recursion in the library ever runs on the host's stack, however
/// small (a 64 KiB thread of a host's pool). Meanwhile the calling thread waits and,
/// about every `interval` seconds, calls the callback with the fraction done: on its
/// own thread, where a frontend may do what only that thread can (Python checks for
/// Ctrl-C with the GIL). A callback that returns true cancels the call.
///
/// Long loops (simulations, bootstraps, resampling, optimisers) report through the
/// static functions, which find the call's monitor in thread-local storage; `Parallel`
/// hands it to its worker threads. Every thread sees the cancel flag at its next
/// check; a cancelled call throws `LCError(.cancelled)` and leaves nothing half-made,
/// as any other error does. Without a monitor every check is one thread-local read.
public final class Monitor: Sendable {
    /// Called with the fraction done (0...1, or -1 when unknown); returns true to cancel.
    public typealias Callback = @Sendable (Double) -> Bool

    private let callback: Callback
    private let interval: Double
    private let fromWork: Bool
    private let cancelled = Atomic<Bool>(false)
    private let done = Atomic<Int>(0)
    private let total = Atomic<Int>(0)
    private let lastPoll = Atomic<Int>(0)

    /// `fromWork`: the callback may run on any thread of the work, at its checks (a CLI
    /// printing to stderr), instead of only on the thread waiting in `offloaded`.
    public init(interval: Double = 0.1, fromWork: Bool = false, _ callback: @escaping Callback) {
        self.callback = callback
        self.interval = interval
        self.fromWork = fromWork
        lastPoll.store(Monitor.now(), ordering: .relaxed)
    }

    /// Stack of the thread a call's work runs on: deep enough for any formula the parser
    /// accepts and every recursion after it, in debug builds too (address space only).
    public static let workStack = 16 << 20

    /// Runs `body` on a thread with a `workStack` stack and `monitor` installed, while this
    /// thread polls the monitor's callback; returns or throws what `body` did. Runs `body`
    /// here if no thread can be started.
    public static func offloaded<T>(_ monitor: Monitor?, _ body: () throws -> T) throws -> T {
        try withoutActuallyEscaping(body) { body in
            let outcome = Outcome<T>()
            let job = Job { outcome.result = Monitor.run(monitor) { Result { try body() } } }
            guard job.start(stack: workStack) else { return try Monitor.run(monitor) { try body() } }
            while !job.wait(seconds: monitor?.interval ?? 3600) {
                monitor?.poll()
            }
            guard let result = outcome.result else { throw LCError(.internalError, "the work thread ended without a result") }
            return try result.get()
        }
    }

    /// Runs `body` with `monitor` as the current thread's monitor (nil: none).
    public static func run<T>(_ monitor: Monitor?, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, monitor.map { Unmanaged.passUnretained($0).toOpaque() })
        defer { pthread_setspecific(key, previous) }
        return try body()
    }

    /// The current thread's monitor.
    public static var current: Monitor? {
        pthread_getspecific(key).map { Unmanaged<Monitor>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Declares `units` more units of work for the fraction done (the outermost long loop calls it).
    public static func expect(_ units: Int) {
        current?.total.add(max(0, units), ordering: .relaxed)
    }

    /// Marks `units` of work done, then checks for cancellation.
    public static func advance(_ units: Int = 1) throws {
        guard let m = current else { return }
        m.done.add(units, ordering: .relaxed)
        try m.check()
    }

    /// Whether the call has been cancelled, for loops that cannot throw (an optimiser stops
    /// early; its caller then throws through `check`).
    public static var isCancelled: Bool {
        current?.cancelled.load(ordering: .relaxed) ?? false
    }

    /// Throws `LCError(.cancelled)` once the call has been cancelled (inner loops).
    public static func check() throws {
        try current?.check()
    }

    private func check() throws {
        if fromWork {
            let t = Monitor.now(), last = lastPoll.load(ordering: .relaxed)
            if Double(t - last) >= interval * 1e9
                && lastPoll.compareExchange(expected: last, desired: t, ordering: .relaxed).exchanged {
                poll()
            }
        }
        if cancelled.load(ordering: .relaxed) { throw LCError(.cancelled, "cancelled by the caller") }
    }

    private static func now() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int(ts.tv_sec) * 1_000_000_000 + Int(ts.tv_nsec)
    }

    /// Calls the callback with the fraction done (on the waiting thread); a true answer cancels,
    /// and a cancelled call is not asked again while its work winds down.
    func poll() {
        guard !cancelled.load(ordering: .relaxed) else { return }
        if callback(fraction) { cancelled.store(true, ordering: .relaxed) }
    }

    private var fraction: Double {
        let n = total.load(ordering: .relaxed)
        return n > 0 ? min(1, Double(done.load(ordering: .relaxed)) / Double(n)) : -1
    }

    /// The thread-local slot (created once; never deleted, as the library never unloads it).
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()
}

/// What a job's work returned (written by the work thread, read after it is joined).
private final class Outcome<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}

/// One call's work on a thread of its own; the caller waits for it with a timeout.
private final class Job: @unchecked Sendable {
    private let work: () -> Void
    private var finished = false
    private var thread = pthread_t()
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(_ work: @escaping () -> Void) {
        self.work = work
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Starts the thread; false if it cannot be started.
    func start(stack: Int) -> Bool {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stack)
        let context = Unmanaged.passRetained(self).toOpaque()
        let started = pthread_create(&thread, &attributes, { p in
            guard let p else { return nil }
            let job = Unmanaged<Job>.fromOpaque(p).takeRetainedValue()
            job.work()
            pthread_mutex_lock(job.mutex)
            job.finished = true
            pthread_cond_signal(job.condition)
            pthread_mutex_unlock(job.mutex)
            return nil
        }, context) == 0
        if !started { Unmanaged<Job>.fromOpaque(context).release() }
        return started
    }

    /// Waits up to `seconds` for the work to finish; true (and the thread joined) once it has.
    func wait(seconds: Double) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let nanoseconds = Int(deadline.tv_nsec) + Int(seconds * 1e9)
        deadline.tv_sec += nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        pthread_mutex_lock(mutex)
        while !finished {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
        }
        let done = finished
        pthread_mutex_unlock(mutex)
        if done { pthread_join(thread, nil) }
        return done
    }
}
