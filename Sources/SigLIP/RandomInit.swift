import TensorCore

extension SiglipVisionClassifier {
    /// A model with synthetic weights, for benchmarks and tests that need no checkpoint: linear and
    /// embedding weights normal(0, 0.02), LayerNorm γ = 1 and β = 0, biases 0, the classifier
    /// normal(0, C^-0.5) (the scale `SiglipForImageClassification._init_weights` uses; REFERENCE.md 1.3).
    public static func randomlyInitialized(vision: SiglipVisionConfig, numLabels: Int, seed: UInt64, withMAPHead: Bool = false) -> SiglipVisionClassifier {
        let layout = SiglipParameterLayout(config: vision, numLabels: numLabels, hasMAPHead: withMAPHead)
        let parameters = SiglipParameters(layout: layout)
        var random = SeededRandom(seed: seed)
        for entry in layout.entries {
            let p = parameters.pointer(entry.offset)
            if entry.name.hasSuffix(".bias") || entry.name.hasSuffix("_bias") {
                continue  // zero
            } else if entry.name.contains("layer_norm") || entry.name.contains("layernorm") {
                p.update(repeating: 1, count: entry.count)
            } else if entry.name == HFTensorNames.classifierWeight {
                random.fillNormal(p, count: entry.count, std: 1 / Float(vision.hiddenSize).squareRoot())
            } else {
                random.fillNormal(p, count: entry.count, std: 0.02)
            }
        }
        var raw: [String: Any] = ["model_type": "siglip", "architectures": [SiglipArchitecture.imageClassification.rawValue],
                                  "vision_config": vision.jsonObject]
        let labels = (0..<numLabels).map { "LABEL_\($0)" }
        raw["id2label"] = Dictionary(uniqueKeysWithValues: labels.enumerated().map { (String($0.offset), $0.element) })
        let config = SiglipCheckpointConfig(architecture: .imageClassification, vision: vision, labels: labels, problemType: nil, raw: raw)
        return SiglipVisionClassifier(config: config, preprocessor: PreprocessorConfig(imageSize: vision.imageSize),
                                      parameters: parameters, labels: labels, directory: nil)
    }
}
