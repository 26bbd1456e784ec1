import Foundation
import TestSupport
import XCTest
@testable import Hub

/// The generated README.md: front matter, metrics, confusion matrix, labels, training options.
final class ModelCardTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sigtune-card-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(contentsOf: Fixtures.url("models/tiny32/config.json")).write(to: directory.appendingPathComponent("config.json"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func write(_ name: String, _ object: Any) throws {
        try JSONSerialization.data(withJSONObject: object).write(to: directory.appendingPathComponent(name))
    }

    func testCardFromATrainingRun() throws {
        // The shape TrainingOutput.metrics writes.
        try write("metrics.json", [
            "final": ["eval_loss": 0.25, "eval_accuracy": 0.95, "eval_f1_macro": 0.9333333, "eval_precision_macro": 0.94,
                      "eval_recall_macro": 0.93, "eval_runtime": 1.5, "split": "test", "labels": ["cat", "dog", "bird"],
                      "confusion_matrix": [[5, 0, 1], [0, 6, 0], [0, 0, 8]],
                      "per_class": [["label": "cat", "precision": 1.0, "recall": 0.8333, "f1": 0.9091, "support": 6]]] as [String: Any],
            "best_epoch": 2.0, "metric_for_best_model": "eval_loss", "selection_split": "test", "problem_type": "single_label_classification",
            "train": ["train_loss": 0.5, "global_step": 12],
            "notes": ["The best model was chosen on the test split."],
            "options": ["learning_rate": 0.0002, "num_train_epochs": 2, "per_device_train_batch_size": 4],
        ] as [String: Any])
        try write("trainer_state.json", ["num_train_epochs": 2, "train_batch_size": 4, "max_steps": 12])

        let card = ModelCard.markdown(directory: directory, repoId: "acme/cats", baseModel: "google/siglip2-base-patch16-224")
        XCTAssertTrue(card.hasPrefix("""
            ---
            library_name: transformers
            pipeline_tag: image-classification
            base_model: google/siglip2-base-patch16-224
            tags:
            - image-classification
            - siglip
            - sigtune
            metrics:
            - accuracy
            - f1
            ---

            # cats

            """), card)
        for expected in [
            "| Accuracy | 0.9500 |", "| Macro F1 | 0.9333 |", "| Macro precision | 0.9400 |", "| Loss | 0.2500 |",
            "Measured on the test split",
            "| true \\ predicted | cat | dog | bird |\n|:--|--:|--:|--:|\n| **cat** | 5 | 0 | 1 |\n| **dog** | 0 | 6 | 0 |\n| **bird** | 0 | 0 | 8 |",
            "| cat | 1.0000 | 0.8333 | 0.9091 | 6 |",
            "| id | label |\n|--:|:--|\n| 0 | cat |\n| 1 | dog |\n| 2 | bird |",
            "| learning_rate | 0.0002 |", "| per_device_train_batch_size | 4 |", "| max_steps | 12 |",
            "| metric_for_best_model | eval_loss |", "| selection_split | test |", "| global_step | 12 |",
            "- The best model was chosen on the test split.",
            "Base model: google/siglip2-base-patch16-224",
            "[google/siglip2-base-patch16-224](https://huggingface.co/google/siglip2-base-patch16-224)",
            "pipeline(\"image-classification\", model=\"acme/cats\")",
        ] {
            XCTAssertTrue(card.contains(expected), "missing:\n\(expected)\n--- in ---\n\(card)")
        }
        XCTAssertFalse(card.contains("runtime |"), "timings are not results")
        XCTAssertEqual(card.components(separatedBy: "| num_train_epochs |").count, 2, "an option is listed once")
    }

    func testBaseModelFromMetricsAndLocalPathsStayOutOfTheFrontMatter() throws {
        try write("metrics.json", ["base_model": "google/siglip-base-patch16-224"])
        XCTAssertTrue(ModelCard.markdown(directory: directory, repoId: "acme/x").contains("base_model: google/siglip-base-patch16-224\n"))

        let card = ModelCard.markdown(directory: directory, repoId: "acme/x", baseModel: "/models/local-base")
        XCTAssertFalse(card.contains("base_model:"))
        XCTAssertTrue(card.contains("Base model: /models/local-base"))
        XCTAssertFalse(card.contains("## Results"), "no metrics.json final, no results section")
    }
}
