import Foundation
import Glibc

/// Collects a request body as it arrives: in memory up to `inMemoryLimit` bytes, beyond that in a new
/// file in the upload directory, so a large upload never sits whole in memory.
final class RequestBodySink {
    private let inMemoryLimit: Int
    private let uploadDirectory: URL
    private var memory = Data()
    private var file: (url: URL, descriptor: Int32)?
    private(set) var count = 0

    /// `expectedLength` (from Content-Length) lets a body known to be large go to a file from the start.
    init(expectedLength: Int?, inMemoryLimit: Int, uploadDirectory: URL) throws(RequestError) {
        self.inMemoryLimit = inMemoryLimit
        self.uploadDirectory = uploadDirectory
        if let expectedLength {
            if expectedLength > inMemoryLimit { try openFile() } else { memory.reserveCapacity(expectedLength) }
        }
    }

    deinit { discard() }

    func append(_ bytes: UnsafeRawBufferPointer) throws(RequestError) {
        guard !bytes.isEmpty else { return }
        if file == nil, count + bytes.count > inMemoryLimit {
            try openFile()
            let spill = memory.withUnsafeBytes { spilled -> Result<Void, RequestError> in
                do throws(RequestError) { return .success(try writeToFile(spilled)) } catch { return .failure(error) }
            }
            try spill.get()
            memory = Data()
        }
        if file != nil { try writeToFile(bytes) } else { memory.append(contentsOf: bytes) }
        count += bytes.count
    }

    /// The body for the handler; the sink no longer owns a file it hands over.
    func finish() -> HTTPBody {
        if let file {
            close(file.descriptor)
            self.file = nil
            return .file(file.url, length: count)
        }
        return count == 0 ? .empty : .data(memory)
    }

    /// Drops what was received (the request failed); deletes the partial file.
    func discard() {
        if let file {
            close(file.descriptor)
            unlink(file.url.path)
            self.file = nil
        }
        memory = Data()
    }

    private func openFile() throws(RequestError) {
        let url = uploadDirectory.appendingPathComponent("upload-\(UUID().uuidString).part")
        // O_EXCL: never write into a file someone else placed there; 0600: uploads may be private.
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.storageError(errno) }
        file = (url, descriptor)
    }

    private func writeToFile(_ bytes: UnsafeRawBufferPointer) throws(RequestError) {
        guard let file, var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = write(file.descriptor, pointer, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.storageError(errno)
            }
            pointer += written
            remaining -= written
        }
    }

    private static func storageError(_ code: Int32) -> RequestError {
        if code == ENOSPC || code == EDQUOT {
            return RequestError(507, "insufficient_storage", "no space left to store the request body")
        }
        return RequestError(500, "upload_failed", "the request body could not be stored")
    }
}
