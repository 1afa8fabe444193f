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

    /// Runs `body`, which produces the result through `write`, then commits it.
    func emit(inputs: [String], _ body: (_ write: (String) -> Void) throws -> Void) throws {
        guard let output else {
            try body { writeAll(1, $0) }
            return
        }
        for input in inputs where sameFile(input, output) {
            throw LCError(.invalidArgument, "--output '\(output)' is the input file; lcstat never overwrites its input")
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
        var template = Array("\(directory).\(name).lcstat-XXXXXX".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { b in b.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else {
            throw LCError(.io, "cannot create a file beside '\(path)': \(String(cString: strerror(errno)))")
        }
        temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        fchmod(fd, 0o644 & ~currentUmask())
    }

    /// Writes all of `text`; an error, if any, to report.
    func append(_ text: String) -> LCError? {
        var text = text
        return text.withUTF8 { b -> LCError? in
            guard let base = b.baseAddress else { return nil }
            var done = 0
            while done < b.count {
                let n = Glibc.write(fd, base + done, b.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return LCError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))") }
                done += n
            }
            return nil
        }
    }

    func commit() throws {
        guard fsync(fd) == 0, close(fd) == 0 else {
            throw LCError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        fd = -1
        guard rename(temporary, path) == 0 else {
            throw LCError(.io, "cannot replace '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    func discard() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporary)
    }
}

private func currentUmask() -> mode_t {
    let old = umask(0o022)
    umask(old)
    return old
}
