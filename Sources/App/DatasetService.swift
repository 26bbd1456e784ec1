import Datasets
import Foundation
import HTTPServer
import Inference
import TensorCore
import Training

/// The server's datasets: uploads ingested into the store (validated, decoded once, content-addressed),
/// listed with their health reports, and turned into a job's splits.
public final class DatasetService: @unchecked Sendable {
    public let store: DatasetStore
    let uploads: URL

    public init(directory: URL) throws {
        store = try DatasetStore(root: directory)
        _ = store.removeLeftovers()
        uploads = directory.deletingLastPathComponent().appendingPathComponent("uploads")
        try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
    }

    func exists(_ id: String) -> Bool { (try? store.dataset(id: id)) != nil }

    /// The `Dataset` JSON of a stored dataset, with its health report.
    func json(_ dataset: StoredDataset) throws -> [String: Any] {
        let report = HealthReport(manifest: dataset.manifest, inputSize: 224)
        let reportObject = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(report))
        let manifest = dataset.manifest
        let created = (try? FileManager.default.attributesOfItem(atPath: dataset.directory.path)[.creationDate] as? Date)
            ?? (try? FileManager.default.attributesOfItem(atPath: dataset.directory.path)[.modificationDate] as? Date)
        return ["id": manifest.id, "name": manifest.source, "created_at": JSONBodies.date(created), "labels": manifest.labelNames,
                "multi_label": manifest.multiLabel, "images": manifest.images.count, "layout": manifest.layout.rawValue,
                "splits_given": manifest.splitsGiven, "notices": manifest.notices, "health": reportObject]
    }

    func list() -> [[String: Any]] {
        store.datasetIDs().compactMap { id in (try? store.dataset(id: id)).flatMap { try? json($0) } }
    }

    func get(_ id: String) throws -> [String: Any] {
        guard let dataset = try? store.dataset(id: id) else { throw APIError.notFound("no dataset '\(id)' (GET /v1/datasets lists them)") }
        return try json(dataset)
    }

    func delete(_ id: String) throws {
        guard exists(id) else { throw APIError.notFound("no dataset '\(id)'") }
        try store.remove(id: id)
    }

    /// Ingests an upload: a raw archive body, or multipart with an `archive` part, or image parts plus a
    /// `labels` part mapping file names to labels. Returns the dataset JSON and whether it is new.
    func ingest(_ request: HTTPRequest, name: String?) throws -> ([String: Any], created: Bool) {
        let staging = uploads.appendingPathComponent("dataset-\(UUID().uuidString)" + AtomicFile.temporarySuffix)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staging) }
        let safeName = Self.safeFileName(name ?? "upload")
        let source: URL
        if let boundary = Multipart.boundary(contentType: request.headers["Content-Type"]) {
            let parts = try Multipart.parse(try request.body.readData(), boundary: boundary)
            if let archive = parts.first(where: { $0.name == "archive" }) {
                source = staging.appendingPathComponent(Self.safeFileName(archive.filename ?? safeName))
                try archive.body.write(to: source)
            } else {
                source = try imageFolder(from: parts, in: staging.appendingPathComponent(safeName))
            }
        } else {
            switch request.body {
            case .empty: throw APIError.badRequest("send a dataset archive (.zip, .tar, .tar.gz) as the body, or multipart/form-data with an 'archive' part")
            case .data(let data):
                source = staging.appendingPathComponent(safeName)
                try data.write(to: source)
            case .file(let url, _):
                source = staging.appendingPathComponent(safeName)
                try FileManager.default.moveItem(at: url, to: source)
            }
        }
        let result = try store.ingest(source)
        return (try json(result.dataset), !result.reused)
    }

    /// Images uploaded as parts plus a `labels` part ({"file name": "label"}): laid out as an image folder.
    func imageFolder(from parts: [MultipartPart], in folder: URL) throws -> URL {
        guard let labelsPart = parts.first(where: { $0.name == "labels" }),
              let labels = try? JSONSerialization.jsonObject(with: labelsPart.body) as? [String: String] else {
            throw APIError.badRequest("multipart uploads need an 'archive' part, or image parts plus a 'labels' part: a JSON object mapping each image's file name to its label")
        }
        for part in parts where part.name != "labels" {
            guard let file = part.filename.map(Self.safeFileName), let label = labels[part.filename ?? ""] else {
                throw APIError.badRequest("image part '\(part.filename ?? part.name ?? "?")' has no label in the 'labels' part")
            }
            let classFolder = folder.appendingPathComponent(Self.safeFileName(label))
            try FileManager.default.createDirectory(at: classFolder, withIntermediateDirectories: true)
            try part.body.write(to: classFolder.appendingPathComponent(file))
        }
        return folder
    }

    /// Unpacks a model upload (raw archive body) into `destination`.
    func extractModelArchive(_ request: HTTPRequest, into destination: URL) throws {
        let staging = uploads.appendingPathComponent("model-\(UUID().uuidString)" + AtomicFile.temporarySuffix)
        defer { try? FileManager.default.removeItem(at: staging) }
        let source: URL
        switch request.body {
        case .empty: throw APIError.badRequest("send a .zip or .tar(.gz) of a Hugging Face model directory as the body")
        case .data(let data):
            source = staging
            try data.write(to: source)
        case .file(let url, _):
            source = url
        }
        try ModelArchive.extract(source, into: destination)
    }

    /// A job's splits from a stored dataset, images from the preprocessed cache for this model's input.
    func splits(_ id: String, options: TrainingOptions, preprocessor: ImagePreprocessor) throws -> TrainingSplits {
        try TrainingData.prepare(dataset: try store.dataset(id: id), options: options, preprocessor: preprocessor).0
    }


    /// A name usable as one path component: no separators, no leading dots.
    static func safeFileName(_ name: String) -> String {
        let cleaned = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? "upload"
        let trimmed = cleaned.drop { $0 == "." }
        return trimmed.isEmpty ? "upload" : String(trimmed.prefix(200))
    }
}
