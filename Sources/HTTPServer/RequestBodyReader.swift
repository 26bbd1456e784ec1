/// Reads one request body, framed by Content-Length or chunked coding, into a `RequestBodySink`.
final class RequestBodyReader {
    let head: RequestHead
    let sink: RequestBodySink
    private var remainingLength: Int
    private var chunkedDecoder: ChunkedBodyDecoder?

    init(head: RequestHead, framing: BodyFraming, configuration: HTTPServer.Configuration) throws(RequestError) {
        self.head = head
        switch framing {
        case .none:
            remainingLength = 0
        case .contentLength(let length):
            guard length <= configuration.maxBodyBytes else {
                throw RequestError(413, "body_too_large", "the request body exceeds \(configuration.maxBodyBytes) bytes")
            }
            remainingLength = length
        case .chunked:
            remainingLength = 0
            chunkedDecoder = ChunkedBodyDecoder(maxBodyBytes: configuration.maxBodyBytes,
                                                maxLineBytes: configuration.maxHeaderBytes)
        }
        let expectedLength: Int? = chunkedDecoder == nil ? remainingLength : nil
        sink = try RequestBodySink(expectedLength: expectedLength, inMemoryLimit: configuration.bodyInMemoryLimit,
                                   uploadDirectory: configuration.uploadDirectory)
    }

    var isComplete: Bool {
        if let chunkedDecoder { return chunkedDecoder.isDone }
        return remainingLength == 0
    }

    /// Takes body bytes from the front of `bytes`; returns how many were body (the rest belongs to the
    /// next request).
    func consume(_ bytes: UnsafeRawBufferPointer) throws(RequestError) -> Int {
        if chunkedDecoder != nil {
            let sink = self.sink
            return try chunkedDecoder!.decode(bytes) { (data: UnsafeRawBufferPointer) throws(RequestError) in try sink.append(data) }
        }
        let take = min(remainingLength, bytes.count)
        try sink.append(UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
        remainingLength -= take
        return take
    }
}
