import Foundation
import Hub
import Inference
import SigLIP
import TensorCore
import Training

/// `sigtune train`: one fine-tune job in the foreground, with the engine the server uses.
enum TrainCommand {
    static var optionFlags: [String] { TrainingOptions.optionNames.map { $0.replacingOccurrences(of: "_", with: "-") } }

    static var usage: String {
        """
        Usage: sigtune train --data PATH --model DIR|ID --output DIR [--config job.json] [--OPTION VALUE ...]
                             [--resume CHECKPOINT_DIR] [--threads N]

        Fine-tunes a SigLIP model as the Hugging Face Trainer recipe does and writes a model directory
        (config.json, model.safetensors, preprocessor_config.json) with metrics.json and trainer_state.json.
          --data PATH       a dataset folder or .zip/.tar/.tar.gz: <class>/<image>, train/ test/ [validation/]
                            folders of them, or metadata.csv/.jsonl (see 'sigtune dataset --help')
          --model DIR|ID    the base model: a directory or a Hub id (SiglipModel, SiglipVisionModel or a classifier)
          --output DIR      where the trained model goes (checkpoints in DIR/checkpoints)
          --config FILE     a JSON object of options; flags override it
          --resume DIR      continue from a checkpoint directory (DIR/checkpoints/checkpoint-N)
          --threads N       compute threads (default: all cores)
        Options (TrainingArguments names, as --learning-rate 2e-4 or in the JSON as "learning_rate": 2e-4):
          \(TrainingOptions.optionNames.joined(separator: ", "))
        augmentation takes a JSON object, e.g. --augmentation '{"rotation_degrees": 0}'.
        """
    }

    static func run(_ words: [String]) throws -> Int32 {
        let args = try Arguments(words, valued: Set(["data", "model", "output", "config", "resume", "threads"] + optionFlags), booleans: [])
        guard args.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(args.positionals[0])'") }
        guard let data = args.string("data"), let modelPath = args.string("model"), let output = args.string("output") else {
            throw UsageError(message: "--data, --model and --output are required")
        }
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...512)
        BLAS.threads = threads
        ComputeThreads.count = threads
        let options = try loadOptions(args)

        let base = try CheckpointLoader.load(directory: try ModelLocator.resolve(modelPath, progress: TransferProgressPrinter().report))
        let preprocessor = try ImagePreprocessor(config: base.preprocessor, imageSize: base.vision.imageSize)
        let (splits, summary) = try TrainingData.prepare(directory: URL(fileURLWithPath: data), options: options, preprocessor: preprocessor)
        let progress = ProgressPrinter()
        progress.line("labels: \(summary.labels.joined(separator: ", "))")
        for notice in summary.notices { progress.line(notice) }
        for (path, reason) in summary.skipped { progress.line("skipped \(path): \(reason)") }

        let trainer = try Trainer(baseModel: base, splits: splits, options: options, outputDirectory: URL(fileURLWithPath: output))
        trainer.onEvent = progress.handle
        let result = try trainer.run(resumeFrom: args.string("resume").map { URL(fileURLWithPath: $0) })
        try TrainingOutput.write(result, options: options, to: URL(fileURLWithPath: output))
        progress.finish()

        print("best epoch \(result.state.bestEpoch.map { String(format: "%.2f", $0) } ?? "-") (\(options.metricForBestModel) \(result.state.bestMetric.map { String(format: "%.4f", $0) } ?? "-"), chosen on the \(result.selectionSplit) split)")
        print("test: " + result.test.scalars.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }.joined(separator: ", "))
        if let report = result.test.classification?.classificationReport { print(report) }
        print("model written to \(output)")
        return 0
    }

    /// The options: the --config JSON, then each --option flag on top, decoded and validated together.
    static func loadOptions(_ args: Arguments) throws -> TrainingOptions {
        var object: [String: Any] = [:]
        if let path = args.string("config") {
            guard let data = FileManager.default.contents(atPath: path) else { throw UsageError(message: "cannot read --config \(path)") }
            guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw UsageError(message: "--config \(path) must hold a JSON object")
            }
            object = json
        }
        for (flag, name) in zip(optionFlags, TrainingOptions.optionNames) {
            guard let text = args.string(flag) else { continue }
            // A flag's value is read as JSON when it parses (numbers, booleans, null, objects), else as a string.
            if let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) {
                object[name] = value
            } else {
                object[name] = text
            }
        }
        return try TrainingOptions.decode(json: try JSONSerialization.data(withJSONObject: object))
    }
}

/// Prints training progress: a live line on a terminal, plain lines (at most one a second, plus every
/// evaluation) otherwise.
final class ProgressPrinter {
    let isTerminal = isatty(STDERR_FILENO) != 0
    var lastPlainLine = 0.0
    var live = false

    func line(_ text: String) {
        if live { FileHandle.standardError.write(Data("\n".utf8)); live = false }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    func handle(_ event: TrainingEvent) {
        switch event {
        case let .started(totalSteps, stepsPerEpoch, trainSamples, selectionSplit):
            line("training: \(trainSamples) images, \(stepsPerEpoch) steps per epoch, \(totalSteps) steps; best model chosen on the \(selectionSplit) split")
        case .step(let p):
            let text = String(format: "epoch %.2f  step %d/%d  loss %.4f  lr %.3g  %.1f img/s  ETA %@",
                              p.epoch, p.step, p.totalSteps, p.loss, p.learningRate, p.imagesPerSecond, duration(p.secondsRemaining))
            if isTerminal {
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
                live = true
            } else {
                let now = Date().timeIntervalSince1970
                if now - lastPlainLine >= 1 || p.step == p.totalSteps { line(text); lastPlainLine = now }
            }
        case let .evaluated(epoch, step, scalars):
            let figures = scalars.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }.joined(separator: "  ")
            line(String(format: "eval  epoch %.2f  step %d  ", epoch, step) + figures)
        case let .checkpointSaved(path, _):
            line("checkpoint \(path)")
        case .notice(let text):
            line("note: \(text)")
        }
    }

    func finish() { if live { line("") } }

    func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "-" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
