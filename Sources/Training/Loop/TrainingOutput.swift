import Foundation
import SigLIP
import TensorCore

/// Writes a finished run as a Hugging Face model directory plus sigtune's reports:
/// config.json, model.safetensors, preprocessor_config.json (what `save_pretrained` writes),
/// metrics.json (per-evaluation history, the best epoch, the kept model's test metrics) and
/// trainer_state.json (the Trainer's log: every step's loss, learning rate and grad norm).
public enum TrainingOutput {
    public static let metricsFile = "metrics.json"
    public static let trainerStateFile = "trainer_state.json"

    public static func write(_ result: TrainingResult, options: TrainingOptions, to directory: URL) throws {
        try CheckpointWriter.save(result.model, problemType: result.problemType, to: directory)
        try AtomicFile.write(try json(metrics(result, options: options)), to: directory.appendingPathComponent(metricsFile))
        try AtomicFile.write(try json(trainerState(result, options: options)), to: directory.appendingPathComponent(trainerStateFile))
    }

    /// metrics.json: `history` (one entry per evaluation: epoch, step, eval_loss, eval_accuracy, eval_f1_macro, …),
    /// `best_epoch`, `best_step`, `final` (the kept model on the test split: the same keys plus labels,
    /// confusion_matrix, per_class and the classification report), and `train` figures.
    public static func metrics(_ result: TrainingResult, options: TrainingOptions) -> [String: Any] {
        var final: [String: Any] = result.test.scalars
        final["split"] = "test"
        final["labels"] = result.model.labels
        if let metrics = result.test.classification {
            final["confusion_matrix"] = metrics.confusionMatrix
            final["classification_report"] = metrics.classificationReport
            final["per_class"] = result.model.labels.indices.map { i -> [String: Any] in
                ["label": result.model.labels[i], "precision": metrics.precision[i], "recall": metrics.recall[i],
                 "f1": metrics.f1[i], "support": metrics.support[i]]
            }
        }
        if let metrics = result.test.multiLabel {
            final["per_label"] = result.model.labels.indices.map { i -> [String: Any] in
                ["label": result.model.labels[i], "precision": metrics.precision[i], "recall": metrics.recall[i],
                 "f1": metrics.f1[i], "support": metrics.support[i], "average_precision": metrics.averagePrecision[i]]
            }
        }
        var notes: [String] = []
        if result.selectionSplit == "test" {
            notes.append("The best model was chosen on the test split (no validation split), as the recipe does; the final test metrics are therefore optimistic. Set validation_size > 0 to select on a held-out validation split.")
        }
        return [
            "history": result.state.evaluations,
            "best_epoch": result.state.bestEpoch as Any? ?? NSNull(),
            "best_step": result.state.bestGlobalStep as Any? ?? NSNull(),
            "best_metric": result.state.bestMetric as Any? ?? NSNull(),
            "metric_for_best_model": options.metricForBestModel,
            "selection_split": result.selectionSplit,
            "problem_type": result.problemType.rawValue,
            "final": final,
            "train": ["train_loss": result.trainLoss, "train_runtime": result.trainRuntimeSeconds,
                      "global_step": result.state.globalStep, "max_steps": result.totalSteps],
            "notes": notes,
        ]
    }

    /// trainer_state.json in the shape of the Trainer's (`log_history`, `best_global_step`, …).
    public static func trainerState(_ result: TrainingResult, options: TrainingOptions) -> [String: Any] {
        [
            "log_history": result.state.logHistory,
            "global_step": result.state.globalStep,
            "max_steps": result.totalSteps,
            "epoch": result.state.logHistory.last?["epoch"] ?? 0,
            "num_train_epochs": options.numTrainEpochs,
            "train_batch_size": options.perDeviceTrainBatchSize,
            "best_global_step": result.state.bestGlobalStep as Any? ?? NSNull(),
            "best_metric": result.state.bestMetric as Any? ?? NSNull(),
            "best_model_checkpoint": result.state.bestCheckpoint.map { "checkpoints/\($0)" } as Any? ?? NSNull(),
        ]
    }

    static func json(_ object: Any) throws -> Data { JSONWriter.data(sanitized(object)) }

    /// JSON has no NaN or infinity: they become null.
    static func sanitized(_ value: Any) -> Any {
        switch value {
        case let number as Double: return number.isFinite ? number : NSNull()
        case let number as Float: return number.isFinite ? Double(number) : NSNull()
        case let dictionary as [String: Any]: return dictionary.mapValues(sanitized)
        case let dictionary as [String: Double]: return dictionary.mapValues { sanitized($0) }
        case let array as [Any]: return array.map(sanitized)
        default: return value
        }
    }
}
