import Foundation
import Imaging
import Inference
import SigLIP
import TensorCore
import TestSupport
import Training
import XCTest

/// A complete short Hugging Face `Trainer` run with the recipe's structure (Tests/Fixtures/reference/trainer:
/// augmentation on, evaluation every epoch, best model at end), reproduced from the same initial weights and
/// split: the batches' files, every step's loss, learning rate and grad norm, every evaluation's loss, the
/// chosen best step and the final weights.
final class TrainerParityTests: XCTestCase {
    func testReproducesTheTransformersTrainerRun() throws {
        let root = Fixtures.url("reference/trainer")
        let split = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("split.json"))) as! [String: Any]
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("run.json"))) as! [String: Any]
        let base = try CheckpointLoader.load(directory: root.appendingPathComponent("initial_model"))
        let preprocessor = try ImagePreprocessor(config: base.preprocessor, imageSize: base.vision.imageSize)
        func samples(_ files: String, _ labels: String) throws -> [TrainingSample] {
            try zip(split[files] as! [String], split[labels] as! [Int]).map { file, label in
                let image = try ImageDecoder.decodeRGB(contentsOf: root.appendingPathComponent("dataset/\(file)"))
                let resized = resize(image, width: preprocessor.width, height: preprocessor.height, filter: preprocessor.filter)
                return TrainingSample(image: resized, target: .classIndex(label), source: file)
            }
        }
        // The split in the order `datasets` returned it (its shuffled order is what the sampler permutes).
        let splits = TrainingSplits(labels: split["label_names"] as! [String], train: try samples("train_files", "train_labels"),
                                    validation: nil, test: try samples("test_files", "test_labels"))
        var options = TrainingOptions()
        options.learningRate = 1e-3
        options.numTrainEpochs = 3
        options.perDeviceTrainBatchSize = 8
        options.perDeviceEvalBatchSize = 8
        options.weightDecay = 0.02
        options.warmupSteps = 2
        options.balance = .none
        options.seed = 42
        let output = try makeTemporaryDirectory("parity")
        defer { try? FileManager.default.removeItem(at: output) }
        let trainer = try Trainer(baseModel: base, splits: splits, options: options, outputDirectory: output)
        var batches: [Int: [String]] = [:]
        trainer.onStepSamples = { step, sources in batches[step] = sources }
        let result = try trainer.run()

        let steps = run["steps"] as! [[String: Any]]
        XCTAssertEqual(result.state.globalStep, steps.count)
        let logged = result.state.logHistory.filter { $0["loss"] != nil }
        for (expected, actual) in zip(steps, logged) {
            let step = expected["global_step"] as! Int
            XCTAssertEqual(batches[step], expected["files"] as? [String], "step \(step) batch order")
            let loss = expected["loss"] as! Double
            print(String(format: "step %d: loss %.7f (Trainer %.7f)  lr %.6g  grad_norm %.5f (Trainer %.5f)", step, actual["loss"]!, loss,
                         actual["learning_rate"]!, actual["grad_norm"]!, expected["grad_norm"] as! Double))
            XCTAssertEqual(actual["loss"]!, loss, accuracy: 1e-4 * loss, "step \(step) loss")
            XCTAssertEqual(actual["learning_rate"]!, expected["learning_rate"] as! Double, accuracy: 1e-12, "step \(step) lr")
            XCTAssertEqual(actual["grad_norm"]!, expected["grad_norm"] as! Double, accuracy: 1e-4 * (expected["grad_norm"] as! Double), "step \(step) grad_norm")
        }
        let evaluations = run["evaluations"] as! [[String: Any]]
        let ours = result.state.evaluations
        XCTAssertEqual(ours.count, evaluations.filter { ($0["metric_key_prefix"] as? String) == "eval" }.count - 1,
                       "before training and after each epoch (the reference also evaluates after train())")
        for (expected, actual) in zip(evaluations, ours) {
            let loss = expected["loss"] as! Double
            print(String(format: "eval at step %d: eval_loss %.7f (Trainer %.7f)", Int(actual["step"]!), actual["eval_loss"]!, loss))
            XCTAssertEqual(actual["eval_loss"]!, loss, accuracy: 1e-4 * loss)
            XCTAssertEqual(actual["eval_accuracy"]!, expected["accuracy"] as! Double, accuracy: 1e-12)
        }
        XCTAssertEqual(result.state.bestGlobalStep, run["best_global_step"] as? Int)
        XCTAssertEqual(result.state.bestMetric ?? .nan, run["best_metric"] as! Double, accuracy: 1e-4 * (run["best_metric"] as! Double))

        // The kept (best) model's weights. k_proj.bias is excluded: its true gradient is zero and Adam
        // amplifies the rounding noise of both implementations into lr-sized steps (REFERENCE.md 3.2).
        let final = try SafetensorsFile(url: root.appendingPathComponent("final_model.safetensors"))
        for entry in result.model.parameters.layout.entries where !entry.name.hasSuffix("k_proj.bias") {
            let expected = try final.floats(entry.name)
            let scale = max(expected.map(abs).max() ?? 0, 1e-6)
            assertTensorsClose("final/\(entry.name)", result.model.parameters.values(entry.name)!, expected, tolerance: 1e-4 * scale)
        }
    }
}
