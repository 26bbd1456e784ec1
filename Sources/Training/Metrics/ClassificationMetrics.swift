// Single-label (multiclass) evaluation metrics with scikit-learn 1.9's semantics
// (sklearn/metrics/_classification.py, _ranking.py; REFERENCE.md §5.2).

/// The evaluation of a single-label classifier over the classes `0..<K`, `K = labelNames.count`.
///
/// Every per-class array has K entries, one per class, even for a class that appears in neither the true
/// nor the predicted labels: such a class scores 0 (scikit-learn's `zero_division=0`) instead of making the
/// report crash, as `classification_report(target_names=...)` does without `labels=`. The JSON keys are the
/// names a Python user expects (`accuracy`, `f1_macro`, `confusion_matrix`, ...); a missing ROC AUC is `null`.
public struct ClassificationMetrics: Codable, Equatable, Sendable {
    /// The class names, index = class id.
    public let labelNames: [String]
    /// Number of evaluated samples.
    public let sampleCount: Int
    /// Fraction of samples whose predicted class is the true class (`accuracy_score`).
    public let accuracy: Double
    /// Unweighted mean F1 over all K classes (`f1_score(average="macro", labels=range(K))`).
    public let macroF1: Double
    /// scikit-learn's default macro F1: the mean over the classes present in the true **or** the predicted
    /// labels (`f1_score(y_true, y_pred, average="macro")` without `labels=`). Equals `macroF1` when every
    /// class occurs; the blog's notebook reports this one.
    public let f1MacroPresent: Double
    /// Unweighted mean precision over all K classes.
    public let macroPrecision: Double
    /// Unweighted mean recall over all K classes.
    public let macroRecall: Double
    /// Support-weighted mean precision (`average="weighted"`).
    public let weightedPrecision: Double
    /// Support-weighted mean recall.
    public let weightedRecall: Double
    /// Support-weighted mean F1.
    public let weightedF1: Double
    /// Per class: tp / (tp + fp), 0 when the class was never predicted.
    public let precision: [Double]
    /// Per class: tp / (tp + fn), 0 when the class never occurs.
    public let recall: [Double]
    /// Per class: 2·tp / (2·tp + fp + fn), 0 when the class neither occurs nor is predicted.
    public let f1: [Double]
    /// Per class: how many samples truly belong to it.
    public let support: [Int]
    /// `confusionMatrix[true][predicted]`: rows are true classes, columns predicted ones (`confusion_matrix`).
    public let confusionMatrix: [[Int]]
    /// One-vs-rest ROC AUC averaged without weights (`roc_auc_score(multi_class="ovr", average="macro")`).
    /// nil without probabilities, or when some class is absent from the true labels (its AUC is undefined;
    /// scikit-learn raises).
    public let rocAUCOneVsRestMacro: Double?
    /// One-vs-rest ROC AUC weighted by class prevalence (`average="weighted"`); nil as for the macro one.
    public let rocAUCOneVsRestWeighted: Double?
    /// The text of `classification_report(y_true, y_pred, labels=range(K), target_names=labelNames,
    /// digits=4, zero_division=0)`, byte for byte, ending in a newline.
    public let classificationReport: String

    enum CodingKeys: String, CodingKey {
        case labelNames = "label_names"
        case sampleCount = "num_samples"
        case accuracy
        case macroF1 = "f1_macro"
        case f1MacroPresent = "f1_macro_present_labels"
        case macroPrecision = "precision_macro"
        case macroRecall = "recall_macro"
        case weightedPrecision = "precision_weighted"
        case weightedRecall = "recall_weighted"
        case weightedF1 = "f1_weighted"
        case precision, recall, f1, support
        case confusionMatrix = "confusion_matrix"
        case rocAUCOneVsRestMacro = "roc_auc_ovr_macro"
        case rocAUCOneVsRestWeighted = "roc_auc_ovr_weighted"
        case classificationReport = "classification_report"
    }

    /// Computes every metric.
    ///
    /// - Parameters:
    ///   - trueLabels: the true class of each sample, in `0..<labelNames.count`.
    ///   - predictedLabels: the predicted class of each sample (usually the argmax of the logits).
    ///   - probabilities: per sample, K class probabilities (softmax of the logits), for ROC AUC; nil skips it.
    ///   - labelNames: the K class names.
    /// - Precondition: equal lengths, and every label in `0..<K`; these are programming errors, not data errors.
    public static func compute(trueLabels: [Int], predictedLabels: [Int], probabilities: [[Double]]?,
                               labelNames: [String]) -> ClassificationMetrics {
        let classCount = labelNames.count
        precondition(trueLabels.count == predictedLabels.count,
                     "\(trueLabels.count) true labels but \(predictedLabels.count) predictions")
        precondition(trueLabels.allSatisfy { (0..<classCount).contains($0) }
                        && predictedLabels.allSatisfy { (0..<classCount).contains($0) },
                     "labels must lie in 0..<\(classCount) (one per name in labelNames)")

        var confusion = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        for (truth, prediction) in zip(trueLabels, predictedLabels) { confusion[truth][prediction] += 1 }

        // One binary problem per class (multilabel_confusion_matrix): tp on the diagonal, the row sum is
        // the support, the column sum how often the class was predicted.
        let counts = (0..<classCount).map { c in
            LabelCounts(truePositives: confusion[c][c], predicted: confusion.reduce(0) { $0 + $1[c] },
                        actual: confusion[c].reduce(0, +))
        }
        let perClass = counts.map(PrecisionRecallF1.init)
        let support = counts.map(\.actual)
        let macro = averageScores(perClass, supports: support, weighted: false)
        let weighted = averageScores(perClass, supports: support, weighted: true)
        // Pooled over all classes, micro F1 = 2·Σtp / (N + N) = accuracy; the report prints this value.
        let micro = PrecisionRecallF1(counts.reduce(LabelCounts(), +))

        let present = (0..<classCount).filter { counts[$0].actual > 0 || counts[$0].predicted > 0 }
        let f1MacroPresent = numpyMean(present.map { perClass[$0].f1 })

        let correct = zip(trueLabels, predictedLabels).lazy.filter { $0 == $1 }.count
        let accuracy = trueLabels.isEmpty ? 0 : Double(correct) / Double(trueLabels.count)

        let rocAUC = probabilities.flatMap {
            oneVsRestROCAUC(trueLabels: trueLabels, probabilities: $0, classCount: classCount, support: support)
        }
        let report = formatClassificationReport(
            labelNames: labelNames, perClass: perClass, support: support,
            accuracy: micro.f1, macro: macro, weighted: weighted)

        return ClassificationMetrics(
            labelNames: labelNames, sampleCount: trueLabels.count, accuracy: accuracy,
            macroF1: macro.f1, f1MacroPresent: f1MacroPresent,
            macroPrecision: macro.precision, macroRecall: macro.recall,
            weightedPrecision: weighted.precision, weightedRecall: weighted.recall, weightedF1: weighted.f1,
            precision: perClass.map(\.precision), recall: perClass.map(\.recall), f1: perClass.map(\.f1),
            support: support, confusionMatrix: confusion,
            rocAUCOneVsRestMacro: rocAUC?.macro, rocAUCOneVsRestWeighted: rocAUC?.weighted,
            classificationReport: report)
    }

    /// Writes every key, with `null` for a missing ROC AUC (the synthesized encoder would drop the key).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(labelNames, forKey: .labelNames)
        try container.encode(sampleCount, forKey: .sampleCount)
        try container.encode(accuracy, forKey: .accuracy)
        try container.encode(macroF1, forKey: .macroF1)
        try container.encode(f1MacroPresent, forKey: .f1MacroPresent)
        try container.encode(macroPrecision, forKey: .macroPrecision)
        try container.encode(macroRecall, forKey: .macroRecall)
        try container.encode(weightedPrecision, forKey: .weightedPrecision)
        try container.encode(weightedRecall, forKey: .weightedRecall)
        try container.encode(weightedF1, forKey: .weightedF1)
        try container.encode(precision, forKey: .precision)
        try container.encode(recall, forKey: .recall)
        try container.encode(f1, forKey: .f1)
        try container.encode(support, forKey: .support)
        try container.encode(confusionMatrix, forKey: .confusionMatrix)
        try container.encode(rocAUCOneVsRestMacro, forKey: .rocAUCOneVsRestMacro)
        try container.encode(rocAUCOneVsRestWeighted, forKey: .rocAUCOneVsRestWeighted)
        try container.encode(classificationReport, forKey: .classificationReport)
    }
}

/// One-vs-rest ROC AUC: class c's probability column scores "c" against every other class, and the K
/// areas are averaged (`_multiclass_roc_auc_score` → `_average_binary_score`, sklearn/metrics/_ranking.py).
///
/// nil when some class never occurs in `trueLabels`: its area is undefined, and scikit-learn raises
/// ("Number of classes in y_true not equal to the number of columns in 'y_score'"). scikit-learn also
/// insists that each row sums to 1; that is the caller's softmax, not checked here.
/// For K = 2 scikit-learn refuses the [N, 2] scores ("y should be a 1d array") and the binary AUC is
/// `roc_auc_score(y_true, y_score[:, 1])`; both averages are that value here.
private func oneVsRestROCAUC(trueLabels: [Int], probabilities: [[Double]], classCount: Int,
                             support: [Int]) -> (macro: Double, weighted: Double)? {
    precondition(probabilities.count == trueLabels.count, "one probability row per sample")
    precondition(probabilities.allSatisfy { $0.count == classCount }, "each probability row needs \(classCount) entries")
    guard classCount >= 2, support.allSatisfy({ $0 > 0 }) else { return nil }
    if classCount == 2 {
        guard let area = binaryROCAUC(isPositive: trueLabels.map { $0 == 1 }, scores: probabilities.map { $0[1] })
        else { return nil }
        return (area, area)
    }
    var areas: [Double] = []
    for c in 0..<classCount {
        guard let area = binaryROCAUC(isPositive: trueLabels.map { $0 == c }, scores: probabilities.map { $0[c] })
        else { return nil }
        areas.append(area)
    }
    return (numpyMean(areas), numpyWeightedAverage(areas, weights: support.map(Double.init)))
}
