import Glibc
import Synchronization

/// Progress and cancellation of one call into the library.
///
/// Long loops (simulations, bootstraps, resampling, optimisers) report through the
/// static functions, which find the call's monitor in thread-local storage: the
/// calling thread installs it with `Monitor.run`, and `Parallel` hands it to its
/// worker threads. Every thread sees the cancel flag at its next check; only the
/// calling thread invokes the callback, at most every `interval` seconds, so a
/// frontend may do there what only its own thread can (Python checks for Ctrl-C).
/// A cancelled call throws `LCError(.cancelled)` and leaves nothing half-made, as
/// any other error does. Without a monitor every check is one thread-local read.
public final class Monitor: Sendable {
    /// Called with the fraction done (0...1, or -1 when unknown); returns true to cancel.
    public typealias Callback = @Sendable (Double) -> Bool

    private let callback: Callback
    private let interval: Double
    private let caller: pthread_t
    private let cancelled = Atomic<Bool>(false)
    private let done = Atomic<Int>(0)
    private let total = Atomic<Int>(0)
    /// Monotonic time of the last callback, in nanoseconds (touched by the calling thread only).
    private let lastCall = Atomic<Int>(0)

    public init(interval: Double = 0.1, _ callback: @escaping Callback) {
        self.callback = callback
        self.interval = interval
        caller = pthread_self()
        lastCall.store(Monitor.now(), ordering: .relaxed)
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
        if pthread_equal(pthread_self(), caller) != 0 {
            let t = Monitor.now()
            if Double(t - lastCall.load(ordering: .relaxed)) >= interval * 1e9 {
                lastCall.store(t, ordering: .relaxed)
                if callback(fraction) { cancelled.store(true, ordering: .relaxed) }
            }
        }
        if cancelled.load(ordering: .relaxed) { throw LCError(.cancelled, "cancelled by the caller") }
    }

    private var fraction: Double {
        let n = total.load(ordering: .relaxed)
        return n > 0 ? min(1, Double(done.load(ordering: .relaxed)) / Double(n)) : -1
    }

    private static func now() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int(ts.tv_sec) * 1_000_000_000 + Int(ts.tv_nsec)
    }

    /// The thread-local slot (created once; never deleted, as the library never unloads it).
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()
}
