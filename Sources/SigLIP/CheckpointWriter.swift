import Foundation
import TensorCore

/// Writes a model directory as `SiglipForImageClassification.save_pretrained` does, so that transformers
/// loads it: config.json, model.safetensors (F32, `{"format": "pt"}`, `vision_model.*` including the
/// MAP head, and `classifier.*`), preprocessor_config.json. Every file is written atomically.
public enum CheckpointWriter {
    /// The config.json object for a classifier built on `config` with these labels and problem type.
    /// Fields of the original config (the text tower, initializer_factor, ...) are kept; the vision config
    /// always ends up under `vision_config` of a `siglip` config, whatever the base checkpoint's class was.
    public static func configJSON(base: SiglipCheckpointConfig, labels: [String], problemType: ProblemType?) -> [String: Any] {
        var json = base.raw
        if base.raw["model_type"] as? String == "siglip_vision_model" {
            json = ["model_type": "siglip", "vision_config": base.raw.filter { $0.key != "architectures" }]
        }
        var vision = (json["vision_config"] as? [String: Any]) ?? [:]
        for (key, value) in base.vision.jsonObject { vision[key] = value }
        json["vision_config"] = vision
        json["model_type"] = "siglip"
        json["architectures"] = [SiglipArchitecture.imageClassification.rawValue]
        json["id2label"] = Dictionary(uniqueKeysWithValues: labels.enumerated().map { (String($0.offset), $0.element) })
        json["label2id"] = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0.element, $0.offset) })
        if let problemType { json["problem_type"] = problemType.rawValue } else { json.removeValue(forKey: "problem_type") }
        json["dtype"] = "float32"
        json.removeValue(forKey: "torch_dtype")
        return json
    }

    /// preprocessor_config.json for a `SiglipImageProcessor`.
    public static func preprocessorJSON(_ config: PreprocessorConfig) -> [String: Any] {
        ["image_processor_type": "SiglipImageProcessor", "processor_class": "SiglipProcessor",
         "do_resize": config.doResize, "size": ["height": config.height, "width": config.width], "resample": config.resample,
         "do_rescale": config.doRescale, "rescale_factor": config.rescaleFactor, "do_normalize": config.doNormalize,
         "image_mean": config.imageMean.map { Double("\($0)")! }, "image_std": config.imageStd.map { Double("\($0)")! },
         "do_convert_rgb": config.doConvertRGB ?? true]
    }

    /// The safetensors bytes of a model's parameters (every layout entry, HF names, F32).
    public static func weights(_ parameters: SiglipParameters) -> SafetensorsWriter {
        var writer = SafetensorsWriter()
        for entry in parameters.layout.entries {
            writer.add(entry.name, shape: entry.shape,
                       values: UnsafeBufferPointer(start: parameters.pointer(entry.offset), count: entry.count))
        }
        return writer
    }

    /// Writes `model` (with `labels` and `problemType`) into `directory`, creating it.
    public static func save(_ model: SiglipVisionClassifier, problemType: ProblemType?, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = configJSON(base: model.config, labels: model.labels, problemType: problemType)
        try AtomicFile.write(JSONWriter.data(config), to: directory.appendingPathComponent(CheckpointLoader.configFile))
        try weights(model.parameters).write(to: directory.appendingPathComponent(CheckpointLoader.weightsFile))
        try AtomicFile.write(JSONWriter.data(preprocessorJSON(model.preprocessor)),
                             to: directory.appendingPathComponent(CheckpointLoader.preprocessorFile))
    }
}
