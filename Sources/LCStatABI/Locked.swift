import Glibc

/// A value behind a pthread mutex, for the ABI's one piece of shared state (the
/// registry of live handles). Not `Synchronization.Mutex`: on Linux that is built
/// on futexes, which ThreadSanitizer cannot see, so every use of the registry was
/// reported as a race; a pthread mutex is what TSan (and valgrind) understand.
final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
