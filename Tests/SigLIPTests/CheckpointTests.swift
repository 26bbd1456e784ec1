import Foundation
import SigLIP
import TensorCore
import TestSupport
import XCTest

final class CheckpointTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory("checkpoint") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A writable copy of a fixture model.
    func copyOfFixture(_ name: String) throws -> URL {
        let destination = directory.appendingPathComponent(name)
        try FileManager.default.copyItem(at: Fixtures.url("models/\(name)"), to: destination)
        return destination
    }

    func editConfig(_ model: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let url = model.appendingPathComponent("config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
    }

    /// Rewrites model.safetensors through `edit`, which may drop or reshape tensors.
    func editWeights(_ model: URL, _ edit: (String, [Int], [Float]) -> (shape: [Int], values: [Float])?) throws {
        let url = model.appendingPathComponent("model.safetensors")
        let file = try SafetensorsFile(url: url)
        var writer = SafetensorsWriter()
        for tensor in file.tensors {
            if let kept = edit(tensor.name, tensor.shape, try file.floats(tensor.name)) {
                writer.add(tensor.name, shape: kept.shape, values: kept.values)
            }
        }
        try writer.write(to: url)
    }

    func assertLoadFails(_ model: URL, containing fragments: [String], line: UInt = #line) {
        XCTAssertThrowsError(try CheckpointLoader.load(directory: model), line: line) { error in
            for fragment in fragments { XCTAssertTrue("\(error)".contains(fragment), "'\(fragment)' not in: \(error)", line: line) }
        }
    }

    func testConfigsAreReadWithDefaultsLabelsAndPreprocessing() throws {
        let model = try CheckpointLoader.load(directory: Fixtures.url("models/tiny48"))
        XCTAssertEqual(model.config.architecture, .imageClassification)
        XCTAssertEqual(model.labels, ["apple", "banana", "cherry", "date", "elderberry"])
        XCTAssertEqual(model.vision.hiddenSize, 96)
        XCTAssertEqual(model.vision.numAttentionHeads, 6)
        XCTAssertEqual(model.vision.layerNormEps, 1e-6)
        XCTAssertEqual(model.preprocessor.resample, 3)
        XCTAssertEqual(model.preprocessor.width, 48)
        XCTAssertEqual(model.preprocessor.imageMean, [0.485, 0.456, 0.406])
        XCTAssertEqual(model.problemType, .singleLabel)
        XCTAssertTrue(model.parameters.layout.hasMAPHead)
        let multi = try CheckpointLoader.load(directory: Fixtures.url("models/tiny32-multilabel"))
        XCTAssertEqual(multi.problemType, .multiLabel)

        // A vision config that omits everything takes SiglipVisionConfig's defaults (the base model).
        let defaults = try SiglipVisionConfig(json: [:])
        XCTAssertEqual([defaults.hiddenSize, defaults.intermediateSize, defaults.numHiddenLayers, defaults.numAttentionHeads,
                        defaults.imageSize, defaults.patchSize], [768, 3072, 12, 12, 224, 16])
    }

    func testMAPHeadIsCarriedThroughUnchanged() throws {
        let model = try CheckpointLoader.load(directory: Fixtures.url("models/tiny32"))
        let file = try SafetensorsFile(url: Fixtures.url("models/tiny32/model.safetensors"))
        let headNames = file.tensors.map(\.name).filter { $0.contains(".head.") }
        XCTAssertEqual(headNames.count, 11)
        for name in headNames { XCTAssertEqual(model.parameters.values(name), try file.floats(name), name) }
        // Every tensor of the checkpoint has a place in the layout, with the same values (q/k/v included).
        for tensor in file.tensors { XCTAssertEqual(model.parameters.values(tensor.name), try file.floats(tensor.name), tensor.name) }
        XCTAssertEqual(model.parameters.layout.entries.count, file.tensors.count)
    }

    func testMissingTensorIsNamed() throws {
        let model = try copyOfFixture("tiny32")
        try editWeights(model) { name, shape, values in name.hasSuffix("layers.1.mlp.fc2.bias") ? nil : (shape, values) }
        assertLoadFails(model, containing: ["vision_model.encoder.layers.1.mlp.fc2.bias", "missing", "model.safetensors"])
    }

    func testWrongShapeIsNamedWithBothShapes() throws {
        let model = try copyOfFixture("tiny32")
        try editWeights(model) { name, shape, values in
            name.hasSuffix("layers.0.self_attn.k_proj.weight") ? ([32, 128], values) : (shape, values)
        }
        assertLoadFails(model, containing: ["k_proj.weight", "[32, 128]", "[64, 64]"])
    }

    func testUnknownAndNaFlexModelTypesAreRefused() throws {
        let model = try copyOfFixture("tiny32")
        try editConfig(model) { $0["model_type"] = "siglip2" }
        assertLoadFails(model, containing: ["siglip2", "NaFlex"])
        try editConfig(model) { $0["model_type"] = "vit" }
        assertLoadFails(model, containing: ["'vit'", "siglip_vision_model"])
    }

    func testLabelCountMustMatchClassifier() throws {
        let model = try copyOfFixture("tiny32")
        try editConfig(model) { $0["id2label"] = ["0": "a", "1": "b"] }
        assertLoadFails(model, containing: ["id2label", "2 labels", "3 rows"])
    }

    func testMissingFilesAndBadShardIndexAreExplained() throws {
        assertLoadFails(directory.appendingPathComponent("nope"), containing: ["nope", "model directory"])
        let model = try copyOfFixture("tiny32")
        try FileManager.default.removeItem(at: model.appendingPathComponent("model.safetensors"))
        assertLoadFails(model, containing: ["model.safetensors"])
        try Data("not a pickle".utf8).write(to: model.appendingPathComponent("pytorch_model.bin"))
        assertLoadFails(model, containing: ["pytorch_model.bin", "safetensors"])

        let sharded = try copyOfFixture("tiny48-sharded")
        try FileManager.default.removeItem(at: sharded.appendingPathComponent("model-00002-of-00003.safetensors"))
        assertLoadFails(sharded, containing: ["model-00002-of-00003.safetensors", "incomplete"])
        try Data(#"{"weight_map": {"a": "../../etc/passwd"}}"#.utf8).write(to: sharded.appendingPathComponent("model.safetensors.index.json"))
        assertLoadFails(sharded, containing: ["plain file name"])

        let noConfig = try copyOfFixture("tiny32-visionmodel")
        try FileManager.default.removeItem(at: noConfig.appendingPathComponent("config.json"))
        assertLoadFails(noConfig, containing: ["config.json"])
    }

    func testBadHyperParametersAreRejectedBeforeAllocating() {
        XCTAssertThrowsError(try SiglipVisionConfig(json: ["hidden_size": 100, "num_attention_heads": 3])) {
            XCTAssertTrue("\($0)".contains("not divisible"))
        }
        XCTAssertThrowsError(try SiglipVisionConfig(json: ["image_size": 30, "patch_size": 16])) {
            XCTAssertTrue("\($0)".contains("multiple of patch_size"))
        }
        XCTAssertThrowsError(try SiglipVisionConfig(json: ["hidden_act": "relu"])) { XCTAssertTrue("\($0)".contains("relu")) }
        XCTAssertThrowsError(try SiglipVisionConfig(json: ["num_hidden_layers": "twelve"])) { XCTAssertTrue("\($0)".contains("integer")) }
    }
}
