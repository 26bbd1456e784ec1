// Threshold-free scores of one binary problem (one class against the rest, or one label of a multi-label
// problem): ROC AUC and average precision, computed along the same curves as scikit-learn 1.9
// (sklearn/metrics/_ranking.py) and summed in numpy's order, so the values agree to the last bit or so.

/// Cumulative true and false positives at each distinct score, from the highest score down
/// (`confusion_matrix_at_thresholds` / `_sort_inputs_and_compute_classification_thresholds`).
///
/// Tied scores form a single threshold: the curve jumps over the whole tie at once. That is what makes
/// the trapezoidal ROC area equal the Mann–Whitney statistic with average ranks for ties.
struct BinaryThresholdCounts {
    /// True positives among the samples scoring at least each distinct score, highest score first.
    var truePositives: [Double]
    /// False positives likewise.
    var falsePositives: [Double]

    init(isPositive: [Bool], scores: [Double]) {
        precondition(isPositive.count == scores.count, "one score per sample")
        // Descending by score. Order inside a tie does not matter: only the end of each tie is kept.
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        truePositives = []
        falsePositives = []
        var positives = 0.0
        for (rank, index) in order.enumerated() {
            if isPositive[index] { positives += 1 }
            let isLastOfTie = rank == order.count - 1 || scores[order[rank + 1]] != scores[index]
            if isLastOfTie {
                truePositives.append(positives)
                falsePositives.append(Double(rank + 1) - positives)
            }
        }
    }
}

/// Area under the ROC curve of one binary problem, or nil when `isPositive` holds only one class
/// (scikit-learn 1.9 warns and returns NaN there: `_binary_roc_auc_score`).
///
/// Reference: `roc_curve(drop_intermediate=True)` then `auc` (np.trapezoid), sklearn/metrics/_ranking.py.
func binaryROCAUC(isPositive: [Bool], scores: [Double]) -> Double? {
    let positiveCount = isPositive.lazy.filter { $0 }.count
    guard positiveCount > 0, positiveCount < isPositive.count else { return nil }
    let counts = BinaryThresholdCounts(isPositive: isPositive, scores: scores)
    var tps = counts.truePositives
    var fps = counts.falsePositives
    // drop_intermediate: keep the ends and every point where the curve bends (a non-zero second
    // difference in either coordinate). Collinear points add nothing to the area but do change the
    // rounding of the sum, so drop them as scikit-learn does.
    if fps.count > 2 {
        var keptTPs = [tps[0]]
        var keptFPs = [fps[0]]
        for i in 1..<(fps.count - 1) {
            let bendsFP = (fps[i + 1] - fps[i]) - (fps[i] - fps[i - 1]) != 0
            let bendsTP = (tps[i + 1] - tps[i]) - (tps[i] - tps[i - 1]) != 0
            if bendsFP || bendsTP {
                keptTPs.append(tps[i])
                keptFPs.append(fps[i])
            }
        }
        keptTPs.append(tps[tps.count - 1])
        keptFPs.append(fps[fps.count - 1])
        tps = keptTPs
        fps = keptFPs
    }
    tps.insert(0, at: 0)
    fps.insert(0, at: 0)
    let falsePositiveRate = fps.map { $0 / fps[fps.count - 1] }
    let truePositiveRate = tps.map { $0 / tps[tps.count - 1] }
    // np.trapezoid(y=tpr, x=fpr): Σ (x[i+1]−x[i])·(y[i+1]+y[i])/2.0, summed by numpy.
    let trapezoids = (0..<(fps.count - 1)).map { i -> Double in
        let width: Double = falsePositiveRate[i + 1] - falsePositiveRate[i]
        let heights: Double = truePositiveRate[i + 1] + truePositiveRate[i]
        return width * heights / 2.0
    }
    return numpySum(trapezoids)
}

/// Average precision of one binary problem: AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ over distinct score thresholds,
/// the step integral without interpolation.
///
/// With no positive at all, scikit-learn 1.9 sets recall to 1 at every threshold, so AP is 0 (and it
/// still counts in a macro mean). Reference: `average_precision_score` →
/// `_binary_uninterpolated_average_precision` and `precision_recall_curve`, sklearn/metrics/_ranking.py.
func binaryAveragePrecision(isPositive: [Bool], scores: [Double]) -> Double {
    let counts = BinaryThresholdCounts(isPositive: isPositive, scores: scores)
    let tps = counts.truePositives
    let fps = counts.falsePositives
    let totalPositives = tps[tps.count - 1]
    // precision_recall_curve returns the points from the lowest threshold up, closed by (P=1, R=0).
    let precision = Array(zip(tps, fps).map { tp, fp in tp + fp != 0 ? tp / (tp + fp) : 0.0 }.reversed()) + [1.0]
    let recall = Array(tps.map { totalPositives == 0 ? 1.0 : $0 / totalPositives }.reversed()) + [0.0]
    // −Σ diff(recall)·precision[:-1], clipped at 0 because it can come out as −0.0 (Python's
    // max(0.0, -0.0) is 0.0; Swift's max would return −0.0, hence the explicit comparison).
    let terms = (0..<(recall.count - 1)).map { i in (recall[i + 1] - recall[i]) * precision[i] }
    let area = -numpySum(terms)
    return area > 0 ? area : 0.0
}
