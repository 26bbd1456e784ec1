import Foundation

/// Crash-safe file replacement: write a temporary file beside the target, fsync it, rename it over the
/// target, then fsync the directory so the rename itself is durable (ARCHITECTURE.md "On disk").
public enum AtomicFile {
    /// The suffix of temporary files; start-up code may delete leftovers that carry it.
    public static let temporarySuffix = ".sigtune-tmp"

    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let operation: String
        public let errno: Int32
        public var description: String { "cannot \(operation) \(path): \(String(cString: strerror(errno)))" }
    }

    /// Replaces `url` with `data`, atomically and durably.
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent().path
        let temporary = url.path + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max))" + temporarySuffix
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(path: temporary, operation: "create", errno: errno) }
        var failure: WriteError?
        data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = WriteError(path: temporary, operation: "write", errno: errno)
                    return
                }
                written += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = WriteError(path: temporary, operation: "fsync", errno: errno) }
        close(fd)
        if let failure { unlink(temporary); throw failure }
        guard rename(temporary, url.path) == 0 else {
            let code = errno
            unlink(temporary)
            throw WriteError(path: url.path, operation: "rename onto", errno: code)
        }
        syncDirectory(directory)
    }

    /// fsyncs a directory so that renames and creations in it survive a crash.
    public static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
