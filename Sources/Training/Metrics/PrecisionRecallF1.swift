// Precision, recall and F1 from per-label counts, as scikit-learn's precision_recall_fscore_support
// (sklearn/metrics/_classification.py) computes them with zero_division=0.

/// True positives, predicted positives and actual positives of one label (one column of
/// scikit-learn's `multilabel_confusion_matrix`).
struct LabelCounts: Equatable {
    var truePositives = 0
    /// tp + fp: how often the label was predicted.
    var predicted = 0
    /// tp + fn: how often the label is true (the support).
    var actual = 0

    static func + (a: LabelCounts, b: LabelCounts) -> LabelCounts {
        LabelCounts(truePositives: a.truePositives + b.truePositives,
                    predicted: a.predicted + b.predicted, actual: a.actual + b.actual)
    }
}

/// Scores of one label (or one pooled "micro" label).
struct PrecisionRecallF1: Equatable {
    var precision: Double
    var recall: Double
    var f1: Double

    /// precision = tp/(tp+fp), recall = tp/(tp+fn), F1 = 2·tp/((tp+fn)+(tp+fp)); a zero denominator gives 0
    /// (`_prf_divide` with zero_division=0). F1 is computed from counts, not from precision and recall,
    /// as scikit-learn 1.9 does (`(1+β²)·tp / (β²·true + pred)` with β=1), which matters in the last bit.
    init(_ counts: LabelCounts) {
        precision = divideOrZero(Double(counts.truePositives), Double(counts.predicted))
        recall = divideOrZero(Double(counts.truePositives), Double(counts.actual))
        f1 = divideOrZero(2 * Double(counts.truePositives), Double(counts.actual) + Double(counts.predicted))
    }

    init(precision: Double, recall: Double, f1: Double) {
        self.precision = precision
        self.recall = recall
        self.f1 = f1
    }
}

/// scikit-learn's `_prf_divide` with zero_division=0.
func divideOrZero(_ numerator: Double, _ denominator: Double) -> Double {
    denominator == 0 ? 0 : numerator / denominator
}

/// The macro average (unweighted mean over the given labels) and the support-weighted average,
/// as `precision_recall_fscore_support(average="macro"|"weighted")` reduces them (`_nanaverage`).
func averageScores(_ scores: [PrecisionRecallF1], supports: [Int], weighted: Bool) -> PrecisionRecallF1 {
    let average: ([Double]) -> Double
    if weighted {
        let weights = supports.map(Double.init)
        average = { numpyWeightedAverage($0, weights: weights) }
    } else {
        average = numpyMean
    }
    return PrecisionRecallF1(precision: average(scores.map(\.precision)), recall: average(scores.map(\.recall)),
                             f1: average(scores.map(\.f1)))
}
