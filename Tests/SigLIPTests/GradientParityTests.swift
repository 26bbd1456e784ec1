import Foundation
import SigLIP
import TensorCore
import TestSupport
import XCTest

/// Every parameter gradient of the tiny models against PyTorch's autograd (transformers 5.25, eager,
/// float32), for each loss: cross entropy, BCE with logits, MSE.
///
/// Tolerance: 1e-4 relative to each tensor's largest magnitude. `k_proj.bias` is excluded: its true
/// gradient is exactly zero (softmax is invariant to adding q·b_k to every key, REFERENCE.md 3.2), so
/// both sides hold rounding noise around 0 that need not agree.
final class GradientParityTests: XCTestCase {
    func check(_ name: String, file: String, batchSize: Int? = nil) throws {
        let reference = try Fixtures.safetensors("reference/\(file)")
        let model = try CheckpointLoader.load(directory: Fixtures.url("models/\(name)"))
        let layout = model.parameters.layout
        let pixels = try reference.floats("\(name)/pixel_values")
        let B = reference.info("\(name)/pixel_values")!.shape[0], K = layout.numLabels
        let labels = try reference.floats("\(name)/labels")
        let targets: ClassificationLoss.Targets
        switch model.problemType {
        case .singleLabel: targets = .classes(labels.map { Int($0) })
        case .multiLabel: targets = .multiHot(labels)
        case .regression: targets = .values(labels)
        }
        let activations = SiglipActivations(layout: layout, batch: B, keepForBackward: true)
        model.forward(pixelValues: pixels, batch: B, activations: activations)
        assertTensorsClose("\(name)/logits", Array(UnsafeBufferPointer(start: activations.logits, count: B * K)),
                           try reference.floats("\(name)/logits"), tolerance: 1e-5)
        var dlogits = [Float](repeating: 0, count: B * K)
        let loss = ClassificationLoss.compute(logits: activations.logits, targets: targets, batch: B, classes: K, dlogits: &dlogits)
        XCTAssertEqual(loss, try reference.floats("\(name)/loss")[0], accuracy: 1e-5, "\(name) loss")
        let gradients = SiglipParameters(layout: layout)
        model.backward(dlogits: dlogits, batch: B, activations: activations, gradients: gradients,
                       workspace: SiglipBackwardWorkspace(layout: layout, batch: B))
        var compared = 0
        for entry in layout.entries {
            let stored = "\(name)/grad/\(entry.name)"
            let actual = Array(UnsafeBufferPointer(start: gradients.pointer(entry.offset), count: entry.count))
            guard reference.info(stored) != nil else {
                // PyTorch leaves .grad None for the MAP head: sigtune must leave it at zero.
                XCTAssertTrue(entry.isMAPHead, "\(stored) missing from the reference but \(entry.name) is not the MAP head")
                XCTAssertTrue(actual.allSatisfy { $0 == 0 }, "\(entry.name) received a gradient")
                continue
            }
            if entry.name.hasSuffix("k_proj.bias") { continue }
            let expected = try reference.floats(stored)
            let scale = max(expected.map(abs).max() ?? 0, 1e-12)
            assertTensorsClose(stored, actual, expected, tolerance: 1e-4 * scale)
            compared += 1
        }
        XCTAssertGreaterThan(compared, 10)
    }

    func testSingleLabelCrossEntropyGradients() throws {
        try check("tiny32", file: "gradients.safetensors")
        try check("tiny48", file: "gradients_tiny48.safetensors")
    }

    func testMultiLabelBCEGradients() throws { try check("tiny32-multilabel", file: "gradients.safetensors") }

    func testRegressionMSEGradients() throws { try check("tiny32-regression", file: "gradients.safetensors") }
}
