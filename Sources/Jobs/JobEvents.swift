import Foundation

/// One event of a job, as the Server-Sent Events stream and `events.jsonl` carry it.
public struct JobEvent: Sendable {
    /// `state`, `progress`, `evaluation`, `checkpoint` or `notice`.
    public let kind: String
    /// A JSON object.
    public let payload: [String: any Sendable]
    public let sequence: Int

    public var json: Data {
        var object: [String: Any] = payload
        object["type"] = kind
        object["sequence"] = sequence
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}

/// Fan-out of job events to live subscribers (SSE streams), with the recent history kept in memory so a
/// client that connects late still sees what happened, and every event appended to `events.jsonl`.
public final class JobEventHub: @unchecked Sendable {
    public typealias Subscriber = (JobEvent) -> Void
    private let lock = NSLock()
    private var subscribers: [String: [Int: Subscriber]] = [:]
    private var history: [String: [JobEvent]] = [:]
    private var sequence = 0
    private var nextToken = 0
    private let store: JobStore
    /// Events kept per job for late subscribers.
    public let historyLimit = 500

    public init(store: JobStore) { self.store = store }

    public func publish(job: String, kind: String, payload: [String: any Sendable]) {
        let (event, targets): (JobEvent, [Subscriber]) = lock.withLock {
            sequence += 1
            let event = JobEvent(kind: kind, payload: payload, sequence: sequence)
            history[job, default: []].append(event)
            if history[job]!.count > historyLimit { history[job]!.removeFirst(history[job]!.count - historyLimit) }
            return (event, Array(subscribers[job]?.values ?? [:].values))
        }
        appendToLog(job: job, event: event)
        for subscriber in targets { subscriber(event) }
    }

    /// Subscribes to a job's events; returns the events so far and a token for `unsubscribe`.
    public func subscribe(job: String, _ subscriber: @escaping Subscriber) -> (past: [JobEvent], token: Int) {
        lock.withLock {
            nextToken += 1
            subscribers[job, default: [:]][nextToken] = subscriber
            return (history[job] ?? [], nextToken)
        }
    }

    /// The events of a job kept so far.
    public func history(job: String) -> [JobEvent] { lock.withLock { history[job] ?? [] } }

    public func unsubscribe(job: String, token: Int) {
        lock.withLock { _ = subscribers[job]?.removeValue(forKey: token) }
    }

    private func appendToLog(job: String, event: JobEvent) {
        let url = store.jobDirectory(job).appendingPathComponent("events.jsonl")
        var line = event.json
        line.append(0x0A)
        if let handle = try? FileHandle(forWritingTo: url) {
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: line)
            try? handle.close()
        } else {
            try? line.write(to: url)
        }
    }
}
