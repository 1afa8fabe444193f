import Glibc
import Testing
@testable import LCCore

/// No recursion runs on a host's stack: a call made on a 64 KiB thread (musl's default
/// is 128 KiB; some hosts run callbacks on 64 KiB threads) does its work on a thread of
/// its own (`Monitor.offloaded`, which every C-ABI call that makes something uses), so
/// the most deeply nested formula allowed is read and fitted, and a deeper one is an
/// error, not a crash. (Parsing the deepest formula directly needs ~400 KiB in a release
/// build and several MiB in a debug build.)
struct SmallStackTests {
    /// Runs `body` on a new thread with a stack of `bytes`; its result, or nil if the thread could not start.
    static func onThread(stack bytes: Int, _ body: @escaping () -> String) -> String? {
        var result: String?
        let box = ThreadBody { result = body() }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, bytes)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(box).toOpaque()
        guard pthread_create(&thread, &attributes, { p in
            guard let p else { return nil }
            Unmanaged<ThreadBody>.fromOpaque(p).takeRetainedValue().body()
            return nil
        }, context) == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            return nil
        }
        pthread_join(thread, nil)
        return result
    }

    static func nested(_ depth: Int) -> String {
        "y ~ " + String(repeating: "(", count: depth) + "x" + String(repeating: ")", count: depth) + " + (1 | g)"
    }

    @Test func deepestFormulaIsFittedFromA64KiBThread() throws {
        let data = try Dataset(columns: [
            Column(name: "y", values: .numeric(.doubles((0..<40).map { sin(Double($0)) + Double($0 % 4) }))),
            Column(name: "x", values: .numeric(.doubles((0..<40).map { Double($0 % 7) }))),
            Column(name: "g", values: .numeric(.doubles((0..<40).map { Double($0 / 4) }))),
        ])
        let outcome = Self.onThread(stack: 64 << 10) { [data] () -> String in
            do {
                let fit = try Monitor.offloaded(nil) {
                    try Transfer.run(data, TransferSpec(parsing: Self.nested(Formula.maxDepth)))
                }
                guard fit.fit.beta.count == 2 else { return "wrong fit" }
            } catch { return "error: \(error)" }
            do {
                _ = try Monitor.offloaded(nil) { try Formula(parsing: Self.nested(Formula.maxDepth + 1)) }
                return "a formula deeper than the limit was accepted"
            } catch let e as LCError { return e.code == .parse ? "ok" : "\(e)" } catch { return "\(error)" }
        }
        #expect(outcome == "ok")
    }
}

private final class ThreadBody: @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
