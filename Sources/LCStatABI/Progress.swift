import CLCStat
import Glibc
import LCCore

/// The progress callback a thread registered with lc_progress_set, kept in that thread's
/// storage: it applies to the calls this thread makes, and to nothing else.
private final class ProgressRegistration: @unchecked Sendable {
    let callback: lc_progress_fn
    let context: UnsafeMutableRawPointer?
    init(_ callback: lc_progress_fn, _ context: UnsafeMutableRawPointer?) {
        (self.callback, self.context) = (callback, context)
    }

    /// The monitor of one call: the C callback, called on this thread, nonzero cancels.
    func monitor() -> Monitor {
        Monitor { [self] done in callback(context, done) != 0 }
    }

    /// The slot, whose destructor releases a thread's registration when the thread ends.
    static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k) { p in
            if let p { Unmanaged<ProgressRegistration>.fromOpaque(p).release() }
        }
        return k
    }()

    static var current: ProgressRegistration? {
        pthread_getspecific(key).map { Unmanaged<ProgressRegistration>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// The monitor for a call made on this thread (nil without a registered callback).
func currentMonitor() -> Monitor? { ProgressRegistration.current?.monitor() }

/// Registers `callback` (with `context`) for the calls this thread makes from now on;
/// NULL removes it. During a long call (simulations, bootstraps, resampling, fits,
/// profiles) the library calls it on this thread about every 100 ms with the fraction
/// done (0 to 1, or -1 when unknown); a nonzero return stops the call, which then
/// returns LC_STATUS_CANCELLED and makes nothing.
@c(lc_progress_set)
public func lcProgressSet(_ callback: lc_progress_fn?, _ context: UnsafeMutableRawPointer?) {
    if let old = pthread_getspecific(ProgressRegistration.key) {
        Unmanaged<ProgressRegistration>.fromOpaque(old).release()
    }
    let new = callback.map { Unmanaged.passRetained(ProgressRegistration($0, context)).toOpaque() }
    pthread_setspecific(ProgressRegistration.key, new)
}
