import Foundation
import Imaging
import Inference
import SigLIP
import TensorCore
import TestSupport
import XCTest

/// Image file → logits, end to end, against transformers on the recipe's Pillow + torchvision pixels.
final class PredictorTests: XCTestCase {
    func valueImages() throws -> [String] {
        try Fixtures.manifest()["value_images"] as? [String] ?? []
    }

    func testImageFilesGiveTheReferenceLogits() throws {
        let pixels = try Fixtures.safetensors("reference/pixels_values.safetensors")
        let images = try valueImages()
        XCTAssertEqual(images.count, 7)
        for modelName in ["tiny32", "tiny48"] {
            let model = try CheckpointLoader.load(directory: Fixtures.url("models/\(modelName)"))
            let predictor = try Predictor(model: model, maxBatch: 3)  // 7 images: batches of 3, 3, 1
            let decoded = try images.map { try ImageDecoder.decodeRGB(contentsOf: Fixtures.url("images/\($0)")) }
            // The preprocessing alone is bit-identical to torchvision's.
            for (name, image) in zip(images, decoded) {
                var values = [Float](repeating: .nan, count: predictor.preprocessor.valuesPerImage)
                values.withUnsafeMutableBufferPointer { predictor.preprocessor.pixelValues(image, into: $0.baseAddress!) }
                assertTensorsClose("pixel_values/\(modelName)/\(name)", values, try pixels.floats("pixel_values/\(modelName)/\(name)"), tolerance: 0)
            }
            for (name, logits) in zip(images, predictor.logits(decoded)) {
                assertTensorsClose("logits/\(modelName)/\(name)", logits, try pixels.floats("logits/\(modelName)/\(name)"), tolerance: 1e-5)
            }
        }
    }

    func testScoresFollowTheProblemType() throws {
        let single = try Predictor(model: try CheckpointLoader.load(directory: Fixtures.url("models/tiny48")))
        let logits: [Float] = [1, 3, -2, 3, 0.5]
        let softmax = single.scores(logits: logits)
        XCTAssertEqual(softmax.reduce(0, +), 1, accuracy: 1e-6)
        let top = single.topPredictions(logits: logits, topK: 3)
        XCTAssertEqual(top.map(\.label), ["banana", "date", "apple"])  // tie at 3 keeps class order
        XCTAssertEqual(single.topPredictions(logits: logits, topK: nil).count, 5)

        let multi = try Predictor(model: try CheckpointLoader.load(directory: Fixtures.url("models/tiny32-multilabel")))
        let sigmoid = multi.scores(logits: [0, 2, -2, 10])
        XCTAssertEqual(sigmoid[0], 0.5, accuracy: 1e-7)
        XCTAssertEqual(sigmoid[1], Float(1 / (1 + exp(-2.0))), accuracy: 1e-7)
        XCTAssertGreaterThan(sigmoid.reduce(0, +), 1.5)  // independent per class, not a distribution
    }

    func testBaseModelWithoutClassifierIsRefusedWithAHint() throws {
        let model = try CheckpointLoader.load(directory: Fixtures.url("models/tiny32-siglipmodel"))
        XCTAssertThrowsError(try Predictor(model: model)) { XCTAssertTrue("\($0)".contains("fine-tune it first"), "\($0)") }
    }

    func testPreprocessorMustProduceTheModelsImageSize() {
        var config = PreprocessorConfig(imageSize: 224)
        XCTAssertThrowsError(try ImagePreprocessor(config: config, imageSize: 32)) { XCTAssertTrue("\($0)".contains("224x224"), "\($0)") }
        config.resample = 1
        XCTAssertThrowsError(try ImagePreprocessor(config: config, imageSize: 224)) { XCTAssertTrue("\($0)".contains("resample 1"), "\($0)") }
    }
}
