import Foundation
import SigLIP
import TensorCore
import TestSupport
import XCTest

/// The forward pass against transformers 5.25 on the tiny checkpoints of Tests/Fixtures (float32,
/// eager attention; BF16 checkpoints are compared with their weights upcast to float32 on both sides).
final class ForwardParityTests: XCTestCase {
    static let classifiers = ["tiny32", "tiny32-bf16", "tiny48", "tiny48-bf16", "tiny48-sharded", "tiny32-multilabel"]

    func run(_ name: String) throws -> (model: SiglipVisionClassifier, activations: SiglipActivations, reference: SafetensorsFile, batch: Int) {
        let reference = try Fixtures.safetensors("reference/forward.safetensors")
        let model = try CheckpointLoader.load(directory: Fixtures.url("models/\(name)"))
        let pixels = try reference.floats("\(name)/pixel_values")
        let batch = reference.info("\(name)/pixel_values")!.shape[0]
        let activations = SiglipActivations(layout: model.parameters.layout, batch: batch, keepForBackward: true)
        model.forward(pixelValues: pixels, batch: batch, activations: activations)
        return (model, activations, reference, batch)
    }

    func testLogitsMatchTransformersWithin1e5() throws {
        for name in Self.classifiers {
            let (model, a, reference, batch) = try run(name)
            let C = model.vision.hiddenSize, N = model.vision.numPatches, K = model.parameters.layout.numLabels
            // Every intermediate first, so a failure points at the layer that drifts.
            assertTensorsClose("\(name)/hidden_state.0", Array(UnsafeBufferPointer(start: a.embeddings, count: batch * N * C)),
                               try reference.floats("\(name)/hidden_state.0"), tolerance: 1e-5)
            for (i, layer) in a.layers.enumerated() {
                assertTensorsClose("\(name)/hidden_state.\(i + 1)", Array(UnsafeBufferPointer(start: layer.output, count: batch * N * C)),
                                   try reference.floats("\(name)/hidden_state.\(i + 1)"), tolerance: 2e-5)
            }
            assertTensorsClose("\(name)/last_hidden_state", Array(UnsafeBufferPointer(start: a.postLayerNorm, count: batch * N * C)),
                               try reference.floats("\(name)/last_hidden_state"), tolerance: 1e-5)
            assertTensorsClose("\(name)/pooled", Array(UnsafeBufferPointer(start: a.pooled, count: batch * C)),
                               try reference.floats("\(name)/pooled"), tolerance: 1e-5)
            assertTensorsClose("\(name)/logits", Array(UnsafeBufferPointer(start: a.logits, count: batch * K)),
                               try reference.floats("\(name)/logits"), tolerance: 1e-5)
        }
    }

    func testInferenceActivationsGiveTheSameLogitsAsTrainingActivations() throws {
        let (model, kept, reference, batch) = try run("tiny48")
        let shared = SiglipActivations(layout: model.parameters.layout, batch: batch, keepForBackward: false)
        model.forward(pixelValues: try reference.floats("tiny48/pixel_values"), batch: batch, activations: shared)
        let K = model.parameters.layout.numLabels
        XCTAssertEqual(Array(UnsafeBufferPointer(start: shared.logits, count: batch * K)),
                       Array(UnsafeBufferPointer(start: kept.logits, count: batch * K)))
        XCTAssertLessThan(shared.storage.count, kept.storage.count)
    }

    func testBaseModelsGivePooledFeatures() throws {
        for name in ["tiny32-siglipmodel", "tiny32-visionmodel"] {
            let (model, a, reference, batch) = try run(name)
            XCTAssertFalse(model.hasClassifier, name)
            XCTAssertEqual(model.config.architecture, name.hasSuffix("siglipmodel") ? .siglipModel : .visionModel)
            let C = model.vision.hiddenSize
            assertTensorsClose("\(name)/pooled", Array(UnsafeBufferPointer(start: a.pooled, count: batch * C)),
                               try reference.floats("\(name)/pooled"), tolerance: 1e-5)
        }
    }
}
