import Foundation
import SigLIP
import TensorCore
import TestSupport
import Training
import XCTest

/// The optimizer, clipping and schedules against PyTorch/transformers (Tests/Fixtures/reference/adamw.*,
/// schedules.json).
final class OptimizerTests: XCTestCase {
    func testTenAdamWStepsMatchTorchFusedAdamW() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("reference/adamw.json"))) as! [String: Any]
        let steps = json["steps"] as! [[String: Any]]
        let reference = try Fixtures.safetensors("reference/adamw.safetensors")
        let model = try CheckpointLoader.load(directory: Fixtures.url("models/tiny32"))
        let layout = model.parameters.layout
        let optimizer = AdamW(layout: layout, scope: .all, hyperparameters: .init(weightDecay: 0.02))
        // The Trainer's two parameter groups (they list the MAP head too, which never steps: it has no gradient).
        for name in json["decay_param_names"] as! [String] { XCTAssertTrue(AdamW.decays(name), name) }
        for name in json["no_decay_param_names"] as! [String] { XCTAssertFalse(AdamW.decays(name), name) }
        XCTAssertEqual(Set(optimizer.segments.map(\.name)), Set(layout.entries.filter { !$0.isMAPHead }.map(\.name)))
        let schedule = LearningRateSchedule(kind: .linear, baseLearningRate: 1e-3, warmupSteps: 3, totalSteps: 10)
        let gradients = SiglipParameters(layout: layout)
        let activations = SiglipActivations(layout: layout, batch: 4, keepForBackward: true)
        let workspace = SiglipBackwardWorkspace(layout: layout, batch: 4)
        for (i, expected) in steps.enumerated() {
            let pixels = try reference.floats("step\(i)/pixel_values")
            let labels = try reference.floats("step\(i)/labels").map { Int($0) }
            model.forward(pixelValues: pixels, batch: 4, activations: activations)
            var dlogits = [Float](repeating: 0, count: 12)
            let loss = ClassificationLoss.compute(logits: activations.logits, targets: .classes(labels), batch: 4, classes: 3, dlogits: &dlogits)
            gradients.buffer.zero()
            model.backward(dlogits: dlogits, batch: 4, activations: activations, gradients: gradients, workspace: workspace)
            let norm = GradientClipping.clip(gradients.buffer.pointer, segments: optimizer.segments, maxNorm: 1.0)
            let lr = schedule.learningRate(afterSteps: i)
            optimizer.step(parameters: model.parameters, gradients: gradients, learningRate: lr)
            print(String(format: "step %d: loss %.7f (torch %.7f), grad_norm %.6f (torch %.6f), lr %.6g", i, loss,
                         expected["loss"] as! Double, norm, expected["grad_norm"] as! Double, lr))
            XCTAssertEqual(Double(loss), expected["loss"] as! Double, accuracy: 1e-5 * (expected["loss"] as! Double), "step \(i) loss")
            XCTAssertEqual(norm, expected["grad_norm"] as! Double, accuracy: 1e-5 * (expected["grad_norm"] as! Double), "step \(i) grad_norm")
            XCTAssertEqual(lr, expected["learning_rate"] as! Double, accuracy: 1e-15, "step \(i) lr")
        }
        for entry in layout.entries where !entry.isMAPHead && !entry.name.hasSuffix("k_proj.bias") {
            let expected = try reference.floats("final/\(entry.name)")
            assertTensorsClose("final/\(entry.name)", model.parameters.values(entry.name)!, expected, tolerance: 2e-6)
        }
        for name in ["classifier.weight", "vision_model.encoder.layers.0.mlp.fc1.weight", "vision_model.post_layernorm.bias"] {
            let entry = layout.entry(named: name)!
            let m = Array(UnsafeBufferPointer(start: optimizer.firstMoments.pointer + entry.offset, count: entry.count))
            let v = Array(UnsafeBufferPointer(start: optimizer.secondMoments.pointer + entry.offset, count: entry.count))
            let expectedM = try reference.floats("exp_avg/\(name)"), expectedV = try reference.floats("exp_avg_sq/\(name)")
            assertTensorsClose("exp_avg/\(name)", m, expectedM, tolerance: 1e-5 * (expectedM.map(abs).max() ?? 1))
            assertTensorsClose("exp_avg_sq/\(name)", v, expectedV, tolerance: 1e-5 * (expectedV.map(abs).max() ?? 1))
        }
        // The MAP head is not in the optimizer: unchanged.
        let original = try CheckpointLoader.load(directory: Fixtures.url("models/tiny32"))
        for entry in layout.entries where entry.isMAPHead { XCTAssertEqual(model.parameters.values(entry.name), original.parameters.values(entry.name)) }
    }

    func testSchedulesMatchTransformers() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("reference/schedules.json"))) as! [String: Any]
        let total = json["T"] as! Int, warmup = json["W"] as! Int
        for kind in [LearningRateSchedule.Kind.linear, .cosine, .constantWithWarmup] {
            let expected = json[kind.rawValue] as! [Double]
            let schedule = LearningRateSchedule(kind: kind, baseLearningRate: 1, warmupSteps: warmup, totalSteps: total)
            for (k, value) in expected.enumerated() {
                XCTAssertEqual(schedule.multiplier(afterSteps: k), value, accuracy: 1e-12, "\(kind) λ(\(k))")
            }
        }
        XCTAssertEqual(LearningRateSchedule(kind: .linear, baseLearningRate: 1e-3, warmupSteps: 50, totalSteps: 100).learningRate(afterSteps: 0), 0,
                       "the first update uses lr 0 during warmup")
    }

    func testWarmupRatio() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("reference/schedules.json"))) as! [String: Any]
        let cases = json["get_warmup_steps"] as? [[String: Any]] ?? []
        XCTAssertFalse(cases.isEmpty, "schedules.json has no get_warmup_steps cases")
        for item in cases {
            let ratio = item["warmup_steps"] as! Double
            let total = item["num_training_steps"] as! Int
            let expected = item["get_warmup_steps"] as! Int
            XCTAssertEqual(LearningRateSchedule.warmupSteps(ratio, totalSteps: total), expected, "warmup \(ratio) of \(total)")
        }
        XCTAssertEqual(LearningRateSchedule.warmupSteps(50, totalSteps: 10), 50)
    }

    func testDecayGroupsFollowTheTrainer() {
        XCTAssertTrue(AdamW.decays("vision_model.encoder.layers.0.mlp.fc1.weight"))
        XCTAssertTrue(AdamW.decays("classifier.weight"))
        XCTAssertTrue(AdamW.decays("vision_model.embeddings.position_embedding.weight"))
        XCTAssertFalse(AdamW.decays("vision_model.encoder.layers.0.layer_norm1.weight"))
        XCTAssertFalse(AdamW.decays("vision_model.post_layernorm.weight"))
        XCTAssertFalse(AdamW.decays("classifier.bias"))
        XCTAssertFalse(AdamW.decays("vision_model.head.layernorm.weight"))
    }

    func testClippingScalesToMaxNormAndReportsThePreClipNorm() {
        var g: [Float] = [3, 4, 0, 12]  // two tensors: ‖(3,4)‖ = 5, ‖(0,12)‖ = 12 → total 13
        let segments = [AdamW.Segment(name: "a", offset: 0, count: 2, decays: true), AdamW.Segment(name: "b", offset: 2, count: 2, decays: false)]
        let norm = GradientClipping.clip(&g, segments: segments, maxNorm: 1)
        XCTAssertEqual(norm, 13, accuracy: 1e-12)
        let coefficient = Float(1 / (13 + 1e-6))
        XCTAssertEqual(g, [3 * coefficient, 4 * coefficient, 0, 12 * coefficient])
    }
}
