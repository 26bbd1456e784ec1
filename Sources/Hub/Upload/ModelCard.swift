import Foundation

/// The README.md pushed with a model: YAML front matter the Hub indexes (library, task, base model,
/// tags), then what the run measured, read from the model directory's own files.
public enum ModelCard {
    /// The card for the model in `directory`. Reads config.json (labels), metrics.json (`final` test
    /// metrics, confusion matrix, selection details, notes) and trainer_state.json when present; a
    /// missing file just leaves its section out.
    public static func markdown(directory: URL, repoId: String, baseModel: String? = nil,
                                endpoint: String = HubEnvironment.defaultEndpoint) -> String {
        let config = readJSON(directory, ModelFiles.config)
        let metrics = readJSON(directory, "metrics.json")
        let state = readJSON(directory, "trainer_state.json")
        let base = baseModel ?? metrics["base_model"] as? String ?? state["base_model"] as? String ?? config["_name_or_path"] as? String
        let baseID = base.flatMap { (try? RepoID($0, requireNamespace: true))?.description }
        let labels = Self.labels(config)
        let final = metrics["final"] as? [String: Any] ?? [:]

        var text = "---\nlibrary_name: transformers\npipeline_tag: image-classification\n"
        if let baseID { text += "base_model: \(baseID)\n" }
        text += "tags:\n- image-classification\n- siglip\n- sigtune\n"
        if final["eval_accuracy"] != nil || final["eval_f1_macro"] != nil { text += "metrics:\n- accuracy\n- f1\n" }
        text += "---\n\n# \(repoId.split(separator: "/").last.map(String.init) ?? repoId)\n\n"

        let task = (config["problem_type"] as? String) == "multi_label_classification" ? "multi-label image classification" : "image classification"
        let from = baseID.map { "[\($0)](\(endpoint)/\($0))" } ?? base.map { "`\($0)`" } ?? "a SigLIP checkpoint"
        text += "A SigLIP image classifier (`SiglipForImageClassification`) for \(task) into \(labels.count) classes, "
            + "fine-tuned from \(from) with sigtune, which reproduces the Hugging Face `Trainer` recipe.\n\n"
        text += "Base model: \(baseID ?? base ?? "unknown")\n\n"

        text += results(final, metrics: metrics, labels: labels)
        if !labels.isEmpty {
            text += "## Labels\n\n| id | label |\n|--:|:--|\n"
            for (index, label) in labels.enumerated() { text += "| \(index) | \(cell(label)) |\n" }
            text += "\n"
        }
        text += training(metrics: metrics, state: state)
        if let notes = metrics["notes"] as? [String], !notes.isEmpty {
            text += "## Notes\n\n" + notes.map { "- \($0)\n" }.joined() + "\n"
        }
        text += "## Usage\n\n```python\nfrom transformers import pipeline\n\n"
            + "classifier = pipeline(\"image-classification\", model=\"\(repoId)\")\nprint(classifier(\"image.jpg\"))\n```\n"
        return text
    }

    /// Metric keys in the order a reader expects them, with readable names.
    static let metricNames: [(key: String, name: String)] = [
        ("eval_accuracy", "Accuracy"), ("eval_f1_macro", "Macro F1"), ("eval_precision_macro", "Macro precision"),
        ("eval_recall_macro", "Macro recall"), ("eval_f1_weighted", "Weighted F1"), ("eval_f1_micro", "Micro F1"),
        ("eval_roc_auc_ovr_macro", "ROC AUC (one-vs-rest, macro)"), ("eval_subset_accuracy", "Subset accuracy"),
        ("eval_hamming_loss", "Hamming loss"), ("eval_loss", "Loss"),
    ]

    static func results(_ final: [String: Any], metrics: [String: Any], labels: [String]) -> String {
        var rows: [(String, String)] = []
        for (key, name) in metricNames { if let value = number(final[key]) { rows.append((name, format(value))) } }
        let known = Set(metricNames.map(\.key))
        for key in final.keys.sorted() where !known.contains(key) && !key.contains("runtime") && !key.contains("per_second") {
            if let value = number(final[key]) { rows.append((key.hasPrefix("eval_") ? String(key.dropFirst(5)) : key, format(value))) }
        }
        var text = ""
        if !rows.isEmpty {
            let split = final["split"] as? String ?? "test"
            text += "## Results\n\nMeasured on the \(split) split with the kept model.\n\n| Metric | Value |\n|:--|--:|\n"
            for (name, value) in rows { text += "| \(name) | \(value) |\n" }
            text += "\n"
        }
        if let perClass = final["per_class"] as? [[String: Any]], !perClass.isEmpty {
            text += "### Per class\n\n| Label | Precision | Recall | F1 | Support |\n|:--|--:|--:|--:|--:|\n"
            for row in perClass {
                let values = ["precision", "recall", "f1"].map { number(row[$0]).map(format) ?? "" }
                text += "| \(cell(row["label"] as? String ?? "")) | \(values.joined(separator: " | ")) | \(number(row["support"]).map { String(Int($0)) } ?? "") |\n"
            }
            text += "\n"
        }
        if let matrix = final["confusion_matrix"] as? [[Any]], !matrix.isEmpty {
            let names = (final["labels"] as? [String]) ?? (labels.count == matrix.count ? labels : matrix.indices.map(String.init))
            text += "### Confusion matrix\n\nRows are the true labels, columns the predicted ones.\n\n"
            text += "| true \\ predicted | " + names.map(cell).joined(separator: " | ") + " |\n"
            text += "|:--|" + String(repeating: "--:|", count: names.count) + "\n"
            for (index, row) in matrix.enumerated() {
                let name = index < names.count ? names[index] : String(index)
                text += "| **\(cell(name))** | " + row.map { number($0).map { String(Int($0)) } ?? "" }.joined(separator: " | ") + " |\n"
            }
            text += "\n"
        }
        return text
    }

    static func training(metrics: [String: Any], state: [String: Any]) -> String {
        var rows: [(String, String)] = []
        let options = metrics["options"] as? [String: Any] ?? metrics["training_options"] as? [String: Any] ?? [:]
        for key in options.keys.sorted() { rows.append((key, plain(options[key]!))) }
        let fromState: [(String, String)] = [("num_train_epochs", "num_train_epochs"), ("train_batch_size", "per_device_train_batch_size"),
                                             ("max_steps", "max_steps")]
        for (key, name) in fromState where options[name] == nil { if let value = state[key] { rows.append((name, plain(value))) } }
        for key in ["metric_for_best_model", "selection_split", "best_epoch", "problem_type"] where options[key] == nil {
            if let value = metrics[key], !(value is NSNull) { rows.append((key, plain(value))) }
        }
        if let train = metrics["train"] as? [String: Any] {
            for key in ["train_loss", "train_runtime"] { if let value = number(train[key]) { rows.append((key, format(value))) } }
            if let steps = train["global_step"] { rows.append(("global_step", plain(steps))) }
        }
        guard !rows.isEmpty else { return "" }
        return "## Training\n\n| Option | Value |\n|:--|:--|\n" + rows.map { "| \($0.0) | \(cell($0.1)) |\n" }.joined() + "\n"
    }

    /// id2label in id order.
    static func labels(_ config: [String: Any]) -> [String] {
        guard let map = config["id2label"] as? [String: Any] else { return [] }
        return map.compactMap { key, value in Int(key).map { ($0, value as? String ?? "\(value)") } }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    static func readJSON(_ directory: URL, _ name: String) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    static func number(_ value: Any?) -> Double? {
        guard let value, !(value is NSNull), !(value is String) else { return nil }
        return (value as? NSNumber)?.doubleValue
    }

    /// Four decimals: enough to compare runs, short enough to read.
    static func format(_ value: Double) -> String { String(format: "%.4f", value) }

    /// A JSON value as written in a config (strings bare).
    static func plain(_ value: Any) -> String {
        if let text = value as? String { return text }
        guard let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .withoutEscapingSlashes]),
              let text = String(data: data, encoding: .utf8) else { return "\(value)" }
        return String(text.dropFirst().dropLast())
    }

    /// Text made safe for a Markdown table cell.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
