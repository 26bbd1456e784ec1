import Foundation
import Training

/// A fine-tune job as stored in `jobs/<id>/job.json`: what to train and where it stands.
public struct JobRecord: Codable, Equatable, Sendable {
    /// The state machine: queued → running → succeeded | failed | cancelled; a running job interrupted by a
    /// crash or a shutdown goes back to queued and resumes from its last checkpoint.
    public enum Status: String, Codable, CaseIterable, Sendable {
        case queued, running, succeeded, failed, cancelled

        public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
    }

    public var id: String
    public var name: String?
    public var dataset: String
    public var baseModel: String
    public var options: TrainingOptions
    public var status: Status
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var progress: JobProgress?
    /// Why the job failed.
    public var error: String?
    /// The trained model's id once succeeded.
    public var model: String?
    public var cancelRequested = false
    /// How many times the job was started (more than 1 after a resume).
    public var attempts = 0

    enum CodingKeys: String, CodingKey {
        case id, name, dataset, baseModel = "base_model", options, status, createdAt = "created_at", startedAt = "started_at"
        case finishedAt = "finished_at", progress, error, model, cancelRequested = "cancel_requested", attempts
    }
}

/// The latest figures of a running (or finished) job.
public struct JobProgress: Codable, Equatable, Sendable {
    public var epoch: Double
    public var step: Int
    public var totalSteps: Int
    public var loss: Double?
    public var learningRate: Double?
    public var imagesPerSecond: Double?
    public var etaSeconds: Double?
    /// The most recent evaluation's `eval_*` figures.
    public var lastEvaluation: [String: Double]?

    public init(epoch: Double = 0, step: Int = 0, totalSteps: Int = 0) {
        self.epoch = epoch
        self.step = step
        self.totalSteps = totalSteps
    }

    enum CodingKeys: String, CodingKey {
        case epoch, step, totalSteps = "total_steps", loss, learningRate = "learning_rate"
        case imagesPerSecond = "images_per_second", etaSeconds = "eta_seconds", lastEvaluation = "last_evaluation"
    }
}

/// A job request as clients send it: `{"dataset": id, "base_model": id, "name": …}` plus the options of
/// `sigtune train` under their TrainingArguments names, at the top level.
public struct JobSpec: Sendable {
    public var dataset: String
    public var baseModel: String
    public var name: String?
    public var options: TrainingOptions

    public struct SpecError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Parses and validates a JSON job request.
    public static func parse(_ data: Data) throws -> JobSpec {
        guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw SpecError(message: "the body must be a JSON object like {\"dataset\": \"<id>\", \"base_model\": \"<model id or Hub id>\", \"learning_rate\": 2e-4}")
        }
        guard let dataset = object.removeValue(forKey: "dataset") as? String, !dataset.isEmpty else {
            throw SpecError(message: "\"dataset\" is required: the id of an uploaded dataset (POST /v1/datasets)")
        }
        guard let baseModel = object.removeValue(forKey: "base_model") as? String, !baseModel.isEmpty else {
            throw SpecError(message: "\"base_model\" is required: a model id (POST /v1/models) or a Hub id such as google/siglip2-base-patch16-224")
        }
        let name = object.removeValue(forKey: "name") as? String
        let options = try TrainingOptions.decode(json: try JSONSerialization.data(withJSONObject: object))
        return JobSpec(dataset: dataset, baseModel: baseModel, name: name, options: options)
    }
}
