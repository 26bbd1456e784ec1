import Foundation
import Imaging
import SigLIP
import TensorCore

/// One class and its score.
public struct Prediction: Sendable, Equatable {
    public let label: String
    public let score: Float

    public init(label: String, score: Float) {
        self.label = label
        self.score = score
    }
}

/// Classifies images with a loaded model: preprocessing, batched forward, scores, top-k.
///
/// Scores follow the model's `problem_type` as transformers' pipelines do: softmax over classes for
/// single-label models, an independent sigmoid per class for multi-label ones, the raw output for regression.
public final class Predictor: @unchecked Sendable {
    public let model: SiglipVisionClassifier
    public let preprocessor: ImagePreprocessor
    public let maxBatch: Int
    private let activations: SiglipActivations
    private let pixels: FloatBuffer
    private let lock = NSLock()

    /// - Parameter maxBatch: images per forward; activation memory is sized for it.
    public init(model: SiglipVisionClassifier, maxBatch: Int = 8, passOrder: ResizePassOrder = .pillow13) throws {
        guard model.hasClassifier else {
            throw CheckpointError.noClassifier(path: model.directory?.path ?? "the model")
        }
        self.model = model
        self.maxBatch = max(1, maxBatch)
        preprocessor = try ImagePreprocessor(config: model.preprocessor, imageSize: model.vision.imageSize, passOrder: passOrder)
        activations = SiglipActivations(layout: model.parameters.layout, batch: self.maxBatch, keepForBackward: false)
        pixels = FloatBuffer(count: self.maxBatch * preprocessor.valuesPerImage)
    }

    /// Logits [images.count][K] for decoded images, in batches of `maxBatch`. Thread-safe (serialised).
    public func logits(_ images: [RGBImage]) -> [[Float]] {
        lock.lock()
        defer { lock.unlock() }
        let K = model.parameters.layout.numLabels
        let stride = preprocessor.valuesPerImage
        var result: [[Float]] = []
        result.reserveCapacity(images.count)
        var start = 0
        while start < images.count {
            let batch = min(maxBatch, images.count - start)
            parallelFor(batch) { items in
                for i in items { preprocessor.pixelValues(images[start + i], into: pixels.pointer + i * stride) }
            }
            model.forward(pixelValues: pixels.pointer, batch: batch, activations: activations)
            for i in 0..<batch { result.append(Array(UnsafeBufferPointer(start: activations.logits + i * K, count: K))) }
            start += batch
        }
        return result
    }

    /// Scores per class for one image's logits, by problem type.
    public func scores(logits: [Float]) -> [Float] {
        switch model.problemType {
        case .singleLabel:
            return Predictor.softmax(logits).map(Float.init)
        case .multiLabel:
            return logits.map { Float(1 / (1 + Foundation.exp(-Double($0)))) }
        case .regression:
            return logits
        }
    }

    /// Softmax of one row of logits in Double (max-subtracted), for scores and ROC AUC.
    public static func softmax(_ logits: [Float]) -> [Double] {
        let maximum = Double(logits.max() ?? 0)
        let exps = logits.map { Foundation.exp(Double($0) - maximum) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }

    /// The `topK` best classes (all when nil), highest score first; ties keep class order.
    public func topPredictions(logits: [Float], topK: Int?) -> [Prediction] {
        let scores = scores(logits: logits)
        let ranked = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return ranked.prefix(topK ?? ranked.count).map { Prediction(label: model.labels[$0], score: scores[$0]) }
    }
}
