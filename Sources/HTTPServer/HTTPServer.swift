import Foundation
import Glibc

/// A generic HTTP/1.1 server on POSIX sockets (RFC 9110, RFC 9112).
///
/// Concurrency:
/// - One serial Dispatch queue (the event queue) accepts connections and does all socket reading,
///   parsing, upload-file writing and response writing, driven by Dispatch read/write sources; an idle
///   keep-alive connection holds no thread.
/// - Complete requests go through a queue to a fixed pool of `handlerThreads` threads, where the handler
///   may block as long as it likes; a connection reads nothing more until its response is written.
/// - A `.stream` response body's producer runs on a thread of its own (up to `maxStreamingResponses`),
///   so long-lived Server-Sent Events streams never occupy handler threads; its writes are queued to
///   the event queue, which sends them.
public final class HTTPServer {
    public let configuration: Configuration
    private let handler: (HTTPRequest) -> HTTPResponse

    /// Called when a response has been written in full (or the connection failed while writing it),
    /// with the handler's status and the seconds from the request's arrival to the end of writing.
    /// Runs on the event queue: keep it quick. The request's headers may carry credentials; do not log them.
    /// Set it before `start()`.
    public var onRequestCompleted: ((HTTPRequest, Int, TimeInterval) -> Void)?

    let eventQueue = DispatchQueue(label: "HTTPServer.events")

    private enum State { case notStarted, running, stopping, stopped }
    private let stateLock = NSLock()
    private var state = State.notStarted

    // Event-queue state.
    private var listener: (descriptor: Int32, source: DispatchSourceRead)?
    private var connections: [ObjectIdentifier: Connection] = [:]
    private var sweepTimer: DispatchSourceTimer?
    private var pool: HandlerPool?
    private(set) var isDraining = false
    private var drainedSignal: DispatchSemaphore?

    private let streamSlotLock = NSLock()
    private var runningStreams = 0

    /// `handler` is called on a handler thread for every complete request (typically `router.handle`).
    /// A started server keeps itself alive until `stop()`.
    public init(configuration: Configuration, handler: @escaping (HTTPRequest) -> HTTPResponse) {
        self.configuration = configuration
        self.handler = handler
    }

    /// Binds, listens and starts serving; returns the port bound (useful with port 0).
    ///
    /// Also ignores SIGPIPE for the process (a client that disconnects mid-response must give an
    /// error, not kill the server) and raises the soft open-file limit towards `maxConnections`.
    /// - Throws: `HTTPServerError`, e.g. `.cannotListen` naming host:port and the errno text
    ///   ("Address already in use").
    @discardableResult
    public func start() throws(HTTPServerError) -> Int {
        stateLock.lock()
        defer { stateLock.unlock() }
        guard state == .notStarted else { throw .alreadyStarted }
        try configuration.validate()
        do {
            try FileManager.default.createDirectory(at: configuration.uploadDirectory, withIntermediateDirectories: true)
        } catch {
            throw .unusableUploadDirectory(path: configuration.uploadDirectory.path, reason: error.localizedDescription)
        }
        signal(SIGPIPE, SIG_IGN)
        SocketSupport.raiseDescriptorLimit(to: configuration.maxConnections + 256)
        let (descriptor, port) = try SocketSupport.listen(host: configuration.host, port: configuration.port,
                                                          backlog: Int32(clamping: configuration.listenBacklog))
        pool = HandlerPool(threadCount: configuration.handlerThreads, name: "http-handler")
        eventQueue.sync {
            let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: eventQueue)
            // Strong captures: a started server stays alive until `stop()` cancels these sources.
            source.setEventHandler { [self] in acceptConnections() }
            source.setCancelHandler { close(descriptor) }
            listener = (descriptor, source)
            source.resume()
            startSweepTimer()
        }
        state = .running
        return port
    }

    /// Graceful shutdown: stops accepting, closes idle connections, tells streaming producers to stop
    /// (`ResponseStream.write` returns false), lets requests in flight finish and their responses be
    /// written, waiting at most `deadline` seconds, then closes whatever is left and returns. Handler
    /// threads still busy after the deadline finish on their own; their responses are dropped.
    /// Do not call from a handler (it would wait for itself).
    public func stop(deadline: TimeInterval = 10) {
        stateLock.lock()
        guard state == .running else {
            stateLock.unlock()
            return
        }
        state = .stopping
        stateLock.unlock()
        dispatchPrecondition(condition: .notOnQueue(eventQueue))

        let drained = DispatchSemaphore(value: 0)
        eventQueue.sync {
            isDraining = true
            drainedSignal = drained
            listener?.source.cancel()
            listener = nil
            for connection in Array(connections.values) { connection.beginDraining() }
            signalIfDrained()
        }
        _ = drained.wait(timeout: .now() + max(0, deadline))
        eventQueue.sync {
            for connection in Array(connections.values) { connection.closeNow() }
            sweepTimer?.cancel()
            sweepTimer = nil
            drainedSignal = nil
        }
        pool?.shutdown()
        stateLock.lock()
        state = .stopped
        stateLock.unlock()
    }

    // MARK: - Accepting (event queue)

    private func acceptConnections() {
        guard let listener else { return }
        // A bounded batch per event: the source fires again while connections are pending.
        for _ in 0..<256 {
            switch SocketSupport.accept(listener.descriptor) {
            case .accepted(let descriptor, let remoteAddress):
                guard connections.count < configuration.maxConnections else {
                    refuseOverCapacity(descriptor)
                    continue
                }
                let connection = Connection(descriptor: descriptor, remoteAddress: remoteAddress, server: self)
                connections[ObjectIdentifier(connection)] = connection
                connection.start()
            case .nothingPending:
                return
            case .exhausted:
                // Out of descriptors: the pending connection stays queued and the level-triggered source
                // would fire again at once, so pause accepting briefly instead of spinning.
                listener.source.suspend()
                eventQueue.asyncAfter(deadline: .now() + 0.1) { listener.source.resume() }
                return
            }
        }
    }

    /// Best effort: one non-blocking write of a 503, then close.
    private func refuseOverCapacity(_ descriptor: Int32) {
        let response = HTTPResponse.error(503, code: "too_many_connections", message: "the server is at its connection limit")
        if case .data(let body) = response.body {
            let bytes = ResponseHead.serialize(status: 503, headers: response.headers, framing: .contentLength(body.count),
                                               keepAlive: false, clientMinorVersion: 1) + body
            _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        }
        close(descriptor)
    }

    // MARK: - Timeouts (event queue)

    /// Checks every connection's deadline a few times per shortest timeout: one timer instead of one
    /// per connection, and 1000 comparisons per tick cost nothing.
    private func startSweepTimer() {
        let shortest = min(configuration.headerTimeout, configuration.idleTimeout, configuration.bodyTimeout,
                           configuration.writeTimeout)
        let interval = min(max(shortest / 5, 0.02), 0.5)
        let timer = DispatchSource.makeTimerSource(queue: eventQueue)
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(10))
        timer.setEventHandler { [self] in
            let now = MonotonicClock.now()
            for connection in Array(connections.values) { connection.checkDeadline(now: now) }
        }
        timer.resume()
        sweepTimer = timer
    }

    // MARK: - Called by connections (event queue)

    func connectionClosed(_ connection: Connection) {
        connections[ObjectIdentifier(connection)] = nil
        signalIfDrained()
    }

    func connectionLingering() {
        signalIfDrained()
    }

    /// During shutdown, done once every connection is closed or merely lingering after its last response.
    private func signalIfDrained() {
        guard isDraining, let drainedSignal, connections.values.allSatisfy(\.isLingering) else { return }
        self.drainedSignal = nil
        drainedSignal.signal()
    }

    func requestCompleted(_ request: HTTPRequest, status: Int, seconds: TimeInterval) {
        onRequestCompleted?(request, status, seconds)
    }

    // MARK: - Handlers and streams (any thread)

    /// Runs the handler on the pool; deletes an upload file the handler left in place; opens a file
    /// response; passes the result to `completion` on the handler thread.
    func runHandler(_ request: HTTPRequest, completion: @escaping (PreparedResponse) -> Void) {
        guard let pool else { return }
        pool.submit { [self] in
            let response = handler(request)
            if case .file(let url, _) = request.body { unlink(url.path) }
            completion(PreparedResponse(response))
        }
    }

    func reserveStreamSlot() -> Bool {
        streamSlotLock.lock()
        defer { streamSlotLock.unlock() }
        guard runningStreams < configuration.maxStreamingResponses else { return false }
        runningStreams += 1
        return true
    }

    /// Runs `producer` on a new thread; the slot reserved with `reserveStreamSlot` is freed when it returns.
    func startStreamProducer(_ producer: @escaping (ResponseStream) -> Void, writingTo stream: ResponseStream) {
        let thread = Thread { [self] in
            producer(stream)
            stream.finishProducing()
            streamSlotLock.lock()
            runningStreams -= 1
            streamSlotLock.unlock()
        }
        thread.name = "http-stream"
        thread.stackSize = 1 << 20
        thread.start()
    }
}
