// Multi-label evaluation metrics (one sigmoid per label) with scikit-learn 1.9's semantics on label
// indicator matrices (sklearn/metrics/_classification.py, _ranking.py).

/// The evaluation of a multi-label classifier: each sample may carry any subset of the L labels.
///
/// A label is predicted when its probability exceeds `threshold` (`y_pred = y_score > 0.5`, as the reference
/// fixture computes it; a probability of exactly 0.5 is not a prediction). Scores divided by zero are 0.
public struct MultiLabelMetrics: Codable, Equatable, Sendable {
    /// The label names, index = label id.
    public let labelNames: [String]
    /// The probability above which a label counts as predicted.
    public let threshold: Double
    /// Number of evaluated samples.
    public let sampleCount: Int
    /// F1 of the true/false positives pooled over all labels (`f1_score(average="micro")`).
    public let microF1: Double
    /// Pooled precision (`average="micro"`).
    public let microPrecision: Double
    /// Pooled recall (`average="micro"`).
    public let microRecall: Double
    /// Unweighted mean of the per-label F1 over all L labels (`average="macro"`).
    public let macroF1: Double
    /// Unweighted mean per-label precision.
    public let macroPrecision: Double
    /// Unweighted mean per-label recall.
    public let macroRecall: Double
    /// Per label: tp / (tp + fp).
    public let precision: [Double]
    /// Per label: tp / (tp + fn).
    public let recall: [Double]
    /// Per label: 2·tp / (2·tp + fp + fn).
    public let f1: [Double]
    /// Per label: how many samples carry it.
    public let support: [Int]
    /// Fraction of samples whose predicted label set equals the true set exactly (`accuracy_score`).
    public let subsetAccuracy: Double
    /// Fraction of (sample, label) decisions that are wrong (`hamming_loss`).
    public let hammingLoss: Double
    /// Per label: average precision from the probabilities, Σₙ (Rₙ − Rₙ₋₁)·Pₙ over distinct thresholds
    /// (`average_precision_score(average=None)`); 0 for a label no sample carries.
    public let averagePrecision: [Double]
    /// mAP: the unweighted mean of `averagePrecision` over **all** labels (`average_precision_score`,
    /// average="macro"). scikit-learn 1.9 counts a label without positives as AP 0 rather than leaving it out.
    public let meanAveragePrecision: Double
    /// Per label: ROC AUC from the probabilities; nil when the label is carried by every sample or by none.
    public let rocAUC: [Double?]
    /// Unweighted mean of `rocAUC` (`roc_auc_score(average="macro")`); nil as soon as one label's AUC is
    /// undefined, where scikit-learn 1.9 warns and returns NaN.
    public let rocAUCMacro: Double?

    enum CodingKeys: String, CodingKey {
        case labelNames = "label_names"
        case threshold
        case sampleCount = "num_samples"
        case microF1 = "f1_micro"
        case microPrecision = "precision_micro"
        case microRecall = "recall_micro"
        case macroF1 = "f1_macro"
        case macroPrecision = "precision_macro"
        case macroRecall = "recall_macro"
        case precision, recall, f1, support
        case subsetAccuracy = "subset_accuracy"
        case hammingLoss = "hamming_loss"
        case averagePrecision = "average_precision"
        case meanAveragePrecision = "average_precision_macro"
        case rocAUC = "roc_auc"
        case rocAUCMacro = "roc_auc_macro"
    }

    /// Computes every metric.
    ///
    /// - Parameters:
    ///   - trueLabels: per sample, L flags: does the sample carry label l.
    ///   - probabilities: per sample, L independent probabilities (sigmoid of the logits).
    ///   - threshold: a label is predicted when its probability is > this.
    ///   - labelNames: the L label names.
    /// - Precondition: as many rows in both arrays, each with L entries.
    public static func compute(trueLabels: [[Bool]], probabilities: [[Double]], threshold: Double = 0.5,
                               labelNames: [String]) -> MultiLabelMetrics {
        let labelCount = labelNames.count
        let sampleCount = trueLabels.count
        precondition(probabilities.count == sampleCount, "\(sampleCount) label rows but \(probabilities.count) probability rows")
        precondition(trueLabels.allSatisfy { $0.count == labelCount } && probabilities.allSatisfy { $0.count == labelCount },
                     "every row needs \(labelCount) entries, one per label name")
        let predicted = probabilities.map { row in row.map { $0 > threshold } }

        var counts = Array(repeating: LabelCounts(), count: labelCount)
        var exactRows = 0
        var wrongDecisions = 0
        for (truthRow, predictedRow) in zip(trueLabels, predicted) {
            if truthRow == predictedRow { exactRows += 1 }
            for l in 0..<labelCount {
                let truth = truthRow[l], prediction = predictedRow[l]
                if truth && prediction { counts[l].truePositives += 1 }
                if truth { counts[l].actual += 1 }
                if prediction { counts[l].predicted += 1 }
                if truth != prediction { wrongDecisions += 1 }
            }
        }
        let perLabel = counts.map(PrecisionRecallF1.init)
        let support = counts.map(\.actual)
        let macro = averageScores(perLabel, supports: support, weighted: false)
        let micro = PrecisionRecallF1(counts.reduce(LabelCounts(), +))

        let columns = (0..<labelCount).map { l in
            (isPositive: trueLabels.map { $0[l] }, scores: probabilities.map { $0[l] })
        }
        let averagePrecision = sampleCount == 0 ? Array(repeating: 0, count: labelCount)
            : columns.map { binaryAveragePrecision(isPositive: $0.isPositive, scores: $0.scores) }
        let rocAUC = columns.map { binaryROCAUC(isPositive: $0.isPositive, scores: $0.scores) }
        let definedAUCs = rocAUC.compactMap { $0 }

        return MultiLabelMetrics(
            labelNames: labelNames, threshold: threshold, sampleCount: sampleCount,
            microF1: micro.f1, microPrecision: micro.precision, microRecall: micro.recall,
            macroF1: macro.f1, macroPrecision: macro.precision, macroRecall: macro.recall,
            precision: perLabel.map(\.precision), recall: perLabel.map(\.recall), f1: perLabel.map(\.f1),
            support: support,
            subsetAccuracy: sampleCount == 0 ? 0 : Double(exactRows) / Double(sampleCount),
            // hamming_loss: count_nonzero(y_true − y_pred) / (n_samples · n_labels).
            hammingLoss: sampleCount * labelCount == 0 ? 0 : Double(wrongDecisions) / Double(sampleCount * labelCount),
            averagePrecision: averagePrecision, meanAveragePrecision: numpyMean(averagePrecision),
            rocAUC: rocAUC,
            rocAUCMacro: definedAUCs.count == labelCount && labelCount > 0 ? numpyMean(definedAUCs) : nil)
    }

    /// The same from multi-hot float targets (the `labels` tensor of a multi-label Hugging Face dataset).
    /// - Precondition: every target is exactly 0 or 1.
    public static func compute(multiHotLabels: [[Float]], probabilities: [[Double]], threshold: Double = 0.5,
                               labelNames: [String]) -> MultiLabelMetrics {
        let flags = multiHotLabels.map { row in
            row.map { value -> Bool in
                precondition(value == 0 || value == 1, "multi-hot targets must be 0 or 1, found \(value)")
                return value == 1
            }
        }
        return compute(trueLabels: flags, probabilities: probabilities, threshold: threshold, labelNames: labelNames)
    }

    /// Writes every key, with `null` for an undefined ROC AUC (the synthesized encoder would drop the key).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(labelNames, forKey: .labelNames)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(sampleCount, forKey: .sampleCount)
        try container.encode(microF1, forKey: .microF1)
        try container.encode(microPrecision, forKey: .microPrecision)
        try container.encode(microRecall, forKey: .microRecall)
        try container.encode(macroF1, forKey: .macroF1)
        try container.encode(macroPrecision, forKey: .macroPrecision)
        try container.encode(macroRecall, forKey: .macroRecall)
        try container.encode(precision, forKey: .precision)
        try container.encode(recall, forKey: .recall)
        try container.encode(f1, forKey: .f1)
        try container.encode(support, forKey: .support)
        try container.encode(subsetAccuracy, forKey: .subsetAccuracy)
        try container.encode(hammingLoss, forKey: .hammingLoss)
        try container.encode(averagePrecision, forKey: .averagePrecision)
        try container.encode(meanAveragePrecision, forKey: .meanAveragePrecision)
        try container.encode(rocAUC, forKey: .rocAUC)
        try container.encode(rocAUCMacro, forKey: .rocAUCMacro)
    }
}
