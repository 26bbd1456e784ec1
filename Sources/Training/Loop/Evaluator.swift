import Foundation
import Inference
import SigLIP
import TensorCore

/// The outcome of evaluating a model on one split.
public struct EvaluationResult: Sendable {
    /// Per-sample mean loss (the Trainer's `eval_loss`, REFERENCE.md 3.7).
    public let loss: Double
    /// Logits [N][K] in split order.
    public let logits: [[Float]]
    /// `eval_*` scalars for the history and best-model selection.
    public let scalars: [String: Double]
    /// Full single-label metrics (confusion matrix, per-class report), when single-label.
    public let classification: ClassificationMetrics?
    /// Full multi-label metrics, when multi-label.
    public let multiLabel: MultiLabelMetrics?
}

/// Runs a model over a split without augmentation, as `Trainer.evaluate()` does: batches of
/// `per_device_eval_batch_size`, loss averaged per sample.
struct Evaluator {
    let model: SiglipVisionClassifier
    let labels: [String]
    let problemType: ProblemType
    let batchSize: Int
    let threshold: Double
    let normalizer: PixelNormalizer

    /// The `eval_*` names `evaluate` reports for a problem type (`eval_roc_auc_ovr_macro` only when every
    /// class occurs in the split).
    static func metricNames(_ problemType: ProblemType) -> [String] {
        switch problemType {
        case .singleLabel:
            return ["eval_loss", "eval_accuracy", "eval_f1_macro", "eval_precision_macro", "eval_recall_macro", "eval_f1_weighted", "eval_roc_auc_ovr_macro"]
        case .multiLabel:
            return ["eval_loss", "eval_f1_micro", "eval_f1_macro", "eval_subset_accuracy", "eval_hamming_loss", "eval_map"]
        case .regression:
            return ["eval_loss", "eval_mse", "eval_mae"]
        }
    }

    /// Logits for `samples`, either by running the vision tower or from cached pooled features.
    func logits(_ samples: [TrainingSample], features: FeatureCache?) -> [[Float]] {
        if let features { return features.logits(model: model) }
        let K = model.parameters.layout.numLabels
        let activations = SiglipActivations(layout: model.parameters.layout, batch: batchSize, keepForBackward: false)
        let pixels = FloatBuffer(count: batchSize * normalizer.valuesPerImage)
        var out: [[Float]] = []
        var start = 0
        while start < samples.count {
            let batch = min(batchSize, samples.count - start)
            normalizer.write(samples[start..<(start + batch)].map(\.image), into: pixels.pointer)
            model.forward(pixelValues: pixels.pointer, batch: batch, activations: activations)
            for i in 0..<batch { out.append(Array(UnsafeBufferPointer(start: activations.logits + i * K, count: K))) }
            start += batch
        }
        return out
    }

    func evaluate(_ samples: [TrainingSample], features: FeatureCache? = nil) -> EvaluationResult {
        let K = model.parameters.layout.numLabels
        let allLogits = logits(samples, features: features)
        // eval_loss: each batch's mean weighted by its size, over N (= the per-sample mean).
        var lossSum = 0.0
        var start = 0
        while start < samples.count {
            let batch = min(batchSize, samples.count - start)
            let flat = allLogits[start..<(start + batch)].flatMap { $0 }
            let targets = ClassificationLoss.Targets.of(samples[start..<(start + batch)])
            let mean = flat.withUnsafeBufferPointer {
                ClassificationLoss.compute(logits: $0.baseAddress!, targets: targets, batch: batch, classes: K, dlogits: nil)
            }
            lossSum += Double(mean) * Double(batch)
            start += batch
        }
        let loss = samples.isEmpty ? .nan : lossSum / Double(samples.count)
        var scalars: [String: Double] = ["eval_loss": loss]
        var classification: ClassificationMetrics?
        var multiLabel: MultiLabelMetrics?
        switch problemType {
        case .singleLabel:
            let truth = samples.map { if case .classIndex(let c) = $0.target { return c } else { return -1 } }
            let predicted = allLogits.map(argmax)
            let probabilities = allLogits.map(Predictor.softmax)
            let metrics = ClassificationMetrics.compute(trueLabels: truth, predictedLabels: predicted, probabilities: probabilities, labelNames: labels)
            scalars["eval_accuracy"] = metrics.accuracy
            scalars["eval_f1_macro"] = metrics.macroF1
            scalars["eval_precision_macro"] = metrics.macroPrecision
            scalars["eval_recall_macro"] = metrics.macroRecall
            scalars["eval_f1_weighted"] = metrics.weightedF1
            if let auc = metrics.rocAUCOneVsRestMacro { scalars["eval_roc_auc_ovr_macro"] = auc }
            classification = metrics
        case .multiLabel:
            let truth = samples.map { sample -> [Bool] in if case .multiHot(let v) = sample.target { return v.map { $0 >= 0.5 } } else { return [] } }
            let probabilities = allLogits.map { $0.map { 1 / (1 + Foundation.exp(-Double($0))) } }
            let metrics = MultiLabelMetrics.compute(trueLabels: truth, probabilities: probabilities, threshold: threshold, labelNames: labels)
            scalars["eval_f1_micro"] = metrics.microF1
            scalars["eval_f1_macro"] = metrics.macroF1
            scalars["eval_subset_accuracy"] = metrics.subsetAccuracy
            scalars["eval_hamming_loss"] = metrics.hammingLoss
            scalars["eval_map"] = metrics.meanAveragePrecision
            multiLabel = metrics
        case .regression:
            let errors = zip(samples, allLogits).flatMap { sample, row -> [Double] in
                if case .values(let v) = sample.target { return zip(v, row).map { Double($1 - $0) } } else { return [] }
            }
            scalars["eval_mse"] = errors.map { $0 * $0 }.reduce(0, +) / Double(max(errors.count, 1))
            scalars["eval_mae"] = errors.map(abs).reduce(0, +) / Double(max(errors.count, 1))
        }
        return EvaluationResult(loss: loss, logits: allLogits, scalars: scalars, classification: classification, multiLabel: multiLabel)
    }
}

/// Index of the largest value; the first one on ties (numpy `argmax`).
func argmax(_ row: [Float]) -> Int {
    var best = 0
    for i in row.indices where row[i] > row[best] { best = i }
    return best
}
