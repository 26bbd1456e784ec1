import TensorCore

extension SiglipVisionClassifier {
    /// This model's vision tower (MAP head included) with a classifier for `labels`.
    ///
    /// When the model already has a classifier with the same labels it is kept. Otherwise a new one is
    /// initialised as `SiglipForImageClassification._init_weights` does (REFERENCE.md 1.3): weight
    /// normal(0, hidden_size^-0.5 · initializer_factor), bias 0. The reference draws it from an unseeded
    /// generator; here it comes from `seed`, so a run is reproducible.
    public func withClassifier(labels: [String], problemType: ProblemType?, seed: UInt64) -> SiglipVisionClassifier {
        let source = parameters.layout
        let keep = hasClassifier && labels == self.labels
        let layout = SiglipParameterLayout(config: source.config, numLabels: labels.count, hasMAPHead: source.hasMAPHead)
        let fresh = SiglipParameters(layout: layout)
        for entry in layout.entries {
            if entry.name.hasPrefix("classifier.") && !keep { continue }
            guard let old = source.entry(named: entry.name) else { continue }
            fresh.pointer(entry.offset).update(from: parameters.pointer(old.offset), count: entry.count)
        }
        if !keep {
            let factor = (config.raw["initializer_factor"] as? Double) ?? 1
            var random = SeededRandom(seed: seed)
            random.fillNormal(fresh.pointer(layout.classifierWeight), count: labels.count * source.config.hiddenSize,
                              std: Float(factor) / Float(source.config.hiddenSize).squareRoot())
        }
        var newConfig = config
        newConfig.architecture = .imageClassification
        newConfig.labels = labels
        newConfig.problemType = problemType
        return SiglipVisionClassifier(config: newConfig, preprocessor: preprocessor, parameters: fresh, labels: labels, directory: nil)
    }

    /// A deep copy of the parameters (the best model kept in memory during training).
    public func copyParameters() -> SiglipParameters {
        let copy = SiglipParameters(layout: parameters.layout)
        copy.buffer.pointer.update(from: parameters.buffer.pointer, count: parameters.layout.count)
        return copy
    }
}
