import Foundation
import HTTPServer
import Jobs
import TensorCore
import Training

/// The JSON shapes of openapi.yaml's schemas.
enum JSONBodies {
    static let iso8601: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    static func date(_ value: Date?) -> Any { value.map { iso8601.string(from: $0) } ?? NSNull() }
    static func optional(_ value: Any?) -> Any { value ?? NSNull() }

    /// `Job`: the record with its progress flattened, and the options under `options`.
    static func job(_ job: JobRecord) -> [String: Any] {
        let optionsData = (try? JSONEncoder().encode(job.options)) ?? Data("{}".utf8)
        let options = (try? JSONSerialization.jsonObject(with: optionsData)) ?? [:]
        let progress = job.progress
        return [
            "id": job.id, "name": optional(job.name), "dataset": job.dataset, "base_model": job.baseModel,
            "status": job.status.rawValue, "created_at": date(job.createdAt), "started_at": date(job.startedAt),
            "finished_at": date(job.finishedAt), "epoch": progress?.epoch ?? 0, "step": progress?.step ?? 0,
            "total_steps": progress?.totalSteps ?? 0, "loss": optional(progress?.loss), "learning_rate": optional(progress?.learningRate),
            "images_per_second": optional(progress?.imagesPerSecond), "eta_seconds": optional(progress?.etaSeconds),
            "last_evaluation": optional(progress?.lastEvaluation), "error": optional(job.error), "model": optional(job.model),
            "attempts": job.attempts, "cancel_requested": job.cancelRequested, "options": options,
        ]
    }

    /// `Model`: the registry record plus config, metrics and files.
    static func model(_ record: ModelRecord, directory: URL, detailed: Bool) -> [String: Any] {
        var object: [String: Any] = [
            "id": record.id, "name": optional(record.name), "source": record.source, "job": optional(record.job),
            "base_model": optional(record.baseModel), "created_at": date(record.createdAt), "labels": record.labels,
            "problem_type": optional(record.problemType), "architecture": record.architecture,
        ]
        if detailed {
            object["config"] = (try? JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("config.json")))) ?? NSNull()
            object["metrics"] = (try? JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("metrics.json")))) ?? NSNull()
            object["files"] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0 != "model.json" }.sorted()
        }
        return object
    }

    /// A JSON response whose floats keep their kind (1.0 stays 1.0) and whose NaNs become null.
    static func response(_ status: Int, _ object: Any) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.set(name: "Content-Type", value: "application/json")
        return HTTPResponse(status: status, headers: headers, body: .data(JSONWriter.data(object, pretty: false)))
    }
}
