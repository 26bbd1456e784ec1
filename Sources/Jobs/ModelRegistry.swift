import Foundation
import Inference
import SigLIP
import TensorCore

/// What the registry knows about a stored model (`models/<id>/model.json`).
public struct ModelRecord: Codable, Equatable, Sendable {
    public var id: String
    public var name: String?
    /// `upload` or `job`.
    public var source: String
    public var job: String?
    public var baseModel: String?
    public var createdAt: Date
    public var labels: [String]
    public var problemType: String?
    /// `SiglipForImageClassification`, `SiglipModel` or `SiglipVisionModel`.
    public var architecture: String

    enum CodingKeys: String, CodingKey {
        case id, name, source, job, baseModel = "base_model", createdAt = "created_at", labels, problemType = "problem_type", architecture
    }
}

/// Model directories under `models/<id>/` (what `save_pretrained` writes, plus metrics.json for trained
/// ones), and a bounded cache of loaded predictors that batch concurrent classify requests.
public final class ModelRegistry: @unchecked Sendable {
    public let directory: URL
    private let lock = NSLock()
    private var records: [String: ModelRecord] = [:]
    private var predictors: [String: BatchingPredictor] = [:]
    private var recentlyUsed: [String] = []
    /// Loaded models kept in memory at once (least recently used ones are dropped).
    public let cacheLimit: Int
    public let maxBatch: Int
    public let maxWait: TimeInterval

    public enum RegistryError: Error, CustomStringConvertible {
        case notFound(String)
        case invalidModel(String)

        public var description: String {
            switch self {
            case .notFound(let id): return "no model \(id)"
            case .invalidModel(let message): return message
            }
        }
    }

    public init(directory: URL, cacheLimit: Int = 4, maxBatch: Int = 8, maxWait: TimeInterval = 0.01) throws {
        self.directory = directory
        self.cacheLimit = cacheLimit
        self.maxBatch = maxBatch
        self.maxWait = maxWait
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let folder = directory.appendingPathComponent(name)
            if name.hasSuffix(AtomicFile.temporarySuffix) { try? FileManager.default.removeItem(at: folder); continue }
            if let data = FileManager.default.contents(atPath: folder.appendingPathComponent("model.json").path),
               let record = try? decoder.decode(ModelRecord.self, from: data) {
                records[record.id] = record
            }
        }
    }

    public func modelDirectory(_ id: String) -> URL { directory.appendingPathComponent(id) }

    public func list() -> [ModelRecord] { lock.withLock { records.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } } }

    public func get(_ id: String) -> ModelRecord? { lock.withLock { records[id] } }

    /// Moves a complete model directory (staged anywhere on the same file system) into the registry,
    /// after checking that it loads. Returns the new record.
    public func register(staged: URL, name: String?, source: String, job: String? = nil, baseModel: String? = nil, id: String? = nil) throws -> ModelRecord {
        let model: SiglipVisionClassifier
        do { model = try CheckpointLoader.load(directory: staged) } catch { throw RegistryError.invalidModel("\(error)") }
        let id = id ?? makeID(prefix: "model")
        let record = ModelRecord(id: id, name: name, source: source, job: job, baseModel: baseModel, createdAt: Date(),
                                 labels: model.labels, problemType: model.hasClassifier ? model.problemType.rawValue : nil,
                                 architecture: model.config.architecture.rawValue)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(record), to: staged.appendingPathComponent("model.json"))
        let destination = modelDirectory(id)
        try FileManager.default.moveItem(at: staged, to: destination)
        AtomicFile.syncDirectory(directory.path)
        lock.withLock { records[id] = record }
        return record
    }

    public func delete(_ id: String) throws {
        try lock.withLock {
            guard records[id] != nil else { throw RegistryError.notFound(id) }
            try FileManager.default.removeItem(at: modelDirectory(id))
            records[id] = nil
            predictors[id]?.stop()
            predictors[id] = nil
            recentlyUsed.removeAll { $0 == id }
        }
    }

    /// The batching predictor of a model, loading it on first use (bounded LRU cache).
    public func predictor(_ id: String) throws -> BatchingPredictor {
        try lock.withLock {
            if let cached = predictors[id] {
                recentlyUsed.removeAll { $0 == id }
                recentlyUsed.append(id)
                return cached
            }
            guard records[id] != nil else { throw RegistryError.notFound(id) }
            let model = try CheckpointLoader.load(directory: modelDirectory(id))
            let predictor = try BatchingPredictor(predictor: Predictor(model: model, maxBatch: maxBatch), maxWait: maxWait)
            predictors[id] = predictor
            recentlyUsed.append(id)
            while recentlyUsed.count > cacheLimit {
                let evicted = recentlyUsed.removeFirst()
                predictors[evicted]?.stop()
                predictors[evicted] = nil
            }
            return predictor
        }
    }
}
