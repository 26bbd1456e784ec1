import Foundation
import TensorCore

/// A SigLIP vision model loaded from a Hugging Face model directory: its config, preprocessing and weights.
public final class SiglipVisionClassifier: @unchecked Sendable {
    public let config: SiglipCheckpointConfig
    public let preprocessor: PreprocessorConfig
    public let parameters: SiglipParameters
    /// Class names in id order (`id2label`, or LABEL_i when the config has none). Empty without a classifier.
    public let labels: [String]
    /// The directory it was loaded from.
    public let directory: URL?

    public var vision: SiglipVisionConfig { config.vision }
    public var hasClassifier: Bool { parameters.layout.numLabels > 0 }
    /// The problem type used for scores: the config's, or what transformers infers for integer labels.
    public var problemType: ProblemType {
        config.problemType ?? (parameters.layout.numLabels == 1 ? .regression : .singleLabel)
    }

    public init(config: SiglipCheckpointConfig, preprocessor: PreprocessorConfig, parameters: SiglipParameters, labels: [String], directory: URL?) {
        self.config = config
        self.preprocessor = preprocessor
        self.parameters = parameters
        self.labels = labels
        self.directory = directory
    }
}

/// Reads Hugging Face model directories: config.json, model.safetensors or a sharded
/// model.safetensors.index.json, and preprocessor_config.json.
public enum CheckpointLoader {
    public static let configFile = "config.json"
    public static let weightsFile = "model.safetensors"
    public static let shardIndexFile = "model.safetensors.index.json"
    public static let preprocessorFile = "preprocessor_config.json"

    /// Loads `directory`. Tensors of the text tower (`text_model.*`, `logit_scale`, `logit_bias`) are ignored;
    /// every vision tensor the config implies must be present with the right shape.
    public static func load(directory: URL) throws -> SiglipVisionClassifier {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CheckpointError.missingFile(path: directory.path, hint: "expected a model directory (config.json, model.safetensors, preprocessor_config.json)")
        }
        let configURL = directory.appendingPathComponent(configFile)
        guard let configData = fm.contents(atPath: configURL.path) else {
            throw CheckpointError.missingFile(path: configURL.path, hint: "a Hugging Face model directory has a config.json")
        }
        let config = try SiglipCheckpointConfig(data: configData, path: configURL.path)

        let preprocessorURL = directory.appendingPathComponent(preprocessorFile)
        let preprocessor: PreprocessorConfig
        if let data = fm.contents(atPath: preprocessorURL.path) {
            preprocessor = try PreprocessorConfig(data: data, path: preprocessorURL.path)
        } else {
            preprocessor = PreprocessorConfig(imageSize: config.vision.imageSize)
        }

        let files = try weightFiles(in: directory)
        let opened = try files.map { try SafetensorsFile(url: $0) }
        var locations: [String: (file: SafetensorsFile, info: TensorInfo)] = [:]
        for file in opened {
            for tensor in file.tensors { locations[tensor.name] = (file, tensor) }
        }

        // Which prefix the vision tensors carry, and whether the optional parts are present.
        guard let prefix = HFTensorNames.visionPrefixCandidates.first(where: { locations[$0 + HFTensorNames.patchEmbeddingWeight] != nil }) else {
            throw CheckpointError.missingTensor(name: HFTensorNames.visionPrefix + HFTensorNames.patchEmbeddingWeight, file: files.first?.path ?? directory.path)
        }
        let hasHead = locations[prefix + "head.probe"] != nil
        var numLabels = 0
        if let classifier = locations[HFTensorNames.classifierWeight] {
            guard classifier.info.shape.count == 2 else {
                throw CheckpointError.shapeMismatch(name: HFTensorNames.classifierWeight, file: classifier.file.path,
                                                    expected: [config.labels.count, config.vision.hiddenSize], found: classifier.info.shape)
            }
            numLabels = classifier.info.shape[0]
            if !config.labels.isEmpty && config.labels.count != numLabels {
                throw CheckpointError.invalidConfig(field: "id2label", problem: "has \(config.labels.count) labels but classifier.weight has \(numLabels) rows")
            }
        }
        let layout = SiglipParameterLayout(config: config.vision, numLabels: numLabels, hasMAPHead: hasHead)
        let parameters = SiglipParameters(layout: layout)
        for entry in layout.entries {
            let storedName = entry.name.hasPrefix(HFTensorNames.visionPrefix)
                ? prefix + entry.name.dropFirst(HFTensorNames.visionPrefix.count) : entry.name
            guard let location = locations[storedName] else {
                throw CheckpointError.missingTensor(name: storedName, file: files.count == 1 ? files[0].path : directory.appendingPathComponent(shardIndexFile).path)
            }
            guard location.info.shape == entry.shape else {
                throw CheckpointError.shapeMismatch(name: storedName, file: location.file.path, expected: entry.shape, found: location.info.shape)
            }
            try location.file.readFloats(location.info, into: parameters.pointer(entry.offset))
        }
        let labels = numLabels == 0 ? [] : (config.labels.isEmpty ? (0..<numLabels).map { "LABEL_\($0)" } : config.labels)
        return SiglipVisionClassifier(config: config, preprocessor: preprocessor, parameters: parameters, labels: labels, directory: directory)
    }

    /// model.safetensors, or the shards a model.safetensors.index.json names.
    static func weightFiles(in directory: URL) throws -> [URL] {
        let fm = FileManager.default
        let single = directory.appendingPathComponent(weightsFile)
        if fm.fileExists(atPath: single.path) { return [single] }
        let indexURL = directory.appendingPathComponent(shardIndexFile)
        guard let data = fm.contents(atPath: indexURL.path) else {
            let hasBin = fm.fileExists(atPath: directory.appendingPathComponent("pytorch_model.bin").path)
            throw CheckpointError.missingFile(path: single.path, hint: hasBin
                ? "only pytorch_model.bin is present; sigtune reads safetensors: re-save with save_pretrained(safe_serialization=True)"
                : "no model.safetensors or model.safetensors.index.json in \(directory.path)")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let weightMap = json["weight_map"] as? [String: String] else {
            throw CheckpointError.invalidIndex(path: indexURL.path, problem: "expected a JSON object with a \"weight_map\" of tensor name → shard file")
        }
        var shards: [String] = []
        for name in Set(weightMap.values).sorted() {
            guard !name.isEmpty, !name.contains("/"), name != "..", name != "." else {
                throw CheckpointError.invalidIndex(path: indexURL.path, problem: "shard name '\(name)' must be a plain file name in the model directory")
            }
            guard fm.fileExists(atPath: directory.appendingPathComponent(name).path) else {
                throw CheckpointError.missingFile(path: directory.appendingPathComponent(name).path, hint: "the shard index lists it; the download may be incomplete")
            }
            shards.append(name)
        }
        guard !shards.isEmpty else { throw CheckpointError.invalidIndex(path: indexURL.path, problem: "weight_map is empty") }
        return shards.map { directory.appendingPathComponent($0) }
    }
}
