import ArgumentParser
import Glibc
import LCCore

/// Where a command's result goes: standard output, or with `--output FILE` a file
/// that is written whole or not at all. The text goes to a new temporary file
/// beside FILE (same directory, so the rename cannot cross file systems), which is
/// flushed to disk and renamed over FILE only after the analysis and every write
/// succeeded. A failed or interrupted run leaves FILE as it was; the input files
/// are never written, and an output path that is one of them is refused.
struct OutputOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "Write the result to this file (complete or not at all) instead of standard output.")
    var output: String?

    /// The format asked for, else the one `--output`'s extension names (`.csv`, `.json`), else a table.
    func format(_ chosen: OutputFormat?) -> OutputFormat {
        if let chosen { return chosen }
        switch output.map({ $0.split(separator: ".").last.map { $0.lowercased() } ?? "" }) {
        case "csv"?: return .csv
        case "json"?: return .json
        default: return .table
        }
    }

    /// Runs `body`, which produces the result through `write`, then commits it. A write that
    /// fails (a full disk, a closed descriptor) is an error, on standard output as in a file.
    func emit(inputs: [String], _ body: (_ write: (String) -> Void) throws -> Void) throws {
        guard let output else {
            var failure: LCError?
            try body { text in if failure == nil { failure = writeFully(1, text, "standard output") } }
            if let failure { throw failure }
            return
        }
        for input in inputs where sameFile(input, output) {
            throw LCError(.invalidArgument, "--output '\(output)' is the input file; lcstat never overwrites its input")
        }
        var info = stat()
        if lstat(output, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            let kind: String
            switch info.st_mode & S_IFMT {
            case S_IFDIR: kind = "a directory"
            case S_IFLNK: kind = "a symbolic link"
            case S_IFIFO: kind = "a FIFO"
            case S_IFCHR, S_IFBLK: kind = "a device"
            default: kind = "not a regular file"
            }
            throw LCError(.invalidArgument, "--output '\(output)' is \(kind); lcstat writes only regular files or new paths")
        }
        let file = try AtomicFile(path: output)
        do {
            var failure: LCError?
            try body { text in if failure == nil { failure = file.append(text) } }
            if let failure { throw failure }
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }

    private func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }
}

/// A temporary file that becomes `path` on `commit()` (fsync, then rename).
final class AtomicFile {
    let path: String, temporary: String
    private var fd: Int32

    init(path: String) throws {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else { throw LCError(.invalidArgument, "--output '\(path)' names a directory, not a file") }
        // `.NAME.lcstat-XXXXXX`, or `.lcstat-XXXXXX` when that would pass the file system's 255-byte limit
        let prefix = name.utf8.count + 15 <= 255 ? ".\(name)" : ""
        var template = Array("\(directory)\(prefix).lcstat-XXXXXX".utf8CString)
        // a signal between creating the file and registering it would leave it behind: hold them off
        let held = PendingFile.holdSignals()
        fd = template.withUnsafeMutableBufferPointer { b in b.baseAddress.map { mkstemp($0) } ?? -1 }
        let failure = errno
        temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if fd >= 0 { PendingFile.register(temporary) }
        PendingFile.release(held)
        guard fd >= 0 else {
            throw LCError(.io, "cannot create a file beside '\(path)': \(String(cString: strerror(failure)))")
        }
        fchmod(fd, 0o644 & ~currentUmask())
    }

    /// Writes all of `text`; an error, if any, to report.
    func append(_ text: String) -> LCError? { writeFully(fd, text, "'\(path)'") }

    func commit() throws {
        guard fsync(fd) == 0, close(fd) == 0 else {
            throw LCError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        fd = -1
        guard rename(temporary, path) == 0 else {
            throw LCError(.io, "cannot replace '\(path)': \(String(cString: strerror(errno)))")
        }
        PendingFile.clear()
    }

    func discard() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporary)
        PendingFile.clear()
    }
}

/// Writes all of `text` to `fd`, retrying short and interrupted writes; an error naming `what`.
func writeFully(_ fd: Int32, _ text: String, _ what: String) -> LCError? {
    var text = text
    return text.withUTF8 { b -> LCError? in
        guard let base = b.baseAddress else { return nil }
        var done = 0
        while done < b.count {
            let n = Glibc.write(fd, base + done, b.count - done)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return LCError(.io, "cannot write \(what): \(String(cString: strerror(n < 0 ? errno : ENOSPC)))") }
            done += n
        }
        return nil
    }
}

/// The temporary file of an `--output` being written, removed if SIGINT, SIGTERM or SIGHUP
/// ends the process first. The path lives in a buffer allocated once, so the handler does
/// only async-signal-safe work (unlink, then the default action).
enum PendingFile {
    nonisolated(unsafe) private static let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 4097)
    nonisolated(unsafe) private static var installed = false

    static func register(_ path: String) {
        let bytes = Array(path.utf8CString.prefix(4096))
        for (i, b) in bytes.enumerated() { buffer[i] = b }
        buffer[min(bytes.count, 4096)] = 0
        guard !installed else { return }
        installed = true
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { sig in
                if PendingFile.buffer[0] != 0 { unlink(PendingFile.buffer) }
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }

    static func clear() { buffer[0] = 0 }

    /// Blocks SIGINT, SIGTERM and SIGHUP; returns the mask to restore.
    static func holdSignals() -> sigset_t {
        var block = sigset_t(), old = sigset_t()
        sigemptyset(&block)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&block, sig) }
        pthread_sigmask(SIG_BLOCK, &block, &old)
        return old
    }

    /// Restores the mask `holdSignals` returned (a signal that came meanwhile is delivered now).
    static func release(_ old: sigset_t) {
        var old = old
        pthread_sigmask(SIG_SETMASK, &old, nil)
    }
}

private func currentUmask() -> mode_t {
    let old = umask(0o022)
    umask(old)
    return old
}
