// The text of scikit-learn's classification_report (sklearn/metrics/_classification.py,
// `classification_report`, output_dict=False), reproduced byte for byte for digits=4.

/// Formats the report of a single-label evaluation:
///
/// ```
///               precision    recall  f1-score   support      ← header, then a blank line
///          cat     0.5000    1.0000    0.6667         2      ← one row per class
///                                                            ← blank line
///     accuracy                         0.7500         4      ← only the f1 column, plus the total
///    macro avg     ...
/// weighted avg     ...
/// ```
///
/// The name column is `max(longest name, len("weighted avg"), digits)` wide, counted in code points as
/// Python's `len` counts; every number column is 9 wide and preceded by a space; every line ends in "\n".
/// The accuracy row's f1 column holds the micro-averaged F1 (which equals accuracy here).
func formatClassificationReport(labelNames: [String], perClass: [PrecisionRecallF1], support: [Int],
                                accuracy: Double, macro: PrecisionRecallF1, weighted: PrecisionRecallF1,
                                digits: Int = 4) -> String {
    let widestName = labelNames.map { $0.unicodeScalars.count }.max() ?? 0
    let width = max(widestName, "weighted avg".count, digits)
    let column = { (text: String) in " " + pythonRightAligned(text, width: 9) }
    let number = { (value: Double) in column(pythonFixed(value, digits: digits)) }
    let heading = { (name: String) in pythonRightAligned(name, width: width) + " " }
    let row = { (name: String, scores: PrecisionRecallF1, support: Int) in
        heading(name) + number(scores.precision) + number(scores.recall) + number(scores.f1)
            + column(String(support)) + "\n"
    }

    var report = heading("") + ["precision", "recall", "f1-score", "support"].map(column).joined() + "\n\n"
    for (index, name) in labelNames.enumerated() {
        report += row(name, perClass[index], support[index])
    }
    report += "\n"
    let total = support.reduce(0, +)
    report += heading("accuracy") + column("") + column("") + number(accuracy) + column(String(total)) + "\n"
    report += row("macro avg", macro, total)
    report += row("weighted avg", weighted, total)
    return report
}
