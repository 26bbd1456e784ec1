import Foundation

/// The vision tower's hyper-parameters, with every default of transformers' `SiglipVisionConfig`
/// (configuration_siglip.py; REFERENCE.md 2.1): a config.json that omits a field means the default.
public struct SiglipVisionConfig: Equatable, Sendable, Codable {
    public var hiddenSize = 768
    public var intermediateSize = 3072
    public var numHiddenLayers = 12
    public var numAttentionHeads = 12
    public var numChannels = 3
    public var imageSize = 224
    public var patchSize = 16
    public var hiddenAct = "gelu_pytorch_tanh"
    public var layerNormEps: Float = 1e-6
    public var attentionDropout: Float = 0
    public var visionUseHead = true

    public init() {}

    /// Tokens per image: (image_size / patch_size)².
    public var numPatches: Int { (imageSize / patchSize) * (imageSize / patchSize) }
    /// Per-head width.
    public var headDim: Int { hiddenSize / numAttentionHeads }

    /// Reads the fields of a `vision_config` object (or of a `siglip_vision_model` config.json).
    public init(json: [String: Any]) throws {
        func int(_ key: String, _ fallback: Int) throws -> Int {
            guard let value = json[key], !(value is NSNull) else { return fallback }
            guard let number = value as? NSNumber, number.doubleValue == number.doubleValue.rounded() else {
                throw CheckpointError.invalidConfig(field: "vision_config.\(key)", problem: "expected an integer, found \(value)")
            }
            return number.intValue
        }
        func float(_ key: String, _ fallback: Float) throws -> Float {
            guard let value = json[key], !(value is NSNull) else { return fallback }
            guard let number = value as? NSNumber else {
                throw CheckpointError.invalidConfig(field: "vision_config.\(key)", problem: "expected a number, found \(value)")
            }
            return number.floatValue
        }
        hiddenSize = try int("hidden_size", hiddenSize)
        intermediateSize = try int("intermediate_size", intermediateSize)
        numHiddenLayers = try int("num_hidden_layers", numHiddenLayers)
        numAttentionHeads = try int("num_attention_heads", numAttentionHeads)
        numChannels = try int("num_channels", numChannels)
        imageSize = try int("image_size", imageSize)
        patchSize = try int("patch_size", patchSize)
        hiddenAct = (json["hidden_act"] as? String) ?? hiddenAct
        layerNormEps = try float("layer_norm_eps", layerNormEps)
        attentionDropout = try float("attention_dropout", attentionDropout)
        visionUseHead = (json["vision_use_head"] as? Bool) ?? visionUseHead
        try validate()
    }

    /// Checks the shape constraints the forward pass relies on.
    public func validate() throws {
        func bad(_ field: String, _ problem: String) -> CheckpointError { .invalidConfig(field: "vision_config.\(field)", problem: problem) }
        for (name, value) in [("hidden_size", hiddenSize), ("intermediate_size", intermediateSize), ("num_hidden_layers", numHiddenLayers),
                              ("num_attention_heads", numAttentionHeads), ("num_channels", numChannels), ("image_size", imageSize),
                              ("patch_size", patchSize)] where value <= 0 {
            throw bad(name, "must be positive, found \(value)")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw bad("hidden_size", "\(hiddenSize) is not divisible by num_attention_heads \(numAttentionHeads)")
        }
        guard imageSize % patchSize == 0 else { throw bad("image_size", "\(imageSize) is not a multiple of patch_size \(patchSize)") }
        guard ["gelu_pytorch_tanh", "gelu_tanh"].contains(hiddenAct) else {
            throw bad("hidden_act", "'\(hiddenAct)' is not supported (SigLIP uses gelu_pytorch_tanh)")
        }
    }

    /// The config.json fields, as transformers names them.
    public var jsonObject: [String: Any] {
        ["hidden_size": hiddenSize, "intermediate_size": intermediateSize, "num_hidden_layers": numHiddenLayers,
         "num_attention_heads": numAttentionHeads, "num_channels": numChannels, "image_size": imageSize,
         "patch_size": patchSize, "hidden_act": hiddenAct, "layer_norm_eps": Double("\(layerNormEps)")!,
         "attention_dropout": Double("\(attentionDropout)")!, "vision_use_head": visionUseHead, "model_type": "siglip_vision_model"]
    }
}

/// How logits become scores and which loss trains them: transformers' `problem_type`.
public enum ProblemType: String, Sendable, Codable, CaseIterable {
    case singleLabel = "single_label_classification"
    case multiLabel = "multi_label_classification"
    case regression = "regression"
}

/// Which class a checkpoint was saved from. It decides what tensors to expect.
public enum SiglipArchitecture: String, Sendable {
    /// `SiglipModel` (model_type `siglip`): vision and text towers; the text tower is ignored.
    case siglipModel = "SiglipModel"
    /// `SiglipVisionModel` (model_type `siglip_vision_model`).
    case visionModel = "SiglipVisionModel"
    /// `SiglipForImageClassification` (model_type `siglip`, with a `classifier`).
    case imageClassification = "SiglipForImageClassification"
}

/// A checkpoint's config.json, reduced to what sigtune needs, plus the original JSON for round trips.
public struct SiglipCheckpointConfig: @unchecked Sendable {
    public var architecture: SiglipArchitecture
    public var vision: SiglipVisionConfig
    /// `id2label` in id order (empty when the config has none).
    public var labels: [String]
    /// `problem_type`, nil when the config leaves it unset (transformers infers it at the first loss).
    public var problemType: ProblemType?
    /// The parsed config.json as read.
    public var raw: [String: Any]

    public init(architecture: SiglipArchitecture, vision: SiglipVisionConfig, labels: [String], problemType: ProblemType?, raw: [String: Any]) {
        self.architecture = architecture
        self.vision = vision
        self.labels = labels
        self.problemType = problemType
        self.raw = raw
    }

    /// Parses config.json data. Supported: model_type `siglip` (SiglipModel, SiglipForImageClassification)
    /// and `siglip_vision_model`. `siglip2` (NaFlex) and anything else are refused with an explanation.
    public init(data: Data, path: String) throws {
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CheckpointError.invalidConfig(field: path, problem: "not a JSON object")
        }
        raw = json
        let modelType = json["model_type"] as? String
        let architectures = json["architectures"] as? [String] ?? []
        switch modelType {
        case "siglip":
            vision = try SiglipVisionConfig(json: json["vision_config"] as? [String: Any] ?? [:])
            architecture = architectures.contains(SiglipArchitecture.imageClassification.rawValue) ? .imageClassification : .siglipModel
        case "siglip_vision_model":
            vision = try SiglipVisionConfig(json: json)
            architecture = architectures.contains(SiglipArchitecture.imageClassification.rawValue) ? .imageClassification : .visionModel
        case "siglip2":
            throw CheckpointError.unsupportedModelType(modelType: "siglip2", hint:
                "SigLIP 2 NaFlex checkpoints (model_type siglip2, variable resolution) are not supported yet; use a fixed-resolution checkpoint such as google/siglip2-base-patch16-224 (model_type siglip)")
        case let other:
            throw CheckpointError.unsupportedModelType(modelType: other ?? "(missing)", hint:
                "sigtune loads SigLIP vision checkpoints: model_type 'siglip' (SiglipModel, SiglipForImageClassification) or 'siglip_vision_model'")
        }
        if let id2label = json["id2label"] as? [String: Any] {
            var pairs: [(Int, String)] = []
            for (key, value) in id2label {
                guard let id = Int(key), let label = value as? String else {
                    throw CheckpointError.invalidConfig(field: "id2label", problem: "expected {\"0\": \"label\", ...}, found \(key): \(value)")
                }
                pairs.append((id, label))
            }
            pairs.sort { $0.0 < $1.0 }
            guard pairs.enumerated().allSatisfy({ $0.offset == $0.element.0 }) else {
                throw CheckpointError.invalidConfig(field: "id2label", problem: "ids must be 0..<\(pairs.count) without gaps")
            }
            labels = pairs.map(\.1)
        } else {
            labels = []
        }
        if let name = json["problem_type"] as? String {
            guard let type = ProblemType(rawValue: name) else {
                throw CheckpointError.invalidConfig(field: "problem_type", problem: "'\(name)' is not one of \(ProblemType.allCases.map(\.rawValue))")
            }
            problemType = type
        } else {
            problemType = nil
        }
    }
}
