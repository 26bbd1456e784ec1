import Foundation
import Hub
import Imaging
import Inference
import SigLIP
import TensorCore

/// `sigtune predict`: classify image files, one JSON object per line per image, in input order.
enum PredictCommand {
    static let usage = """
    Usage: sigtune predict --model DIR|ID IMAGE... [--top-k K] [--logits] [--batch N] [--pillow-11-resize]

    Classifies PNG and JPEG files with a model directory (config.json, model.safetensors,
    preprocessor_config.json, as save_pretrained writes it) and prints one JSON object per image:
      {"image": PATH, "predictions": [{"label": ..., "score": ...}, ...], "logits": [...]}
    Scores are softmax probabilities for single-label models and per-class sigmoids for
    multi_label_classification. An image that cannot be read gets {"image": PATH, "error": ...};
    the others are still classified and the exit status is 1.
      --model DIR|ID      the model directory, or a Hub id (namespace/name) fetched into the HF cache
      --top-k K           how many classes to list (default 5; 0 lists all)
      --logits            include the raw logits
      --batch N           images per forward (default 8)
      --pillow-11-resize  resize with Pillow ≤ 12.1's pass order instead of Pillow 13's
    """

    static func run(_ words: [String]) throws -> Int32 {
        let args = try Arguments(words, valued: ["model", "top-k", "batch"], booleans: ["logits", "pillow-11-resize"])
        guard let modelPath = args.string("model") else { throw UsageError(message: "--model DIR is required") }
        guard !args.positionals.isEmpty else { throw UsageError(message: "name at least one image file") }
        let topK = try args.int("top-k", default: 5, range: 0...Int.max)
        let batch = try args.int("batch", default: 8, range: 1...1024)
        let model = try CheckpointLoader.load(directory: try ModelLocator.resolve(modelPath, progress: TransferProgressPrinter().report))
        let predictor = try Predictor(model: model, maxBatch: batch, passOrder: args.has("pillow-11-resize") ? .pillow11 : .pillow13)

        var failures = 0
        var index = 0
        let paths = args.positionals
        while index < paths.count {
            let chunk = Array(paths[index..<min(paths.count, index + batch)])
            index += chunk.count
            var decoded: [(path: String, image: RGBImage)] = []
            var errors: [String: String] = [:]
            for path in chunk {
                do { decoded.append((path, try ImageDecoder.decodeRGB(contentsOf: URL(fileURLWithPath: path)))) }
                catch { errors[path] = "\(error)"; failures += 1 }
            }
            let logits = predictor.logits(decoded.map(\.image))
            var byPath: [String: [Float]] = [:]
            for (item, row) in zip(decoded, logits) { byPath[item.path] = row }
            for path in chunk {
                if let error = errors[path] {
                    print(JSONOutput.line(["image": path, "error": error]))
                    continue
                }
                let row = byPath[path]!
                var object: [String: Any] = [
                    "image": path,
                    "predictions": predictor.topPredictions(logits: row, topK: topK == 0 ? nil : topK).map {
                        ["label": $0.label, "score": JSONOutput.number($0.score)] as [String: Any]
                    },
                ]
                if args.has("logits") { object["logits"] = row.map(JSONOutput.number) }
                print(JSONOutput.line(object))
            }
        }
        return failures == 0 ? 0 : 1
    }
}
