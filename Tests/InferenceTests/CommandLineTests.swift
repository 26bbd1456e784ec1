import Foundation
import TestSupport
import XCTest

/// The `sigtune` executable as a user runs it.
final class CommandLineTests: XCTestCase {
    /// The built executable, beside the test bundle in .build/<configuration>/.
    var executable: URL {
        var directory = Bundle(for: CommandLineTests.self).bundleURL.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: directory.appendingPathComponent("sigtune").path) {
            directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        }
        return directory.appendingPathComponent("sigtune")
    }

    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try runProcess(executable, arguments)
        return (result.status, result.stdout, result.stderr)
    }

    func testHelpListsOnlyTheCommandsThatExist() throws {
        let result = try run(["--help"])
        XCTAssertEqual(result.status, 0)
        let listed = result.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("  ") }.map { $0.split(separator: " ").first.map(String.init) ?? "" }
        XCTAssertEqual(listed, ["serve", "predict", "train", "dataset", "bench", "download", "push"])
        let unknown = try run(["frobnicate"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("unknown command 'frobnicate'"))
        let serveHelp = try run(["serve", "--help"])
        XCTAssertEqual(serveHelp.status, 0)
        XCTAssertTrue(serveHelp.stdout.contains("--token"))
    }

    func testPredictPrintsOneJSONObjectPerImageAndReportsBadFiles() throws {
        let directory = try makeTemporaryDirectory("predict")
        defer { try? FileManager.default.removeItem(at: directory) }
        let broken = directory.appendingPathComponent("broken.png")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0]).write(to: broken)
        let good = Fixtures.url("images/png_rgb8.png").path
        let gray = Fixtures.url("images/jpeg_gray_50x38.jpg").path
        let result = try run(["predict", "--model", Fixtures.url("models/tiny48").path, good, broken.path, gray, "--top-k", "2", "--logits"])
        XCTAssertEqual(result.status, 1, "a failed image makes the exit status 1")
        let lines = result.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(lines.map { $0["image"] as? String }, [good, broken.path, gray])
        XCTAssertTrue((lines[1]["error"] as? String ?? "").contains("broken.png"))
        for line in [lines[0], lines[2]] {
            let predictions = line["predictions"] as! [[String: Any]]
            XCTAssertEqual(predictions.count, 2)
            let scores = predictions.map { $0["score"] as! Double }
            XCTAssertGreaterThanOrEqual(scores[0], scores[1])
            let logits = line["logits"] as! [Double]
            XCTAssertEqual(logits.count, 5)
            // The top label is the argmax of the logits.
            let labels = ["apple", "banana", "cherry", "date", "elderberry"]
            XCTAssertEqual(predictions[0]["label"] as? String, labels[logits.indices.max { logits[$0] < logits[$1] }!])
        }
    }

    func testPredictUsageErrors() throws {
        let noModel = try run(["predict", "x.png"])
        XCTAssertEqual(noModel.status, 2)
        XCTAssertTrue(noModel.stderr.contains("--model DIR is required"))
        let typo = try run(["predict", "--model", "m", "--topk", "3", "x.png"])
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("unknown option --topk"))
        let missingModel = try run(["predict", "--model", "/nonexistent/model", "x.png"])
        XCTAssertEqual(missingModel.status, 1)
        XCTAssertTrue(missingModel.stderr.contains("/nonexistent/model"))
    }

    func testBenchForwardJSONHasTheReportedFields() throws {
        let directory = try makeTemporaryDirectory("bench")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.json")
        try Data(#"{"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "image_size": 32, "patch_size": 8}"#.utf8).write(to: config)
        let result = try run(["bench", "forward", "--config", config.path, "--batch", "2", "--iterations", "1", "--threads", "1", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        for key in ["images_per_second", "gflops", "sgemm_gflops", "batch", "peak_rss_bytes"] { XCTAssertNotNil(report[key], key) }
        XCTAssertEqual(report["batch"] as? Int, 2)
        // 2·N·P²·C + L·(2·N·C·3C + 4·N²·C + 2·N·C² + 4·N·C·F) + 2·C·K with N=16, P²·3=192, C=64, F=128, L=2, K=10.
        let patch: Double = 2 * 16 * 192 * 64
        let qkv: Double = 2 * 16 * 64 * 192, attention: Double = 4 * 256 * 64
        let outProj: Double = 2 * 16 * 64 * 64, mlp: Double = 4 * 16 * 64 * 128
        let expectedFLOPs = patch + 2 * (qkv + attention + outProj + mlp) + 2 * 64 * 10
        XCTAssertEqual(report["flops_per_image"] as? Double, expectedFLOPs)
    }
}

extension CommandLineTests {
    func testTrainWritesAModelThatPredictLoads() throws {
        let directory = try makeTemporaryDirectory("train-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("model")
        let config = directory.appendingPathComponent("job.json")
        try Data(#"{"num_train_epochs": 1, "per_device_train_batch_size": 8, "learning_rate": 0.001}"#.utf8).write(to: config)
        let result = try run(["train", "--data", Fixtures.url("reference/trainer/dataset").path, "--model", Fixtures.url("models/tiny32").path,
                              "--output", output.path, "--config", config.path, "--warmup-steps", "0", "--validation-size", "0.3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("best model chosen on the validation split"), result.stderr)
        XCTAssertTrue(result.stdout.contains("weighted avg"), "prints the classification report")
        for file in ["config.json", "model.safetensors", "preprocessor_config.json", "metrics.json", "trainer_state.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), file)
        }
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("metrics.json"))) as! [String: Any]
        let history = metrics["history"] as! [[String: Any]]
        XCTAssertEqual(history.count, 2)
        for key in ["epoch", "step", "eval_loss", "eval_accuracy", "eval_f1_macro"] { XCTAssertNotNil(history[1][key], key) }
        let predicted = try run(["predict", "--model", output.path, Fixtures.url("images/png_rgb8.png").path])
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        XCTAssertTrue(["circle", "square", "triangle"].contains { predicted.stdout.contains("\"label\":\"\($0)\"") })

        let typo = try run(["train", "--data", "d", "--model", "m", "--output", "o", "--learning-rte", "1"])
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("unknown option --learning-rte"))
        let badValue = try run(["train", "--data", Fixtures.url("reference/trainer/dataset").path, "--model", Fixtures.url("models/tiny32").path,
                                "--output", output.path, "--test-size", "2"])
        XCTAssertEqual(badValue.status, 1)
        XCTAssertTrue(badValue.stderr.contains("test_size"), badValue.stderr)
    }
}

extension CommandLineTests {
    func testDatasetCheckPrintsTheHealthReport() throws {
        let result = try run(["dataset", "check", Fixtures.url("reference/trainer/dataset").path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["class_counts"] as? [String: Int], ["circle": 14, "square": 10, "triangle": 8])
        XCTAssertEqual(report["image_count"] as? Int, 32)
        let text = try run(["dataset", "check", Fixtures.url("reference/trainer/dataset").path])
        XCTAssertEqual(text.status, 0)
        XCTAssertTrue(text.stdout.contains("circle"))
        let missing = try run(["dataset", "check", "/nonexistent/data.zip"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/data.zip"), missing.stderr)
    }
}
