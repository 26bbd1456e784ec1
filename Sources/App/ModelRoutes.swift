import Foundation
import HTTPServer
import Imaging
import Inference
import Jobs
import TensorCore

extension SigtuneServer {
    func addModelRoutes() {
        route("POST", "/v1/models") { [unowned self] request, _ in
            let staged = self.models.directory.appendingPathComponent("upload-\(UUID().uuidString)" + AtomicFile.temporarySuffix)
            defer { try? FileManager.default.removeItem(at: staged) }
            try self.datasets.extractModelArchive(request, into: staged)
            let record = try self.models.register(staged: staged, name: request.query["name"], source: "upload")
            return JSONBodies.response(201, JSONBodies.model(record, directory: self.models.modelDirectory(record.id), detailed: true))
        }
        route("GET", "/v1/models") { [unowned self] _, _ in
            JSONBodies.response(200, ["models": self.models.list().map { JSONBodies.model($0, directory: self.models.modelDirectory($0.id), detailed: false) }])
        }
        route("GET", "/v1/models/{id}") { [unowned self] _, parameters in
            let record = try self.model(parameters["id"]!)
            return JSONBodies.response(200, JSONBodies.model(record, directory: self.models.modelDirectory(record.id), detailed: true))
        }
        route("DELETE", "/v1/models/{id}") { [unowned self] _, parameters in
            let id = parameters["id"]!
            if let user = self.jobs.list().first(where: { $0.baseModel == id && !$0.status.isFinished }) {
                throw APIError.conflict("model \(id) is the base model of job \(user.id), which has not finished; cancel it first")
            }
            try self.models.delete(id)
            return HTTPResponse(status: 204)
        }
        route("GET", "/v1/models/{id}/files/{name}") { [unowned self] _, parameters in
            let record = try self.model(parameters["id"]!)
            let name = parameters["name"]!
            let directory = self.models.modelDirectory(record.id)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            // Only names the directory lists: no path can reach outside it.
            guard files.contains(name), name != "model.json" else {
                throw APIError.notFound("model \(record.id) has no file '\(name)'; it has \(files.filter { $0 != "model.json" }.sorted().joined(separator: ", "))")
            }
            var headers = HTTPHeaders()
            headers.set(name: "Content-Type", value: name.hasSuffix(".json") ? "application/json" : "application/octet-stream")
            headers.set(name: "Content-Disposition", value: "attachment; filename=\"\(name)\"")
            return HTTPResponse(status: 200, headers: headers, body: .file(directory.appendingPathComponent(name)))
        }
        route("POST", "/v1/models/{id}/classify") { [unowned self] request, parameters in
            let record = try self.model(parameters["id"]!)
            guard !record.labels.isEmpty else {
                throw APIError.unprocessable("model \(record.id) has no classification head (a base model); train it first with POST /v1/jobs")
            }
            var topK: Int? = 5
            if let text = request.query["top_k"] {
                guard let value = Int(text), value >= 0 else { throw APIError.badRequest("top_k must be a non-negative integer (0 for all classes)") }
                topK = value == 0 ? nil : value
            }
            let images = try self.classifyImages(request)
            let predictor = try self.models.predictor(record.id)
            let logits = predictor.logits(images)
            let predictions = logits.map { row in
                predictor.predictor.topPredictions(logits: row, topK: topK).map { ["label": $0.label, "score": JSONOutput.number($0.score)] as [String: Any] }
            }
            return JSONBodies.response(200, ["model": record.id, "predictions": predictions])
        }
    }

    func model(_ id: String) throws -> ModelRecord {
        guard let record = models.get(id) else { throw APIError.notFound("no model '\(id)' (GET /v1/models lists them)") }
        return record
    }

    /// One image as the raw body, or several as multipart parts; each decoded as Pillow would.
    func classifyImages(_ request: HTTPRequest) throws -> [RGBImage] {
        let body = try request.body.readData()
        guard !body.isEmpty else { throw APIError.badRequest("send an image (PNG or JPEG) as the body, or several as multipart/form-data parts") }
        if let boundary = Multipart.boundary(contentType: request.headers["Content-Type"]) {
            let parts = try Multipart.parse(body, boundary: boundary)
            guard !parts.isEmpty else { throw APIError.badRequest("the multipart body has no parts") }
            return try parts.enumerated().map { index, part in
                try ImageDecoder.decodeRGB(part.body, name: part.filename ?? part.name ?? "part \(index + 1)")
            }
        }
        return [try ImageDecoder.decodeRGB(body, name: "request body")]
    }
}
