import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock(2)` on a lock file, the kind Python's `filelock` takes on Unix, so a sigtune download
/// and a `huggingface_hub` download of the same blob wait for each other instead of both writing it.
/// The file itself stays (as with `filelock`); only the lock is released.
final class FileLock {
    private let descriptor: Int32

    /// Blocks until the lock at `url` is held, creating the file and its directory if needed.
    init(_ url: URL) throws {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw HubError.fileSystem(path: url.path, detail: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let detail = String(cString: strerror(errno))
                close(descriptor)
                throw HubError.fileSystem(path: url.path, detail: "cannot lock: \(detail)")
            }
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
