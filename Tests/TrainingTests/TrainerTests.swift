import Foundation
import Imaging
import Inference
import SigLIP
import TensorCore
import TestSupport
import Training
import XCTest

/// The training loop end to end on a small image folder built from the fixture images.
final class TrainerTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory("trainer") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// 3 classes × 6 images (PNG and JPEG fixtures of various sizes and colour types).
    func makeImageFolder() throws -> URL {
        let root = directory.appendingPathComponent("data")
        let images = try FileManager.default.contentsOfDirectory(atPath: Fixtures.url("images").path)
            .filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") }.sorted()
        for (i, name) in images.prefix(18).enumerated() {
            let folder = root.appendingPathComponent(["ant", "bee", "cat"][i % 3])
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Fixtures.url("images/\(name)"), to: folder.appendingPathComponent(name))
        }
        return root
    }

    func options(_ edit: (inout TrainingOptions) -> Void = { _ in }) -> TrainingOptions {
        var options = TrainingOptions()
        options.learningRate = 1e-3
        options.numTrainEpochs = 3
        options.perDeviceTrainBatchSize = 4
        options.perDeviceEvalBatchSize = 4
        options.warmupSteps = 2
        options.saveTotalLimit = nil
        options.testSize = 0.34
        edit(&options)
        return options
    }

    func train(_ options: TrainingOptions, output: String, resume: URL? = nil) throws -> (Trainer, TrainingResult) {
        let base = try CheckpointLoader.load(directory: Fixtures.url("models/tiny32"))
        let preprocessor = try ImagePreprocessor(config: base.preprocessor, imageSize: base.vision.imageSize)
        let (splits, _) = try TrainingData.prepare(directory: try makeImageFolderOnce(), options: options, preprocessor: preprocessor)
        let trainer = try Trainer(baseModel: base, splits: splits, options: options, outputDirectory: directory.appendingPathComponent(output))
        return (trainer, try trainer.run(resumeFrom: resume))
    }

    var imageFolder: URL?
    func makeImageFolderOnce() throws -> URL {
        if let imageFolder { return imageFolder }
        imageFolder = try makeImageFolder()
        return imageFolder!
    }

    func testResumeFromAnEpochCheckpointEqualsAnUninterruptedRun() throws {
        let opts = options()
        let (whole, uninterrupted) = try train(opts, output: "whole")
        XCTAssertEqual(uninterrupted.state.globalStep, whole.totalSteps)
        let checkpoint = whole.checkpointsDirectory.appendingPathComponent("checkpoint-\(whole.stepsPerEpoch)")
        let (_, resumed) = try train(opts, output: "whole", resume: checkpoint)
        XCTAssertEqual(resumed.state.logHistory.count, uninterrupted.state.logHistory.count)
        for (a, b) in zip(resumed.state.logHistory, uninterrupted.state.logHistory) { XCTAssertEqual(a, b) }
        XCTAssertEqual(resumed.model.parameters.buffer.array, uninterrupted.model.parameters.buffer.array, "bit-identical weights")
        XCTAssertEqual(resumed.state.generator, uninterrupted.state.generator)
    }

    func testResumeFromAMidEpochCheckpointEqualsAnUninterruptedRun() throws {
        let opts = options { $0.saveSteps = 1 }
        let (whole, uninterrupted) = try train(opts, output: "steps")
        let checkpoint = whole.checkpointsDirectory.appendingPathComponent("checkpoint-\(whole.stepsPerEpoch + 1)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint.path), "a mid-epoch checkpoint was written")
        let (_, resumed) = try train(opts, output: "steps", resume: checkpoint)
        XCTAssertEqual(resumed.model.parameters.buffer.array, uninterrupted.model.parameters.buffer.array)
        XCTAssertEqual(resumed.state.logHistory.count, uninterrupted.state.logHistory.count)
    }

    func testRunWritesAModelDirectoryThatLoadsAndPredictsAsTrained() throws {
        let opts = options { $0.validationSize = 0.5; $0.saveTotalLimit = 1; $0.metricForBestModel = "eval_accuracy" }
        let (trainer, result) = try train(opts, output: "model")
        let output = directory.appendingPathComponent("model")
        try TrainingOutput.write(result, options: opts, to: output)
        let reloaded = try CheckpointLoader.load(directory: output)
        XCTAssertEqual(reloaded.labels, ["ant", "bee", "cat"])
        let configText = try String(contentsOf: output.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(configText.contains("\"initializer_factor\": 1.0"), "floats stay floats for transformers' strict config")
        XCTAssertTrue(configText.contains("\"problem_type\": \"single_label_classification\""))
        XCTAssertEqual(reloaded.problemType, .singleLabel)
        XCTAssertEqual(reloaded.parameters.buffer.array, result.model.parameters.buffer.array)
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("metrics.json"))) as! [String: Any]
        XCTAssertEqual((metrics["history"] as! [Any]).count, 4, "one evaluation before training and one per epoch")
        XCTAssertEqual(metrics["selection_split"] as? String, "validation")
        let final = metrics["final"] as! [String: Any]
        XCTAssertEqual(final["labels"] as? [String], ["ant", "bee", "cat"])
        XCTAssertEqual((final["confusion_matrix"] as! [[Int]]).flatMap { $0 }.reduce(0, +), trainer.splits.test.count)
        XCTAssertTrue((final["classification_report"] as! String).contains("weighted avg"))
        // save_total_limit 1 keeps only the best (which is also protected) and the newest.
        let kept = try FileManager.default.contentsOfDirectory(atPath: trainer.checkpointsDirectory.path).filter { $0.hasPrefix("checkpoint-") }
        XCTAssertLessThanOrEqual(kept.count, 2)
        XCTAssertTrue(kept.contains(result.state.bestCheckpoint!))
        // The MAP head went through training untouched.
        let base = try CheckpointLoader.load(directory: Fixtures.url("models/tiny32"))
        for entry in base.parameters.layout.entries where entry.isMAPHead {
            XCTAssertEqual(reloaded.parameters.values(entry.name), base.parameters.values(entry.name))
        }
    }

    func testHeadModeTrainsOnlyTheClassifierFromCachedFeatures() throws {
        let opts = options { $0.trainMode = .head; $0.augmentation.rotationDegrees = 0; $0.augmentation.sharpnessP = 0 }
        let (_, result) = try train(opts, output: "head")
        let base = try CheckpointLoader.load(directory: Fixtures.url("models/tiny32"))
        for entry in result.model.parameters.layout.entries where !entry.name.hasPrefix("classifier.") {
            XCTAssertEqual(result.model.parameters.values(entry.name), base.parameters.values(entry.name), entry.name)
        }
        XCTAssertNotEqual(result.model.parameters.values("classifier.weight"), base.parameters.values("classifier.weight"))
    }

    func testLastLayersModeFreezesEarlierLayers() throws {
        let opts = options { $0.trainMode = .lastNLayers; $0.trainableLayers = 1; $0.numTrainEpochs = 1 }
        let (_, result) = try train(opts, output: "last")
        let base = try CheckpointLoader.load(directory: Fixtures.url("models/tiny32"))
        let frozen = result.model.parameters.layout.entries.filter { $0.name.contains("layers.0.") || $0.name.contains("embeddings") }
        for entry in frozen { XCTAssertEqual(result.model.parameters.values(entry.name), base.parameters.values(entry.name), entry.name) }
        XCTAssertNotEqual(result.model.parameters.values("vision_model.encoder.layers.1.mlp.fc1.weight"),
                          base.parameters.values("vision_model.encoder.layers.1.mlp.fc1.weight"))
    }

    func testMicroBatchesGiveTheSameStepAsOneBatch() throws {
        let (_, whole) = try train(options { $0.numTrainEpochs = 1; $0.augmentation.rotationDegrees = 0; $0.augmentation.sharpnessP = 0 }, output: "one")
        let (_, micro) = try train(options { $0.numTrainEpochs = 1; $0.microBatchSize = 1; $0.augmentation.rotationDegrees = 0; $0.augmentation.sharpnessP = 0 }, output: "micro")
        // k_proj.bias is left out: its true gradient is zero and AdamW turns the rounding noise into lr-sized steps.
        for entry in whole.model.parameters.layout.entries where !entry.name.hasSuffix("k_proj.bias") {
            assertTensorsClose("\(entry.name) after one epoch, batch 4 vs 4×1", micro.model.parameters.values(entry.name)!,
                               whole.model.parameters.values(entry.name)!, tolerance: 2e-6)
        }
    }

    func testBadOptionsAreRejectedWithTheOptionName() {
        XCTAssertThrowsError(try TrainingOptions.decode(json: Data(#"{"learning_rte": 1e-3}"#.utf8))) { XCTAssertTrue("\($0)".contains("learning_rte")) }
        XCTAssertThrowsError(try TrainingOptions.decode(json: Data(#"{"test_size": 1.5}"#.utf8))) { XCTAssertTrue("\($0)".contains("test_size")) }
        XCTAssertThrowsError(try TrainingOptions.decode(json: Data(#"{"train_mode": "everything"}"#.utf8))) { XCTAssertTrue("\($0)".contains("train_mode")) }
        XCTAssertThrowsError(try TrainingOptions.decode(json: Data(#"{"augmentation": {"rotation": 5}}"#.utf8))) { XCTAssertTrue("\($0)".contains("augmentation.rotation")) }
        let options = try? TrainingOptions.decode(json: Data(#"{"learning_rate": 2e-4, "num_train_epochs": 2, "save_total_limit": 4}"#.utf8))
        XCTAssertEqual(options?.learningRate, 2e-4)
        XCTAssertEqual(options?.saveTotalLimit, 4)
        XCTAssertEqual(options?.perDeviceTrainBatchSize, 32, "unset options keep the recipe's defaults")
    }
}

/// Multi-label and regression jobs run end to end on in-memory samples (image folders give class ids;
/// metadata files with several labels per image arrive with the datasets issue).
final class ProblemTypeTrainingTests: XCTestCase {
    func samples(_ count: Int, target: (Int) -> SampleTarget) throws -> [TrainingSample] {
        let image = try ImageDecoder.decodeRGB(contentsOf: Fixtures.url("images/png_rgb8.png"))
        return (0..<count).map { i in
            var resized = resize(image, width: 32, height: 32, filter: .bilinear)
            resized.pixels[i % resized.pixels.count] = UInt8(i * 7 % 256)
            return TrainingSample(image: resized, target: target(i), source: "sample\(i)")
        }
    }

    func testMultiLabelTrainingReportsMultiLabelMetrics() throws {
        let base = try CheckpointLoader.load(directory: Fixtures.url("models/tiny32-multilabel"))
        let target = { (i: Int) in SampleTarget.multiHot([Float(i % 2), Float((i / 2) % 2), 1, 0]) }
        let splits = TrainingSplits(labels: base.labels, train: try samples(12, target: target), validation: nil, test: try samples(6, target: target))
        var options = TrainingOptions()
        options.numTrainEpochs = 2
        options.perDeviceTrainBatchSize = 4
        options.learningRate = 1e-3
        options.warmupSteps = 0
        let output = try makeTemporaryDirectory("multilabel")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try Trainer(baseModel: base, splits: splits, options: options, outputDirectory: output).run()
        XCTAssertEqual(result.problemType, .multiLabel)
        for key in ["eval_loss", "eval_f1_micro", "eval_f1_macro", "eval_subset_accuracy", "eval_hamming_loss", "eval_map"] {
            XCTAssertNotNil(result.test.scalars[key], key)
        }
        XCTAssertNotNil(result.test.multiLabel)
        try TrainingOutput.write(result, options: options, to: output)
        XCTAssertEqual(try CheckpointLoader.load(directory: output).problemType, .multiLabel)
    }

    func testRegressionTrainingReducesTheError() throws {
        let base = try CheckpointLoader.load(directory: Fixtures.url("models/tiny32-regression"))
        let target = { (i: Int) in SampleTarget.values([Float(i % 3)]) }
        let splits = TrainingSplits(labels: base.labels, train: try samples(12, target: target), validation: nil, test: try samples(6, target: target))
        var options = TrainingOptions()
        options.numTrainEpochs = 3
        options.perDeviceTrainBatchSize = 4
        options.learningRate = 1e-3
        options.warmupSteps = 0
        options.augmentation.rotationDegrees = 0
        let output = try makeTemporaryDirectory("regression")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try Trainer(baseModel: base, splits: splits, options: options, outputDirectory: output).run()
        XCTAssertEqual(result.problemType, .regression)
        let evaluations = result.state.evaluations
        XCTAssertLessThan(evaluations.last!["eval_mse"]!, evaluations.first!["eval_mse"]!, "training lowers the MSE")
    }
}
