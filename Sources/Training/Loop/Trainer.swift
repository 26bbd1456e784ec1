import Dispatch
import Foundation
import Imaging
import Inference
import SigLIP
import TensorCore

/// Fine-tunes a `SiglipForImageClassification` the way the Hugging Face `Trainer` does with the recipe's
/// arguments (REFERENCE.md 3): seeded shuffles per epoch, augmentation drawn from the global generator,
/// mean loss, clipping, fused AdamW, the LR schedule stepped after every update, evaluation and a
/// checkpoint every epoch, the best model kept by `metric_for_best_model`.
///
/// Differences from the Trainer, on purpose: gradient accumulation and micro-batching average the loss
/// over the whole optimizer batch (v5 scales it GA× too large for this model, REFERENCE.md 3.5), and the
/// best model can be chosen on a validation split instead of the test split.
public final class Trainer {
    public let options: TrainingOptions
    public let splits: TrainingSplits
    public let problemType: ProblemType
    public let outputDirectory: URL
    public internal(set) var model: SiglipVisionClassifier
    public internal(set) var state: TrainerState
    /// Called on the training thread for every event.
    public var onEvent: (TrainingEvent) -> Void = { _ in }
    /// Called with each optimizer step's samples (their `source`s, in batch order) before the step runs;
    /// for tests and debugging data order.
    public var onStepSamples: ((_ step: Int, _ sources: [String]) -> Void)?
    /// Polled after every optimizer step: `.cancel` stops at once; `.suspend` writes a checkpoint first so a
    /// later run resumes exactly there (server shutdown).
    public var stopRequest: () -> StopRequest? = { nil }

    public enum StopRequest: Sendable { case cancel, suspend }

    let scope: TrainableScope
    let gradients: SiglipParameters
    let optimizer: AdamW
    let normalizer: PixelNormalizer
    let transform: TrainTransform
    let microBatch: Int
    var bestParameters: SiglipParameters?

    public var checkpointsDirectory: URL { outputDirectory.appendingPathComponent("checkpoints") }

    /// Optimizer steps per epoch: the data loader's batches, grouped by gradient accumulation.
    public var stepsPerEpoch: Int {
        let batches = (splits.train.count + options.perDeviceTrainBatchSize - 1) / options.perDeviceTrainBatchSize
        let ga = options.gradientAccumulationSteps
        return max(batches / ga + (batches % ga > 0 ? 1 : 0), 1)
    }

    /// `max_steps`: ceil(num_train_epochs · steps per epoch).
    public var totalSteps: Int { Int((options.numTrainEpochs * Double(stepsPerEpoch)).rounded(.up)) }

    public var schedule: LearningRateSchedule {
        LearningRateSchedule(kind: options.lrSchedulerType, baseLearningRate: options.learningRate,
                             warmupSteps: LearningRateSchedule.warmupSteps(options.warmupSteps, totalSteps: totalSteps),
                             totalSteps: totalSteps)
    }

    /// - Parameters:
    ///   - baseModel: the starting checkpoint; a classifier for `splits.labels` is added unless it already has one.
    public init(baseModel: SiglipVisionClassifier, splits: TrainingSplits, options: TrainingOptions, outputDirectory: URL) throws {
        try options.validate()
        guard !splits.train.isEmpty else { throw TrainingError.emptySplit("train") }
        guard !splits.selection.isEmpty else { throw TrainingError.emptySplit(splits.validation == nil ? "test" : "validation") }
        self.options = options
        self.splits = splits
        self.outputDirectory = outputDirectory
        problemType = options.problemType ?? Trainer.inferProblemType(splits.train, labelCount: splits.labels.count)
        guard Evaluator.metricNames(problemType).contains(options.metricForBestModel) else {
            throw TrainingError.metricUnavailable(options.metricForBestModel, available: Evaluator.metricNames(problemType))
        }
        model = baseModel.withClassifier(labels: splits.labels, problemType: problemType, seed: UInt64(options.seed))
        scope = options.scope
        gradients = SiglipParameters(layout: model.parameters.layout)
        optimizer = AdamW(layout: model.parameters.layout, scope: scope, hyperparameters: .init(
            beta1: options.adamBeta1, beta2: options.adamBeta2, epsilon: options.adamEpsilon, weightDecay: options.weightDecay))
        normalizer = PixelNormalizer(preprocessor: try ImagePreprocessor(config: model.preprocessor, imageSize: model.vision.imageSize))
        transform = TrainTransform(augmentation: options.augmentation)
        microBatch = min(options.microBatchSize ?? options.perDeviceTrainBatchSize, options.perDeviceTrainBatchSize * options.gradientAccumulationSteps)
        state = TrainerState(seed: UInt64(options.seed))
    }

    /// transformers' inference (REFERENCE.md 1.2 step 8): one output → regression; integer class ids →
    /// single-label; anything else (multi-hot floats) → multi-label.
    static func inferProblemType(_ samples: [TrainingSample], labelCount: Int) -> ProblemType {
        switch samples.first?.target {
        case .multiHot?: return .multiLabel
        case .values?: return .regression
        default: return labelCount == 1 ? .regression : .singleLabel
        }
    }

    var evaluator: Evaluator {
        Evaluator(model: model, labels: splits.labels, problemType: problemType, batchSize: options.perDeviceEvalBatchSize,
                  threshold: options.threshold, normalizer: normalizer)
    }

    /// Trains to the end (or resumes from `checkpoint`) and returns the kept model's test results.
    public func run(resumeFrom checkpoint: URL? = nil) throws -> TrainingResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let useFeatureCache = scope == .classifierOnly && !options.augmentation.isEnabled
        var trainFeatures: FeatureCache?
        var selectionFeatures: FeatureCache?
        if useFeatureCache {
            trainFeatures = FeatureCache(model: model, samples: splits.train, normalizer: normalizer, batchSize: options.perDeviceEvalBatchSize)
            selectionFeatures = FeatureCache(model: model, samples: splits.selection, normalizer: normalizer, batchSize: options.perDeviceEvalBatchSize)
        }
        let selectionName = splits.validation == nil ? "test" : "validation"
        if let checkpoint {
            try restore(from: checkpoint)
        } else {
            if splits.validation == nil {
                onEvent(.notice("the best model is chosen on the test split (no validation split), as the recipe does; its test metrics are optimistic. Set validation_size to hold out a validation split."))
            }
            if options.evalBeforeTraining {
                _ = state.generator.random64()  // the evaluation DataLoader's base seed
                let result = evaluator.evaluate(splits.selection, features: selectionFeatures)
                record(evaluation: result, epoch: 0)
            }
        }
        onEvent(.started(totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch, trainSamples: splits.train.count, selectionSplit: selectionName))

        let layout = model.parameters.layout
        let keepActivations = scope != .classifierOnly
        let activations = SiglipActivations(layout: layout, batch: microBatch, keepForBackward: keepActivations)
        let workspace = SiglipBackwardWorkspace(layout: layout, batch: microBatch)
        let pixels = FloatBuffer(count: microBatch * normalizer.valuesPerImage)
        let dlogits = FloatBuffer(count: microBatch * layout.numLabels)
        let epochs = Int(options.numTrainEpochs.rounded(.up))
        let schedule = self.schedule
        var imagesSeen = 0
        let loopStart = DispatchTime.now().uptimeNanoseconds

        while state.epochIndex < epochs && state.globalStep < totalSteps {
            let epoch = state.epochIndex
            if state.stepInEpoch == 0 { _ = state.generator.random64() }  // the train DataLoader's base seed
            let order = epochPermutation(n: splits.train.count, seed: UInt64(options.seed), epoch: epoch)
            while state.stepInEpoch < stepsPerEpoch && state.globalStep < totalSteps {
                let indices = stepIndices(order: order, step: state.stepInEpoch)
                let samples = indices.map { splits.train[$0] }
                onStepSamples?(state.globalStep + 1, samples.map(\.source))
                let images = samples.map { transform.apply($0.image, generator: &state.generator) }
                zeroGradients()
                var lossSum = 0.0
                var chunkStart = 0
                while chunkStart < samples.count {
                    let count = min(microBatch, samples.count - chunkStart)
                    let range = chunkStart..<(chunkStart + count)
                    if let trainFeatures {
                        for (row, index) in indices[range].enumerated() {
                            (activations.pooled + row * layout.config.hiddenSize).update(from: trainFeatures.row(index), count: layout.config.hiddenSize)
                        }
                        Linear.forward(out: activations.logits, inp: activations.pooled, weight: model.parameters.pointer(layout.classifierWeight),
                                       bias: model.parameters.pointer(layout.classifierBias), rows: count,
                                       inFeatures: layout.config.hiddenSize, outFeatures: layout.numLabels)
                    } else {
                        normalizer.write(Array(images[range]), into: pixels.pointer)
                        model.forward(pixelValues: pixels.pointer, batch: count, activations: activations)
                    }
                    let mean = ClassificationLoss.compute(logits: activations.logits, targets: .of(samples[range]), batch: count,
                                                          classes: layout.numLabels, dlogits: dlogits.pointer)
                    // Each micro-batch's mean loss is weighted by its share of the optimizer batch, so the
                    // gradient is that of the mean over the whole batch.
                    let share = Float(count) / Float(samples.count)
                    for i in 0..<(count * layout.numLabels) { dlogits[i] *= share }
                    model.backward(dlogits: dlogits.pointer, batch: count, activations: activations, gradients: gradients,
                                   workspace: workspace, scope: scope)
                    lossSum += Double(mean) * Double(count)
                    chunkStart += count
                }
                let loss = lossSum / Double(samples.count)
                let gradNorm = GradientClipping.norm(gradients.buffer.pointer, segments: optimizer.segments)
                let learningRate = schedule.learningRate(afterSteps: state.globalStep)
                optimizer.step(parameters: model.parameters, gradients: gradients, learningRate: learningRate,
                               gradientScale: GradientClipping.coefficient(norm: gradNorm, maxNorm: options.maxGradNorm))
                state.globalStep += 1
                state.stepInEpoch += 1
                state.trainLossSum += loss
                imagesSeen += samples.count
                let epochProgress = Double(epoch) + Double(state.stepInEpoch) / Double(stepsPerEpoch)
                state.logHistory.append(["loss": loss, "learning_rate": learningRate, "grad_norm": gradNorm,
                                         "epoch": epochProgress, "step": Double(state.globalStep)])
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - loopStart) / 1e9
                let stepsDone = Double(state.globalStep)
                onEvent(.step(StepProgress(epoch: epochProgress, step: state.globalStep, totalSteps: totalSteps, loss: loss,
                                           learningRate: learningRate, gradNorm: gradNorm,
                                           imagesPerSecond: Double(imagesSeen) / max(elapsed, 1e-9),
                                           secondsRemaining: elapsed / max(1, Double(imagesSeen)) * Double(samples.count) * (Double(totalSteps) - stepsDone))))
                if options.saveSteps > 0 && state.globalStep % options.saveSteps == 0 && state.stepInEpoch < stepsPerEpoch {
                    try saveCheckpoint()
                }
                switch stopRequest() {
                case .cancel?: throw TrainingError.cancelled
                case .suspend?:
                    try saveCheckpoint()
                    throw TrainingError.suspended(checkpoint: checkpointsDirectory.appendingPathComponent(Trainer.checkpointName(step: state.globalStep)).path)
                case nil: break
                }
            }
            // End of epoch: evaluate on the selection split, track the best model, checkpoint.
            _ = state.generator.random64()  // the evaluation DataLoader's base seed
            let result = evaluator.evaluate(splits.selection, features: selectionFeatures)
            let epochValue = Double(epoch) + Double(state.stepInEpoch) / Double(stepsPerEpoch)
            record(evaluation: result, epoch: epochValue)
            state.epochIndex = epoch + 1
            state.stepInEpoch = 0
            try saveCheckpoint()
            try rotateCheckpoints()
        }

        let best = try bestParameters ?? loadBestFromCheckpoint()
        if options.loadBestModelAtEnd, let best {
            model.parameters.buffer.pointer.update(from: best.buffer.pointer, count: best.layout.count)
        }
        let testFeatures = useFeatureCache ? FeatureCache(model: model, samples: splits.test, normalizer: normalizer, batchSize: options.perDeviceEvalBatchSize) : nil
        let test = evaluator.evaluate(splits.test, features: testFeatures)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return TrainingResult(model: model, problemType: problemType, test: test, state: state, trainRuntimeSeconds: seconds,
                              trainLoss: state.globalStep == 0 ? .nan : state.trainLossSum / Double(state.globalStep),
                              selectionSplit: selectionName, totalSteps: totalSteps)
    }

    /// The training-set indices of one optimizer step: `gradient_accumulation_steps` consecutive batches
    /// of the epoch's permutation (the last batch of an epoch may be short; drop_last is False).
    func stepIndices(order: [Int], step: Int) -> [Int] {
        let batch = options.perDeviceTrainBatchSize
        let first = step * options.gradientAccumulationSteps * batch
        let last = min(order.count, first + options.gradientAccumulationSteps * batch)
        return Array(order[first..<last])
    }

    func zeroGradients() {
        for segment in optimizer.segments { (gradients.buffer.pointer + segment.offset).update(repeating: 0, count: segment.count) }
    }

    /// Appends an evaluation to the history and updates the best model (strict improvement; ties keep
    /// the earlier epoch, as `np.less`/`np.greater` do in `_determine_best_metric`). Returns whether it improved.
    @discardableResult
    func record(evaluation result: EvaluationResult, epoch: Double) -> Bool {
        var entry = result.scalars
        entry["epoch"] = epoch
        entry["step"] = Double(state.globalStep)
        state.logHistory.append(entry)
        onEvent(.evaluated(epoch: epoch, step: state.globalStep, scalars: result.scalars))
        guard state.globalStep > 0, let value = result.scalars[options.metricForBestModel] else { return false }
        let better: Bool
        if let best = state.bestMetric { better = options.resolvedGreaterIsBetter ? value > best : value < best } else { better = true }
        if better {
            state.bestMetric = value
            state.bestGlobalStep = state.globalStep
            state.bestEpoch = epoch
            state.bestCheckpoint = Trainer.checkpointName(step: state.globalStep)
            bestParameters = model.copyParameters()
        }
        return better
    }
}

/// Why training cannot start or go on.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case emptySplit(String)
    case invalidCheckpoint(path: String, problem: String)
    case metricUnavailable(String, available: [String])
    /// Stopped on request; nothing more is written.
    case cancelled
    /// Stopped on request after writing a checkpoint to resume from.
    case suspended(checkpoint: String)

    public var description: String {
        switch self {
        case .emptySplit(let name): return "the \(name) split is empty; add images or change test_size/validation_size"
        case let .invalidCheckpoint(path, problem): return "cannot resume from \(path): \(problem)"
        case let .metricUnavailable(name, available):
            return "metric_for_best_model \(name) is not computed for this problem type; choose one of \(available.joined(separator: ", "))"
        case .cancelled: return "training was cancelled"
        case .suspended(let checkpoint): return "training was suspended; it resumes from \(checkpoint)"
        }
    }
}

/// What a finished run produced.
public struct TrainingResult {
    public let model: SiglipVisionClassifier
    public let problemType: ProblemType
    /// The kept model on the test split.
    public let test: EvaluationResult
    public let state: TrainerState
    public let trainRuntimeSeconds: Double
    public let trainLoss: Double
    public let selectionSplit: String
    public let totalSteps: Int
}
