import Foundation

/// Where a streaming response's producer writes its body.
///
/// The producer runs on a thread of its own; `write` hands data to the connection's event queue and
/// returns at once, unless more than `bufferLimit` bytes are still waiting for the client, in which case
/// it blocks until the client has read enough (backpressure) or is gone.
public final class ResponseStream {
    private let condition = NSCondition()
    private var pending: [Data] = []
    private var pendingBytes = 0
    private var closed = false
    private var producerFinished = false
    private var wakeScheduled = false
    private let bufferLimit: Int
    /// Asks the event queue to send what is pending; set by the connection.
    private let wake: () -> Void

    init(bufferLimit: Int, wake: @escaping () -> Void) {
        self.bufferLimit = bufferLimit
        self.wake = wake
    }

    /// Queues `data` for the client. Returns false, and sends nothing, once the client is gone, the
    /// response failed or the server is shutting down; a producer should then return.
    @discardableResult
    public func write(_ data: Data) -> Bool {
        condition.lock()
        while !closed && pendingBytes >= bufferLimit { condition.wait() }
        guard !closed else {
            condition.unlock()
            return false
        }
        // An empty chunk would end a chunked body (RFC 9112 §7.1), so empty writes send nothing.
        guard !data.isEmpty else {
            condition.unlock()
            return true
        }
        pending.append(data)
        pendingBytes += data.count
        let needsWake = !wakeScheduled
        wakeScheduled = true
        condition.unlock()
        if needsWake { wake() }
        return true
    }

    /// Queues `text` as UTF-8.
    @discardableResult
    public func write(_ text: String) -> Bool { write(Data(text.utf8)) }

    /// Queues one Server-Sent Event: optional `event:` and `id:` lines, one `data:` line per line of
    /// `data`, then a blank line (WHATWG HTML, "Server-sent events", event stream format). CR, LF and
    /// CRLF all end a line in that format, so they split `data` and are removed from `event` and `id`.
    @discardableResult
    public func writeEvent(data: String, event: String? = nil, id: String? = nil) -> Bool {
        // Characters, not scalars: "\r\n" is one Character, so it must be named as a separator too.
        let isLineBreak: (Character) -> Bool = { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        var text = ""
        if let event { text += "event: \(event.filter { !isLineBreak($0) })\n" }
        if let id { text += "id: \(id.filter { !isLineBreak($0) })\n" }
        for line in data.split(omittingEmptySubsequences: false, whereSeparator: isLineBreak) { text += "data: \(line)\n" }
        return write(text + "\n")
    }

    /// Whether writes have stopped being delivered (client gone, failure, or server shutdown).
    public var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// Waits up to `timeout` seconds for the stream to close; returns whether it is closed. Lets an SSE
    /// producer sleep between keep-alive comments yet notice a departed client at once.
    public func waitUntilClosed(timeout: TimeInterval) -> Bool {
        let limit = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !closed {
            if !condition.wait(until: limit) { break }
        }
        return closed
    }

    // MARK: - Connection side (event queue)

    /// Takes what the producer wrote since the last call, and whether the producer has returned.
    func takePending() -> (chunks: [Data], finished: Bool) {
        condition.lock()
        defer { condition.unlock() }
        let chunks = pending
        pending = []
        pendingBytes = 0
        wakeScheduled = false
        condition.broadcast()
        return (chunks, producerFinished)
    }

    /// Called on the producer's thread after the producer returns.
    func finishProducing() {
        condition.lock()
        producerFinished = true
        condition.unlock()
        wake()
    }

    /// Stops accepting writes and releases a producer blocked in `write` or `waitUntilClosed`.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
