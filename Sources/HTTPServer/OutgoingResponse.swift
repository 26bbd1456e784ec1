import Foundation
import Glibc

/// A response being written to a connection: its head and data body already queued as bytes, plus
/// the part still to come from a file or a stream producer.
final class OutgoingResponse {
    /// nil for error responses the server made before a request was complete.
    let request: HTTPRequest?
    let status: Int
    let closeAfter: Bool
    let receivedAt: UInt64
    /// A file body still to send with sendfile(2).
    var file: (descriptor: Int32, offset: Int, remaining: Int)?
    var stream: ResponseStream?
    /// Whether stream chunks get chunked framing (HTTP/1.1) or go raw until close (HTTP/1.0).
    var streamIsChunked = true
    var streamTerminated = false

    init(request: HTTPRequest?, status: Int, closeAfter: Bool, receivedAt: UInt64) {
        self.request = request
        self.status = status
        self.closeAfter = closeAfter
        self.receivedAt = receivedAt
    }

    /// What comes next from the stream: framed bytes, nothing yet, or the end.
    enum StreamStep {
        case bytes(Data)
        case waitForProducer
        case finished
    }

    func nextStreamStep(_ stream: ResponseStream) -> StreamStep {
        let (chunks, producerFinished) = stream.takePending()
        if !chunks.isEmpty {
            var framed = Data()
            for chunk in chunks {
                // chunk = chunk-size CRLF chunk-data CRLF (RFC 9112 §7.1)
                if streamIsChunked { framed.append(contentsOf: Array("\(String(chunk.count, radix: 16))\r\n".utf8)) }
                framed.append(chunk)
                if streamIsChunked { framed.append(contentsOf: [0x0D, 0x0A]) }
            }
            return .bytes(framed)
        }
        guard producerFinished else { return .waitForProducer }
        if streamIsChunked && !streamTerminated {
            streamTerminated = true
            // last-chunk, no trailers, final CRLF
            return .bytes(Data("0\r\n\r\n".utf8))
        }
        return .finished
    }

    /// Closes the file and stops the stream; safe to call more than once.
    func release() {
        if let file {
            close(file.descriptor)
            self.file = nil
        }
        stream?.close()
    }
}

/// A handler's response with its file (if any) already opened, made on the handler thread so the
/// event queue never waits on open(2) or a missing file.
struct PreparedResponse {
    var response: HTTPResponse
    var file: (descriptor: Int32, length: Int)?

    init(_ response: HTTPResponse) {
        self.response = response
        guard case .file(let url) = response.body else { return }
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        var info = stat()
        if descriptor >= 0, fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            file = (descriptor, Int(info.st_size))
        } else {
            if descriptor >= 0 { close(descriptor) }
            self.response = .error(500, code: "internal_error", message: "the response file could not be opened")
        }
    }

    func release() {
        if let file { close(file.descriptor) }
    }
}
