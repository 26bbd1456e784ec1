import Foundation
import TestSupport
@testable import Training
import XCTest

/// Metrics against scikit-learn 1.9.1: every case of reference/metrics_cases.json (written by
/// Tests/Fixtures/make_training_reference.py), plus hand-checked cases for the pieces underneath.
final class MetricsTests: XCTestCase {
    static let metricsFixture = "reference/metrics_cases.json"

    // MARK: - Against the reference fixture

    func testSingleLabelCasesMatchScikitLearn() throws {
        let cases = try loadMetricsCases().singleLabel
        XCTAssertFalse(cases.isEmpty, "\(Self.metricsFixture) has no single-label case")
        for reference in cases {
            let metrics = ClassificationMetrics.compute(
                trueLabels: reference.yTrue, predictedLabels: reference.yPred, probabilities: reference.yScore,
                labelNames: reference.targetNames)
            var check = NumberCheck(caseName: reference.name)
            check.same(metrics.accuracy, reference.accuracy, "accuracy")
            check.same(metrics.macroF1, reference.f1MacroLabelsRangeK, "f1_macro (labels=range(K))")
            check.same(metrics.f1MacroPresent, reference.f1MacroDefaultLabels, "f1_macro (default labels)")
            check.same(metrics.precision, reference.perClass.precision, "precision")
            check.same(metrics.recall, reference.perClass.recall, "recall")
            check.same(metrics.f1, reference.perClass.f1, "f1")
            XCTAssertEqual(metrics.support, reference.perClass.support, "\(reference.name): support")
            let macro = reference.averagesLabelsRangeK["macro"]!, weighted = reference.averagesLabelsRangeK["weighted"]!
            check.same(metrics.macroPrecision, macro.precision, "macro precision")
            check.same(metrics.macroRecall, macro.recall, "macro recall")
            check.same(metrics.macroF1, macro.f1, "macro f1")
            check.same(metrics.weightedPrecision, weighted.precision, "weighted precision")
            check.same(metrics.weightedRecall, weighted.recall, "weighted recall")
            check.same(metrics.weightedF1, weighted.f1, "weighted f1")
            check.same(metrics.rocAUCOneVsRestMacro, reference.rocAUCOvRMacro, "roc_auc_ovr_macro")
            check.same(metrics.rocAUCOneVsRestWeighted, reference.rocAUCOvRWeighted, "roc_auc_ovr_weighted")
            XCTAssertEqual(metrics.confusionMatrix, reference.confusionMatrix, "\(reference.name): confusion matrix")
            assertSameText(metrics.classificationReport, reference.classificationReportText,
                           "\(reference.name): classification_report")
            print(check)
        }
    }

    func testMultiLabelCasesMatchScikitLearn() throws {
        let cases = try loadMetricsCases().multiLabel
        XCTAssertFalse(cases.isEmpty, "\(Self.metricsFixture) has no multi-label case")
        for reference in cases {
            let metrics = MultiLabelMetrics.compute(
                trueLabels: reference.yTrue.map { $0.map { $0 == 1 } }, probabilities: reference.yScore,
                threshold: reference.threshold, labelNames: (0..<reference.K).map { "label \($0)" })
            var check = NumberCheck(caseName: reference.name)
            check.same(metrics.microF1, reference.f1Micro, "f1_micro")
            check.same(metrics.macroF1, reference.f1Macro, "f1_macro")
            check.same(metrics.precision, reference.perLabel.precision, "precision")
            check.same(metrics.recall, reference.perLabel.recall, "recall")
            check.same(metrics.f1, reference.perLabel.f1, "f1")
            XCTAssertEqual(metrics.support, reference.perLabel.support, "\(reference.name): support")
            check.same(metrics.subsetAccuracy, reference.subsetAccuracy, "subset_accuracy")
            check.same(metrics.hammingLoss, reference.hammingLoss, "hamming_loss")
            check.same(metrics.averagePrecision, reference.averagePrecisionPerLabel, "average_precision")
            check.same(metrics.meanAveragePrecision, reference.averagePrecisionMacro, "average_precision_macro")
            XCTAssertEqual(metrics.rocAUC.count, reference.rocAUCPerLabel.count, "\(reference.name): roc_auc count")
            for (l, (actual, expected)) in zip(metrics.rocAUC, reference.rocAUCPerLabel).enumerated() {
                check.same(actual, expected, "roc_auc[\(l)]")
            }
            check.same(metrics.rocAUCMacro, reference.rocAUCMacro, "roc_auc_macro")
            // The fixture's own predictions (y_score > threshold) must be the ones scored here.
            let predicted = reference.yScore.map { $0.map { $0 > reference.threshold ? 1 : 0 } }
            XCTAssertEqual(predicted, reference.yPred, "\(reference.name): thresholding differs from the fixture's y_pred")
            print(check)
        }
    }

    func testMissingFixtureNamesFileAndGenerator() {
        let message = MetricsTests.missingFixtureMessage("reference/metrics_cases.json")
        XCTAssertTrue(message.contains("reference/metrics_cases.json"))
        XCTAssertTrue(message.contains("Tests/Fixtures/make_training_reference.py"))
    }

    // MARK: - Hand-checked cases

    /// y_true = [0,1,2,2,2], y_pred = [0,0,2,2,1]; the report text is scikit-learn 1.9.1's output for it.
    func testSmallCaseByHand() {
        let metrics = ClassificationMetrics.compute(
            trueLabels: [0, 1, 2, 2, 2], predictedLabels: [0, 0, 2, 2, 1], probabilities: nil,
            labelNames: ["ant", "bee", "é"])
        XCTAssertEqual(metrics.accuracy, 0.6)
        XCTAssertEqual(metrics.confusionMatrix, [[1, 0, 0], [1, 0, 0], [0, 1, 2]])
        XCTAssertEqual(metrics.precision, [0.5, 0, 1])
        XCTAssertEqual(metrics.recall, [1, 0, 2.0 / 3.0])
        XCTAssertEqual(metrics.f1, [2.0 / 3.0, 0, 0.8])
        XCTAssertEqual(metrics.support, [1, 1, 3])
        XCTAssertNil(metrics.rocAUCOneVsRestMacro)
        let expected = "              precision    recall  f1-score   support\n\n"
            + "         ant     0.5000    1.0000    0.6667         1\n"
            + "         bee     0.0000    0.0000    0.0000         1\n"
            + "           é     1.0000    0.6667    0.8000         3\n\n"
            + "    accuracy                         0.6000         5\n"
            + "   macro avg     0.5000    0.5556    0.4889         5\n"
            + "weighted avg     0.7000    0.6000    0.6133         5\n"
        assertSameText(metrics.classificationReport, expected, "small report")
    }

    /// A class that occurs nowhere scores 0 and keeps its row, and the default macro F1 leaves it out.
    func testAbsentClassGetsZerosInsteadOfCrashing() {
        let metrics = ClassificationMetrics.compute(
            trueLabels: [0, 0, 2, 2], predictedLabels: [0, 2, 2, 2], probabilities: nil, labelNames: ["a", "b", "c"])
        XCTAssertEqual(metrics.precision[1], 0)
        XCTAssertEqual(metrics.recall[1], 0)
        XCTAssertEqual(metrics.f1[1], 0)
        XCTAssertEqual(metrics.support[1], 0)
        XCTAssertEqual(metrics.macroF1, (2.0 / 3.0 + 0 + 0.8) / 3, accuracy: 1e-15)
        XCTAssertEqual(metrics.f1MacroPresent, (2.0 / 3.0 + 0.8) / 2, accuracy: 1e-15)
        XCTAssertTrue(metrics.classificationReport.contains("           b     0.0000    0.0000    0.0000         0\n"))
    }

    /// Tied scores: ROC AUC counts a tied positive/negative pair as half (Mann–Whitney with average ranks);
    /// AP takes a tie as one threshold. Values from scikit-learn 1.9.1.
    func testRankingScoresWithTies() throws {
        let positive = [true, false, true, false]
        let scores = [0.5, 0.5, 0.8, 0.2]
        XCTAssertEqual(try XCTUnwrap(binaryROCAUC(isPositive: positive, scores: scores)), 0.875)
        XCTAssertEqual(binaryAveragePrecision(isPositive: positive, scores: scores), 0.8333333333333333)
        let positive2 = [true, false, false, true, true]
        let scores2 = [0.9, 0.8, 0.8, 0.3, 0.3]
        XCTAssertEqual(try XCTUnwrap(binaryROCAUC(isPositive: positive2, scores: scores2)), 0.3333333333333333)
        XCTAssertEqual(binaryAveragePrecision(isPositive: positive2, scores: scores2), 0.7333333333333334)
        XCTAssertNil(binaryROCAUC(isPositive: [true, true], scores: [0.1, 0.2]), "one class: undefined")
        XCTAssertEqual(binaryAveragePrecision(isPositive: [false, false], scores: [0.1, 0.2]), 0, "no positive: AP 0")
    }

    /// Python's "{:.4f}" rounds the exact binary value, ties to even.
    func testPythonFixedPointFormatting() {
        XCTAssertEqual(pythonFixed(0.03125, digits: 4), "0.0312")   // exact tie → even
        XCTAssertEqual(pythonFixed(0.00005, digits: 4), "0.0001")   // binary value is just above the tie
        XCTAssertEqual(pythonFixed(0.66665, digits: 4), "0.6666")   // just below
        XCTAssertEqual(pythonFixed(0.12345, digits: 4), "0.1235")   // just above
        XCTAssertEqual(pythonFixed(0.99995, digits: 4), "1.0000")
        XCTAssertEqual(pythonFixed(0, digits: 4), "0.0000")
    }

    /// Python pads to len(str), counted in code points: a decomposed é is 2, an emoji 1.
    func testPaddingCountsCodePoints() {
        XCTAssertEqual(pythonRightAligned("e\u{301}", width: 4), "  e\u{301}")
        XCTAssertEqual(pythonRightAligned("🐈", width: 3), "  🐈")
        XCTAssertEqual(pythonRightAligned("toolong", width: 3), "toolong")
    }

    /// numpy's pairwise summation differs from left-to-right addition; np.sum gives 78.93333333333334 here.
    func testNumpyPairwiseSum() {
        let values = (0..<37).map { 0.1 * Double($0) + 1.0 / 3.0 }
        XCTAssertEqual(numpySum(values), 78.93333333333334)
        XCTAssertEqual(values.reduce(0, +), 78.93333333333335, "left to right rounds differently")
    }

    func testMultiLabelByHand() {
        // 3 samples × 2 labels; label 1 never true. Predictions: probability > 0.5.
        let metrics = MultiLabelMetrics.compute(
            trueLabels: [[true, false], [false, false], [true, false]],
            probabilities: [[0.9, 0.6], [0.5, 0.1], [0.4, 0.2]], labelNames: ["x", "y"])
        XCTAssertEqual(metrics.support, [2, 0])
        XCTAssertEqual(metrics.precision, [1, 0])
        XCTAssertEqual(metrics.recall, [0.5, 0])
        XCTAssertEqual(metrics.subsetAccuracy, 1.0 / 3.0)   // only the second row is right (0.5 is not > 0.5)
        XCTAssertEqual(metrics.hammingLoss, 2.0 / 6.0)
        XCTAssertEqual(metrics.microF1, 2.0 * 1 / (2 + 2))  // tp 1, pred 2, true 2
        XCTAssertEqual(metrics.averagePrecision[1], 0)
        XCTAssertEqual(metrics.meanAveragePrecision, (metrics.averagePrecision[0] + 0) / 2)
        XCTAssertNil(metrics.rocAUC[1])
        XCTAssertNil(metrics.rocAUCMacro)
        let fromFloats = MultiLabelMetrics.compute(
            multiHotLabels: [[1, 0], [0, 0], [1, 0]], probabilities: [[0.9, 0.6], [0.5, 0.1], [0.4, 0.2]],
            labelNames: ["x", "y"])
        XCTAssertEqual(fromFloats, metrics)
    }

    /// The JSON uses the names a Python user expects, with null for an undefined AUC, and reads back equal.
    func testJSONKeys() throws {
        let metrics = ClassificationMetrics.compute(
            trueLabels: [0, 1, 1], predictedLabels: [0, 1, 0], probabilities: nil, labelNames: ["a", "b"])
        let data = try JSONEncoder().encode(metrics)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["accuracy", "f1_macro", "f1_macro_present_labels", "precision", "recall", "f1", "support",
                    "confusion_matrix", "roc_auc_ovr_macro", "roc_auc_ovr_weighted", "classification_report",
                    "precision_macro", "recall_macro", "precision_weighted", "recall_weighted", "f1_weighted",
                    "label_names", "num_samples"] {
            XCTAssertNotNil(object[key], "missing key \(key)")
        }
        XCTAssertTrue(object["roc_auc_ovr_macro"] is NSNull, "an undefined AUC is written as null")
        XCTAssertEqual(try JSONDecoder().decode(ClassificationMetrics.self, from: data), metrics)

        let multi = MultiLabelMetrics.compute(trueLabels: [[true, false], [false, true]],
                                              probabilities: [[0.9, 0.2], [0.3, 0.7]], labelNames: ["x", "y"])
        let multiData = try JSONEncoder().encode(multi)
        let multiObject = try XCTUnwrap(JSONSerialization.jsonObject(with: multiData) as? [String: Any])
        for key in ["f1_micro", "f1_macro", "subset_accuracy", "hamming_loss", "average_precision",
                    "average_precision_macro", "roc_auc", "roc_auc_macro", "threshold"] {
            XCTAssertNotNil(multiObject[key], "missing key \(key)")
        }
        XCTAssertEqual(try JSONDecoder().decode(MultiLabelMetrics.self, from: multiData), multi)
    }

    // MARK: - Helpers

    static func missingFixtureMessage(_ relativePath: String) -> String {
        "missing fixture Tests/Fixtures/\(relativePath); generate it with Tests/Fixtures/make_training_reference.py"
            + " (see Tests/Fixtures/README.md)"
    }

    func loadMetricsCases(file: StaticString = #filePath, line: UInt = #line) throws -> MetricsCases {
        let url = Fixtures.url(Self.metricsFixture)
        guard FileManager.default.fileExists(atPath: url.path) else {
            XCTFail(Self.missingFixtureMessage(Self.metricsFixture), file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(MetricsCases.self, from: Data(contentsOf: url))
    }

    /// Compares text byte for byte; on failure names the first differing line and shows both versions of it.
    func assertSameText(_ actual: String, _ expected: String, _ what: String,
                        file: StaticString = #filePath, line: UInt = #line) {
        guard Array(actual.utf8) != Array(expected.utf8) else { return }
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let common = min(actualLines.count, expectedLines.count)
        let index = (0..<common).first { Array(actualLines[$0].utf8) != Array(expectedLines[$0].utf8) } ?? common
        let shown = { (lines: [String]) in index < lines.count ? lines[index].debugDescription : "<no line>" }
        XCTFail("\(what): first difference on line \(index + 1) of \(expectedLines.count)\n"
                + "  expected: \(shown(expectedLines))\n  actual:   \(shown(actualLines))", file: file, line: line)
    }
}

/// Collects number comparisons: equal, or within 1e-12 relative; counts the exact ones for the log.
struct NumberCheck: CustomStringConvertible {
    let caseName: String
    var compared = 0
    var exact = 0
    var largestRelativeDifference = 0.0

    init(caseName: String) { self.caseName = caseName }

    mutating func same(_ actual: Double?, _ expected: Double?, _ what: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        compared += 1
        guard let actual, let expected else {
            XCTAssertEqual(actual == nil, expected == nil,
                           "\(caseName) \(what): \(String(describing: actual)) vs expected \(String(describing: expected))",
                           file: file, line: line)
            if actual == nil && expected == nil { exact += 1 }
            return
        }
        if actual == expected { exact += 1; return }
        let relative = abs(actual - expected) / max(abs(actual), abs(expected))
        largestRelativeDifference = max(largestRelativeDifference, relative)
        XCTAssertLessThanOrEqual(relative, 1e-12, "\(caseName) \(what): \(actual) vs expected \(expected)",
                                 file: file, line: line)
    }

    mutating func same(_ actual: [Double], _ expected: [Double], _ what: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, "\(caseName) \(what): count", file: file, line: line)
        for (i, (a, e)) in zip(actual, expected).enumerated() { same(a, e, "\(what)[\(i)]", file: file, line: line) }
    }

    var description: String {
        "\(caseName): \(compared) numbers, \(exact) bit-identical, largest relative difference \(largestRelativeDifference)"
    }
}

// MARK: - The fixture's schema (reference/metrics_cases.json)

struct MetricsCases: Decodable {
    let sklearnVersion: String
    let singleLabel: [SingleLabelCase]
    let multiLabel: [MultiLabelCase]

    enum CodingKeys: String, CodingKey {
        case sklearnVersion = "sklearn_version", singleLabel = "single_label", multiLabel = "multi_label"
    }
}

struct ReferenceScores: Decodable {
    let precision: [Double]
    let recall: [Double]
    let f1: [Double]
    let support: [Int]
}

struct ReferenceAverage: Decodable {
    let precision: Double
    let recall: Double
    let f1: Double
}

struct SingleLabelCase: Decodable {
    let name: String
    let K: Int
    let targetNames: [String]
    let yTrue: [Int]
    let yPred: [Int]
    let yScore: [[Double]]
    let accuracy: Double
    let f1MacroDefaultLabels: Double
    let f1MacroLabelsRangeK: Double
    let perClass: ReferenceScores
    let averagesLabelsRangeK: [String: ReferenceAverage]
    let confusionMatrix: [[Int]]
    let classificationReportText: String
    let rocAUCOvRMacro: Double?
    let rocAUCOvRWeighted: Double?

    enum CodingKeys: String, CodingKey {
        case name, K, accuracy
        case targetNames = "target_names", yTrue = "y_true", yPred = "y_pred", yScore = "y_score"
        case f1MacroDefaultLabels = "f1_macro_default_labels", f1MacroLabelsRangeK = "f1_macro_labels_range_K"
        case perClass = "per_class", averagesLabelsRangeK = "averages_labels_range_K"
        case confusionMatrix = "confusion_matrix", classificationReportText = "classification_report_text"
        case rocAUCOvRMacro = "roc_auc_ovr_macro", rocAUCOvRWeighted = "roc_auc_ovr_weighted"
    }
}

struct MultiLabelCase: Decodable {
    let name: String
    let K: Int
    let threshold: Double
    let yTrue: [[Int]]
    let yScore: [[Double]]
    let yPred: [[Int]]
    let f1Micro: Double
    let f1Macro: Double
    let perLabel: ReferenceScores
    let subsetAccuracy: Double
    let hammingLoss: Double
    let averagePrecisionMacro: Double
    let averagePrecisionPerLabel: [Double]
    let rocAUCPerLabel: [Double?]
    let rocAUCMacro: Double?

    enum CodingKeys: String, CodingKey {
        case name, K, threshold
        case yTrue = "y_true", yScore = "y_score", yPred = "y_pred"
        case f1Micro = "f1_micro", f1Macro = "f1_macro", perLabel = "per_label"
        case subsetAccuracy = "subset_accuracy", hammingLoss = "hamming_loss"
        case averagePrecisionMacro = "average_precision_macro", averagePrecisionPerLabel = "average_precision_per_label"
        case rocAUCPerLabel = "roc_auc_per_label", rocAUCMacro = "roc_auc_macro"
    }
}
