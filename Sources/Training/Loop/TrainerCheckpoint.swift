import Foundation
import SigLIP
import TensorCore

/// Checkpoints: `checkpoints/checkpoint-{step}/` with the weights (model.safetensors, HF names), the AdamW
/// moments (optimizer.safetensors) and trainer_state.json (position, generator, best model, history).
/// A checkpoint directory appears only complete: it is written under a temporary name and renamed.
extension Trainer {
    static let optimizerFile = "optimizer.safetensors"
    static let stateFile = "trainer_state.json"

    static func checkpointName(step: Int) -> String { "checkpoint-\(step)" }

    /// The saved form of the state, with what a resume must check.
    struct SavedState: Codable {
        var state: TrainerState
        var labels: [String]
        var options: TrainingOptions
        var optimizerSteps: Int
    }

    @discardableResult
    func saveCheckpoint() throws -> String {
        let name = Trainer.checkpointName(step: state.globalStep)
        let fm = FileManager.default
        try fm.createDirectory(at: checkpointsDirectory, withIntermediateDirectories: true)
        let final = checkpointsDirectory.appendingPathComponent(name)
        let partial = checkpointsDirectory.appendingPathComponent(name + ".partial" + AtomicFile.temporarySuffix)
        try? fm.removeItem(at: partial)
        try fm.createDirectory(at: partial, withIntermediateDirectories: true)
        try CheckpointWriter.weights(model.parameters).write(to: partial.appendingPathComponent(CheckpointLoader.weightsFile))
        var moments = SafetensorsWriter(metadata: ["step": String(optimizer.stepCount)])
        for segment in optimizer.segments {
            moments.add("exp_avg/" + segment.name, shape: [segment.count],
                        values: UnsafeBufferPointer(start: optimizer.firstMoments.pointer + segment.offset, count: segment.count))
            moments.add("exp_avg_sq/" + segment.name, shape: [segment.count],
                        values: UnsafeBufferPointer(start: optimizer.secondMoments.pointer + segment.offset, count: segment.count))
        }
        try moments.write(to: partial.appendingPathComponent(Trainer.optimizerFile))
        if !state.checkpoints.contains(name) { state.checkpoints.append(name) }
        try saveTrainerState(in: partial)
        if fm.fileExists(atPath: final.path) { try fm.removeItem(at: final) }
        try fm.moveItem(at: partial, to: final)
        AtomicFile.syncDirectory(checkpointsDirectory.path)
        onEvent(.checkpointSaved(path: final.path, step: state.globalStep))
        return name
    }

    func saveTrainerState(in directory: URL) throws {
        let saved = SavedState(state: state, labels: splits.labels, options: options, optimizerSteps: optimizer.stepCount)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(saved), to: directory.appendingPathComponent(Trainer.stateFile))
    }

    /// Continues from a checkpoint written by `saveCheckpoint`: weights, moments, step and generator.
    func restore(from directory: URL) throws {
        func fail(_ problem: String) -> TrainingError { .invalidCheckpoint(path: directory.path, problem: problem) }
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(Trainer.stateFile).path) else {
            throw fail("no \(Trainer.stateFile) (not a sigtune checkpoint, or an incomplete one)")
        }
        let saved: SavedState
        do { saved = try JSONDecoder().decode(SavedState.self, from: data) } catch { throw fail("\(Trainer.stateFile) is unreadable: \(error)") }
        guard saved.labels == splits.labels else { throw fail("it was trained on labels \(saved.labels), this run has \(splits.labels)") }
        try loadWeights(from: directory, into: model.parameters)
        let moments = try SafetensorsFile(url: directory.appendingPathComponent(Trainer.optimizerFile))
        for segment in optimizer.segments {
            for (prefix, buffer) in [("exp_avg/", optimizer.firstMoments), ("exp_avg_sq/", optimizer.secondMoments)] {
                guard let info = moments.info(prefix + segment.name), info.elementCount == segment.count else {
                    throw fail("optimizer state for \(segment.name) is missing or has the wrong size (was the train_mode different?)")
                }
                try moments.readFloats(info, into: buffer.pointer + segment.offset)
            }
        }
        optimizer.restore(stepCount: saved.optimizerSteps)
        state = saved.state
        bestParameters = nil  // reloaded from the best checkpoint when needed
    }

    func loadWeights(from directory: URL, into parameters: SiglipParameters) throws {
        let file = try SafetensorsFile(url: directory.appendingPathComponent(CheckpointLoader.weightsFile))
        for entry in parameters.layout.entries {
            guard let info = file.info(entry.name), info.shape == entry.shape else {
                throw TrainingError.invalidCheckpoint(path: directory.path, problem: "tensor \(entry.name) is missing or has another shape")
            }
            try file.readFloats(info, into: parameters.pointer(entry.offset))
        }
    }

    /// The best model's weights from its checkpoint (after a resume, the in-memory copy is gone).
    func loadBestFromCheckpoint() throws -> SiglipParameters? {
        guard let name = state.bestCheckpoint else { return nil }
        let directory = checkpointsDirectory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: directory.path) else { return nil }
        let parameters = SiglipParameters(layout: model.parameters.layout)
        try loadWeights(from: directory, into: parameters)
        return parameters
    }

    /// `save_total_limit`: keeps the newest and the best checkpoints, then the newest others up to the
    /// limit; deletes the oldest (Trainer `_rotate_checkpoints`).
    func rotateCheckpoints() throws {
        guard let limit = options.saveTotalLimit else { return }
        let protected = Set([state.checkpoints.last, state.bestCheckpoint].compactMap { $0 })
        let keep = max(limit, protected.count)
        var remaining = state.checkpoints
        while remaining.count > keep, let victim = remaining.first(where: { !protected.contains($0) }) {
            try? FileManager.default.removeItem(at: checkpointsDirectory.appendingPathComponent(victim))
            remaining.removeAll { $0 == victim }
        }
        state.checkpoints = remaining
    }
}

extension Trainer {
    /// The newest complete checkpoint under `outputDirectory/checkpoints` (highest step with a readable
    /// trainer_state.json), for resuming after a crash or a restart. Partial directories are ignored.
    public static func latestCheckpoint(in outputDirectory: URL) -> URL? {
        let directory = outputDirectory.appendingPathComponent("checkpoints")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let steps = names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("checkpoint-"), let step = Int(name.dropFirst("checkpoint-".count)) else { return nil }
            return (step, name)
        }
        for (_, name) in steps.sorted(by: { $0.0 > $1.0 }) {
            let candidate = directory.appendingPathComponent(name)
            if let data = FileManager.default.contents(atPath: candidate.appendingPathComponent(stateFile).path),
               (try? JSONDecoder().decode(SavedState.self, from: data)) != nil {
                return candidate
            }
        }
        return nil
    }
}
