import SigLIP
import TensorCore

/// Pooled features [N, C] of a split under a frozen vision tower: with `train_mode: head` and no
/// augmentation the tower's output never changes, so it is computed once and every epoch only runs
/// the classifier (a linear probe costs milliseconds per epoch).
final class FeatureCache {
    let count: Int
    let hidden: Int
    let features: FloatBuffer

    init(model: SiglipVisionClassifier, samples: [TrainingSample], normalizer: PixelNormalizer, batchSize: Int) {
        let C = model.vision.hiddenSize
        count = samples.count
        hidden = C
        features = FloatBuffer(count: max(1, samples.count * C))
        let activations = SiglipActivations(layout: model.parameters.layout, batch: batchSize, keepForBackward: false)
        let pixels = FloatBuffer(count: batchSize * normalizer.valuesPerImage)
        var start = 0
        while start < samples.count {
            let batch = min(batchSize, samples.count - start)
            normalizer.write(samples[start..<(start + batch)].map(\.image), into: pixels.pointer)
            model.forward(pixelValues: pixels.pointer, batch: batch, activations: activations)
            (features.pointer + start * C).update(from: activations.pooled, count: batch * C)
            start += batch
        }
    }

    /// Pointer to sample `index`'s feature row.
    func row(_ index: Int) -> UnsafeMutablePointer<Float> { features.pointer + index * hidden }

    /// Classifier logits for every cached sample.
    func logits(model: SiglipVisionClassifier) -> [[Float]] {
        let layout = model.parameters.layout
        let K = layout.numLabels
        var out = [Float](repeating: 0, count: count * K)
        out.withUnsafeMutableBufferPointer {
            Linear.forward(out: $0.baseAddress!, inp: features.pointer, weight: model.parameters.pointer(layout.classifierWeight),
                           bias: model.parameters.pointer(layout.classifierBias), rows: count, inFeatures: hidden, outFeatures: K)
        }
        return (0..<count).map { Array(out[($0 * K)..<(($0 + 1) * K)]) }
    }
}
