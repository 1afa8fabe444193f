import Glibc

/// The values of the last few keys asked for (the least recently used dropped first), shared
/// between threads: for values that are costly to make and asked for again soon after, as the
/// engine of one set of residual parameters at each of a gradient's differences in θ. Two threads
/// that miss the same key at once both make it (the same value); nothing waits on another's work.
final class RecentCache<Value>: @unchecked Sendable {
    private var entries: [(key: [Double], value: Value)] = []
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// The value of `key` if it is held (nothing is made).
    func held(_ key: [Double]) -> Value? {
        locked { entries.last(where: { $0.key == key })?.value }
    }

    /// The value of `key`, made by `make` when it is not held (nil from `make` is not kept).
    func value(for key: [Double], make: () -> Value?) -> Value? {
        let hit: Value? = locked {
            guard let i = entries.firstIndex(where: { $0.key == key }) else { return nil }
            let entry = entries.remove(at: i)
            entries.append(entry)
            return entry.value
        }
        if let hit { return hit }
        guard let made = make() else { return nil }
        locked {
            entries.append((key, made))
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        }
        return made
    }
}
