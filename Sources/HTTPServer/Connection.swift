import Foundation
import Glibc

/// One client connection: reads and parses requests, hands complete ones to the handler pool and
/// writes the responses, all on the server's serial event queue (so its state needs no lock).
///
/// Reading is driven by a Dispatch read source, writing (when the socket is full) by a write source:
/// an idle keep-alive connection costs a registered descriptor and a few hundred bytes, no thread.
final class Connection {
    enum Phase {
        /// Waiting for the first byte of the next request.
        case awaitingRequest
        case readingHead
        case readingBody(RequestBodyReader)
        /// The handler has the request; nothing is read meanwhile (RFC 9112 §9.3.2: responses go out in
        /// request order, so a pipelined request waits, in the kernel's buffer).
        case handling
        case writing(OutgoingResponse)
        /// Final response sent and our side shut down; reading and discarding until the client closes,
        /// so unread request bytes do not make the kernel reset the connection and destroy the response
        /// before the client has read it (RFC 9112 §9.6).
        case lingering
        case closed
    }

    /// What happens when `deadline` passes.
    enum DeadlineAction {
        case closeQuietly
        case requestTimeout
        case abort
    }

    let descriptor: Int32
    let remoteAddress: String
    private unowned let server: HTTPServer
    private let configuration: HTTPServer.Configuration
    private let headParser: RequestHeadParser
    private let sources: DescriptorSources

    private let inbound = InboundBuffer()
    private var outbound: [Data] = []
    private(set) var phase = Phase.awaitingRequest
    private(set) var deadline: (time: UInt64, action: DeadlineAction)?
    /// The client shut down its sending side (or reset) while a response was pending.
    private var peerFinished = false

    /// Bytes read per readiness event, so one fast uploader cannot starve the other connections.
    private static let readBudgetPerEvent = 1 << 20
    private static let readSize = 64 << 10
    /// Bytes written per writability event, for the same reason.
    private static let writeBudgetPerEvent = 4 << 20
    private static let lingerSeconds = 2.0

    init(descriptor: Int32, remoteAddress: String, server: HTTPServer) {
        self.descriptor = descriptor
        self.remoteAddress = remoteAddress
        self.server = server
        self.configuration = server.configuration
        self.headParser = RequestHeadParser(maxRequestLineBytes: configuration.maxRequestLineBytes,
                                            maxHeaderBytes: configuration.maxHeaderBytes)
        self.sources = DescriptorSources(descriptor: descriptor, queue: server.eventQueue)
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    var isLingering: Bool {
        if case .lingering = phase { return true }
        return false
    }

    func start() {
        sources.onReadable = { [weak self] in self?.readableEvent() }
        sources.onWritable = { [weak self] in self?.flush() }
        setDeadline(after: configuration.idleTimeout, .closeQuietly)
        sources.resumeReading()
    }

    // MARK: - Reading

    private var isReadingPhase: Bool {
        switch phase {
        case .awaitingRequest, .readingHead, .readingBody, .lingering: return true
        case .handling, .writing, .closed: return false
        }
    }

    private func readableEvent() {
        if isReadingPhase { readAndProcess() } else { notePeerWhileBusy() }
    }

    private func readAndProcess() {
        var budget = Self.readBudgetPerEvent
        while budget > 0, isReadingPhase {
            let (count, error) = inbound.read(from: descriptor, maxBytes: Self.readSize)
            if count > 0 {
                budget -= count
                if case .lingering = phase {
                    inbound.clear()
                } else {
                    process()
                }
            } else if count == 0 {
                // End of input: whatever request was half-received will never complete.
                closeNow()
                return
            } else if error == EINTR {
                continue
            } else {
                if error != EAGAIN && error != EWOULDBLOCK { closeNow() }
                return
            }
        }
    }

    /// A readiness event while a request is being handled or answered: look, do not read. End of input
    /// means the client left (a streaming producer should stop); data is a pipelined request, left in
    /// the kernel until this response is done. Either way, stop listening until then.
    private func notePeerWhileBusy() {
        var byte: UInt8 = 0
        let count = recv(descriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return }
        if count <= 0 {
            peerFinished = true
            if case .writing(let response) = phase { response.stream?.close() }
        }
        sources.pauseReading()
    }

    /// Parses as far as the buffered bytes allow.
    private func process() {
        while true {
            switch phase {
            case .awaitingRequest:
                guard !inbound.isEmpty else { return }
                phase = .readingHead
                // The header deadline runs from the request's first byte (slow-header defence).
                setDeadline(after: configuration.headerTimeout, .requestTimeout)
            case .readingHead:
                let outcome: RequestHeadParser.Outcome
                do {
                    outcome = try inbound.withReadableBytes { (bytes: UnsafeRawBufferPointer) throws(RequestError) in
                        try headParser.parse(bytes)
                    }
                } catch {
                    fail(error)
                    return
                }
                guard case .complete(let head, let consumed) = outcome else { return }
                inbound.consume(consumed)
                beginBody(of: head)
            case .readingBody(let reader):
                do {
                    let consumed = try inbound.withReadableBytes { (bytes: UnsafeRawBufferPointer) throws(RequestError) in
                        try reader.consume(bytes)
                    }
                    inbound.consume(consumed)
                    if consumed > 0 { setDeadline(after: configuration.bodyTimeout, .requestTimeout) }
                } catch {
                    fail(error)
                    return
                }
                if reader.isComplete { dispatch(reader.head, body: reader.sink.finish()) }
                return
            case .handling, .writing, .lingering, .closed:
                return
            }
        }
    }

    private func beginBody(of head: RequestHead) {
        do {
            let framing = try BodyFraming.of(head)
            let expectsContinue = try Self.expectsContinue(head)
            if case .none = framing {
                dispatch(head, body: .empty)
                return
            }
            let reader = try RequestBodyReader(head: head, framing: framing, configuration: configuration)
            phase = .readingBody(reader)
            setDeadline(after: configuration.bodyTimeout, .requestTimeout)
            // Only invite the body if the client is not already sending it (RFC 9110 §10.1.1).
            if expectsContinue && inbound.isEmpty {
                outbound.append(ResponseHead.continueResponse)
                flush()
            }
        } catch {
            fail(error)
        }
    }

    /// `Expect: 100-continue` in an HTTP/1.1 request; any other expectation gets 417. HTTP/1.0
    /// requests' Expect is ignored (RFC 9110 §10.1.1).
    private static func expectsContinue(_ head: RequestHead) throws(RequestError) -> Bool {
        guard head.minorVersion >= 1 else { return false }
        let expectations = head.headers.commaSeparatedValues(for: "Expect")
        guard expectations.allSatisfy({ $0.equalsIgnoringASCIICase("100-continue") }) else {
            throw RequestError(417, "expectation_failed", "only the 100-continue expectation is supported")
        }
        return !expectations.isEmpty
    }

    private func dispatch(_ head: RequestHead, body: HTTPBody) {
        phase = .handling
        deadline = nil
        let request = HTTPRequest(method: head.method, target: head.target, parsedTarget: head.parsedTarget,
                                  headers: head.headers, body: body, remoteAddress: remoteAddress, version: head.version)
        let keepAlive = head.wantsKeepAlive
        let receivedAt = MonotonicClock.now()
        server.runHandler(request) { [self] prepared in
            server.eventQueue.async { [self] in
                respond(prepared, to: request, keepAlive: keepAlive, clientMinorVersion: head.minorVersion, receivedAt: receivedAt)
            }
        }
    }

    // MARK: - Responding

    /// Starts writing the handler's response (on the event queue).
    private func respond(_ prepared: PreparedResponse, to request: HTTPRequest, keepAlive: Bool, clientMinorVersion: Int,
                         receivedAt: UInt64) {
        guard case .handling = phase else {
            prepared.release()
            return
        }
        var response = prepared.response
        var file = prepared.file
        if !(200...999).contains(response.status) {
            // 1xx would leave the client waiting for a final response; we do not do upgrades.
            closeFile(&file)
            response = .error(500, code: "internal_error", message: "the handler returned an invalid status")
        }
        var streamProducer: ((ResponseStream) -> Void)?
        if case .stream(let producer) = response.body, request.method != "HEAD", !HTTPStatus.forbidsContent(response.status) {
            if server.reserveStreamSlot() {
                streamProducer = producer
            } else {
                response = .error(503, code: "too_many_streams", message: "too many streaming responses; retry later",
                                  headers: ["Retry-After": "5"])
            }
        }
        let sendsContent = request.method != "HEAD" && !HTTPStatus.forbidsContent(response.status)
        var closeAfter = !keepAlive || server.isDraining || response.headers.containsToken("close", in: "Connection")
        let framing: ResponseHead.Framing
        var bodyBytes: Data?
        switch response.body {
        case _ where HTTPStatus.forbidsContent(response.status):
            framing = .noContent
            closeFile(&file)
        case .data(let data):
            framing = .contentLength(data.count)
            if sendsContent { bodyBytes = data }
        case .file:
            framing = .contentLength(file?.length ?? 0)
            if !sendsContent {
                closeFile(&file)
            }
        case .stream:
            framing = clientMinorVersion >= 1 ? .chunked : .untilClose
            if case .untilClose = framing { closeAfter = true }
        }
        let outgoing = OutgoingResponse(request: request, status: response.status, closeAfter: closeAfter, receivedAt: receivedAt)
        outgoing.file = file.map { (descriptor: $0.descriptor, offset: 0, remaining: $0.length) }
        var head = ResponseHead.serialize(status: response.status, headers: response.headers, framing: framing,
                                          keepAlive: !closeAfter, clientMinorVersion: clientMinorVersion)
        if let bodyBytes, !bodyBytes.isEmpty {
            // A small body goes out with the head in one send (one packet); a large one is not copied.
            if bodyBytes.count <= 64 << 10 { head.append(bodyBytes) } else { outbound.append(head); head = bodyBytes }
        }
        outbound.append(head)
        phase = .writing(outgoing)
        if let streamProducer {
            let queue = server.eventQueue
            let stream = ResponseStream(bufferLimit: configuration.streamBufferBytes) { [weak self] in
                guard let connection = self else { return }
                queue.async { connection.flush() }
            }
            outgoing.stream = stream
            outgoing.streamIsChunked = clientMinorVersion >= 1
            if peerFinished || server.isDraining { stream.close() }
            server.startStreamProducer(streamProducer, writingTo: stream)
        }
        flush()
    }

    private func closeFile(_ file: inout (descriptor: Int32, length: Int)?) {
        if let open = file { close(open.descriptor) }
        file = nil
    }

    /// Writes whatever is ready: queued bytes, then file or stream body, then finishes the response.
    private func flush() {
        guard !isClosed else { return }
        var budget = Self.writeBudgetPerEvent
        while true {
            while let first = outbound.first {
                let sent = first.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
                if sent < 0 {
                    if errno == EINTR { continue }
                    if errno == EAGAIN || errno == EWOULDBLOCK { return waitForWritable() }
                    return closeNow()
                }
                noteWriteProgress()
                budget -= sent
                if sent == first.count { outbound.removeFirst() } else { outbound[0] = first.dropFirst(sent) }
                if budget <= 0 { return waitForWritable() }
            }
            guard case .writing(let response) = phase else {
                sources.pauseWriting()
                return
            }
            if let file = response.file, file.remaining > 0 {
                var offset = off_t(file.offset)
                let sent = sendfile(descriptor, file.descriptor, &offset, min(file.remaining, 1 << 20))
                if sent > 0 {
                    response.file = (file.descriptor, Int(offset), file.remaining - sent)
                    noteWriteProgress()
                    budget -= sent
                    if budget <= 0 { return waitForWritable() }
                    continue
                }
                if sent < 0 && errno == EINTR { continue }
                if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return waitForWritable() }
                // 0: the file shrank below the Content-Length we announced; the response cannot be completed.
                return closeNow()
            }
            if let stream = response.stream {
                switch response.nextStreamStep(stream) {
                case .bytes(let bytes):
                    outbound.append(bytes)
                    continue
                case .waitForProducer:
                    // Nothing to send until the producer writes (its write wakes us): no write deadline.
                    deadline = nil
                    sources.pauseWriting()
                    return
                case .finished:
                    break
                }
            }
            return finishResponse(response)
        }
    }

    private func waitForWritable() {
        if case .writing = phase, deadline == nil { setDeadline(after: configuration.writeTimeout, .abort) }
        sources.resumeWriting()
    }

    private func noteWriteProgress() {
        if case .writing = phase { setDeadline(after: configuration.writeTimeout, .abort) }
    }

    private func finishResponse(_ response: OutgoingResponse) {
        sources.pauseWriting()
        response.release()
        if let request = response.request {
            server.requestCompleted(request, status: response.status,
                                    seconds: MonotonicClock.seconds(from: response.receivedAt, to: MonotonicClock.now()))
        }
        if response.closeAfter || server.isDraining {
            lingerAndClose()
            return
        }
        phase = .awaitingRequest
        if inbound.isEmpty { inbound.clear() }
        setDeadline(after: configuration.idleTimeout, .closeQuietly)
        sources.resumeReading()
        process()
    }

    /// Answers a request the server refuses, then closes. Past the point where a response has begun
    /// there is nothing to answer with, so the connection is just closed.
    private func fail(_ error: RequestError) {
        switch phase {
        case .readingBody(let reader):
            reader.sink.discard()
        case .awaitingRequest, .readingHead:
            break
        case .handling, .writing, .lingering, .closed:
            return closeNow()
        }
        let response = error.response
        let outgoing = OutgoingResponse(request: nil, status: error.status, closeAfter: true, receivedAt: MonotonicClock.now())
        if case .data(let body) = response.body {
            outbound.append(ResponseHead.serialize(status: error.status, headers: response.headers, framing: .contentLength(body.count),
                                                   keepAlive: false, clientMinorVersion: 1) + body)
        }
        phase = .writing(outgoing)
        deadline = nil
        noteWriteProgress()
        flush()
    }

    private func lingerAndClose() {
        phase = .lingering
        shutdown(descriptor, Int32(SHUT_WR))
        inbound.clear()
        setDeadline(after: Self.lingerSeconds, .abort)
        sources.resumeReading()
        server.connectionLingering()
    }

    // MARK: - Deadlines and closing

    private func setDeadline(after seconds: Double, _ action: DeadlineAction) {
        deadline = (MonotonicClock.now() + MonotonicClock.nanoseconds(seconds), action)
    }

    /// Called by the server's periodic sweep.
    func checkDeadline(now: UInt64) {
        guard let deadline, now >= deadline.time else { return }
        self.deadline = nil
        switch deadline.action {
        case .closeQuietly, .abort:
            closeNow()
        case .requestTimeout:
            fail(RequestError(408, "request_timeout", "the request did not arrive in time"))
        }
    }

    /// Server shutdown: idle and half-received connections close now; requests in flight continue
    /// (their responses will close the connection); streaming producers are told to stop.
    func beginDraining() {
        switch phase {
        case .awaitingRequest, .readingHead:
            closeNow()
        case .writing(let response):
            response.stream?.close()
        case .readingBody, .handling, .lingering, .closed:
            break
        }
    }

    func closeNow() {
        switch phase {
        case .closed:
            return
        case .readingBody(let reader):
            reader.sink.discard()
        case .writing(let response):
            response.release()
        case .awaitingRequest, .readingHead, .handling, .lingering:
            break
        }
        phase = .closed
        deadline = nil
        outbound.removeAll()
        inbound.clear()
        sources.cancel()
        server.connectionClosed(self)
    }
}
