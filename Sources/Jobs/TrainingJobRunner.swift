import Foundation
import Inference
import SigLIP
import TensorCore
import Training

/// Runs a fine-tune job: resolves the base model and the dataset, trains in `jobs/<id>/` (checkpoints there,
/// resuming from the newest one after a restart), and registers the trained model.
public struct TrainingJobRunner: JobRunner {
    public let store: JobStore
    public let registry: ModelRegistry
    /// A model id of the registry or a Hub id → a local model directory.
    public let resolveBaseModel: @Sendable (String) throws -> URL
    /// A dataset id → the job's splits, images decoded and resized for `preprocessor`.
    public let loadSplits: @Sendable (String, TrainingOptions, ImagePreprocessor) throws -> TrainingSplits

    public init(store: JobStore, registry: ModelRegistry,
                resolveBaseModel: @escaping @Sendable (String) throws -> URL,
                loadSplits: @escaping @Sendable (String, TrainingOptions, ImagePreprocessor) throws -> TrainingSplits) {
        self.store = store
        self.registry = registry
        self.resolveBaseModel = resolveBaseModel
        self.loadSplits = loadSplits
    }

    /// The trained model's id: derived from the job so a job that finished training but crashed before
    /// recording success does not register a second model when it runs again.
    public static func modelID(for job: String) -> String { "model-" + job }

    public func run(_ job: JobRecord, control: JobControl) throws -> String {
        let modelID = Self.modelID(for: job.id)
        if registry.get(modelID) != nil { return modelID }
        let base = try CheckpointLoader.load(directory: try resolveBaseModel(job.baseModel))
        let preprocessor = try ImagePreprocessor(config: base.preprocessor, imageSize: base.vision.imageSize)
        let splits = try loadSplits(job.dataset, job.options, preprocessor)
        let directory = store.jobDirectory(job.id)
        let trainer = try Trainer(baseModel: base, splits: splits, options: job.options, outputDirectory: directory)
        trainer.onEvent = { control.report($0) }
        trainer.stopRequest = { control.stopRequest }
        let resume = Trainer.latestCheckpoint(in: directory)
        if let resume { control.report(.notice("resuming from \(resume.lastPathComponent)")) }
        let result = try trainer.run(resumeFrom: resume)

        let staged = registry.directory.appendingPathComponent(modelID + AtomicFile.temporarySuffix)
        try? FileManager.default.removeItem(at: staged)
        try TrainingOutput.write(result, options: job.options, to: staged)
        for file in [TrainingOutput.metricsFile, TrainingOutput.trainerStateFile] {
            let data = try Data(contentsOf: staged.appendingPathComponent(file))
            try AtomicFile.write(data, to: directory.appendingPathComponent(file))
        }
        return try registry.register(staged: staged, name: job.name, source: "job", job: job.id, baseModel: job.baseModel, id: modelID).id
    }
}
