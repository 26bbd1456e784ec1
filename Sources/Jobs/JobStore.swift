import Foundation
import TensorCore

/// Jobs on disk: `jobs/<id>/job.json`, each write atomic and durable (temp file, fsync, rename,
/// fsync of the directory), so a crash never leaves a half-written job. Thread-safe.
public final class JobStore: @unchecked Sendable {
    public let directory: URL
    private var jobs: [String: JobRecord] = [:]
    private let lock = NSLock()

    public enum StoreError: Error, CustomStringConvertible, Equatable {
        case notFound(String)
        case conflict(String)
        case io(String)

        public var description: String {
            switch self {
            case .notFound(let id): return "no job \(id)"
            case .conflict(let message): return message
            case .io(let message): return message
            }
        }
    }

    /// Opens (creating) the store, reads every job, removes leftover temporary files and partial
    /// checkpoint directories, and puts jobs that were running when the process died back in the queue.
    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let jobDirectory = directory.appendingPathComponent(name)
            Self.removeLeftovers(in: jobDirectory)
            guard let data = FileManager.default.contents(atPath: jobDirectory.appendingPathComponent("job.json").path),
                  var job = try? decoder.decode(JobRecord.self, from: data) else { continue }
            if job.status == .running {
                job.status = .queued  // interrupted: it resumes from its last checkpoint
            }
            jobs[job.id] = job
        }
        for job in jobs.values where job.status == .queued { try write(job) }
    }

    /// Deletes `*.sigtune-tmp` files and `*.partial*` checkpoint directories below `directory`.
    static func removeLeftovers(in directory: URL) {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return }
        var victims: [URL] = []
        for case let url as URL in enumerator where url.lastPathComponent.hasSuffix(AtomicFile.temporarySuffix) {
            victims.append(url)
        }
        for url in victims { try? FileManager.default.removeItem(at: url) }
    }

    public func jobDirectory(_ id: String) -> URL { directory.appendingPathComponent(id) }

    /// Creates a queued job.
    public func create(_ spec: JobSpec) throws -> JobRecord {
        let job = JobRecord(id: makeID(prefix: "job"), name: spec.name, dataset: spec.dataset, baseModel: spec.baseModel, options: spec.options,
                            status: .queued, createdAt: Date())
        try FileManager.default.createDirectory(at: jobDirectory(job.id), withIntermediateDirectories: true)
        try write(job)
        lock.withLock { jobs[job.id] = job }
        return job
    }

    public func get(_ id: String) -> JobRecord? { lock.withLock { jobs[id] } }

    /// Jobs, oldest first, optionally only those in `status`.
    public func list(status: JobRecord.Status? = nil) -> [JobRecord] {
        lock.withLock { jobs.values.filter { status == nil || $0.status == status }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }
    }

    /// Applies `change` to a job and persists it; returns the new record.
    @discardableResult
    public func update(_ id: String, _ change: (inout JobRecord) throws -> Void) throws -> JobRecord {
        try lock.withLock {
            guard var job = jobs[id] else { throw StoreError.notFound(id) }
            try change(&job)
            try write(job)
            jobs[id] = job
            return job
        }
    }

    /// Marks the oldest queued job running and returns it (a worker's next job).
    public func claimNextQueued() throws -> JobRecord? {
        try lock.withLock {
            guard var job = jobs.values.filter({ $0.status == .queued }).min(by: { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }) else { return nil }
            job.status = .running
            job.attempts += 1
            job.startedAt = job.startedAt ?? Date()
            try write(job)
            jobs[job.id] = job
            return job
        }
    }

    /// Removes a finished or queued job and its files. A running job must be cancelled first.
    public func delete(_ id: String) throws {
        try lock.withLock {
            guard let job = jobs[id] else { throw StoreError.notFound(id) }
            guard job.status != .running else { throw StoreError.conflict("job \(id) is running; cancel it first (POST /v1/jobs/\(id)/cancel)") }
            try FileManager.default.removeItem(at: jobDirectory(id))
            jobs[id] = nil
        }
    }

    private func write(_ job: JobRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try FileManager.default.createDirectory(at: jobDirectory(job.id), withIntermediateDirectories: true)
        try AtomicFile.write(try encoder.encode(job), to: jobDirectory(job.id).appendingPathComponent("job.json"))
    }
}

/// A short, sortable, unique id: `<prefix>-` + milliseconds since 1970 (base 36) + 6 random characters.
func makeID(prefix: String) -> String {
    let time = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36)
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    return prefix + "-" + time + "-" + String((0..<6).map { _ in alphabet.randomElement()! })
}
