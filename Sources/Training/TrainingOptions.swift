import Foundation
import SigLIP

/// A fine-tune job's options. Names follow Hugging Face `TrainingArguments` where one exists, so a
/// notebook's settings carry over unchanged; sigtune's own options use the same snake_case style.
/// Defaults are the recipe's (`train.py` of the SigLIP 2 fine-tuning blog; REFERENCE.md 0 and 3.1).
public struct TrainingOptions: Codable, Equatable, Sendable {
    // TrainingArguments
    public var learningRate = 2e-6
    public var numTrainEpochs = 6.0
    public var perDeviceTrainBatchSize = 32
    public var perDeviceEvalBatchSize = 8
    public var weightDecay = 0.02
    public var warmupSteps = 50.0
    public var lrSchedulerType = LearningRateSchedule.Kind.linear
    public var maxGradNorm = 1.0
    public var seed = 42
    public var gradientAccumulationSteps = 1
    public var metricForBestModel = "eval_loss"
    public var greaterIsBetter: Bool?
    public var loadBestModelAtEnd = true
    public var saveTotalLimit: Int? = 1
    public var adamBeta1 = 0.9
    public var adamBeta2 = 0.999
    public var adamEpsilon = 1e-8
    // sigtune's own
    /// Fraction of the data held out for the final test split when the dataset has no `test/` folder.
    public var testSize = 0.4
    /// Fraction of the training part held out to choose the best model (0: choose on the test split,
    /// as the recipe does, which leaks the test set into model selection).
    public var validationSize = 0.0
    public var balance = Balance.oversample
    public var trainMode = TrainMode.full
    /// Encoder layers that train in `last_n_layers` mode.
    public var trainableLayers = 2
    public var augmentation = Augmentation()
    /// Run an evaluation before training, as the recipe's `trainer.evaluate()` before `train()`.
    public var evalBeforeTraining = true
    /// nil: inferred as transformers does (single-label for class ids).
    public var problemType: ProblemType?
    /// Images per forward/backward pass; an optimizer step of `per_device_train_batch_size ×
    /// gradient_accumulation_steps` images runs as several micro-batches. Bounds activation memory.
    public var microBatchSize: Int?
    /// Save a checkpoint every N optimizer steps as well as at each epoch end (0: epochs only).
    public var saveSteps = 0
    /// Multi-label decision threshold for metrics.
    public var threshold = 0.5

    public enum Balance: String, Codable, Sendable { case none, oversample }
    public enum TrainMode: String, Codable, Sendable {
        case full
        case lastNLayers = "last_n_layers"
        case head
    }

    /// The recipe's augmentation: RandomRotation(90) then RandomAdjustSharpness(2, p=0.5). A zero
    /// `rotation_degrees`, `sharpness_p` or `hflip_p` turns that transform off (it then draws no random numbers).
    public struct Augmentation: Codable, Equatable, Sendable {
        public var rotationDegrees = 90.0
        public var sharpnessFactor = 2.0
        public var sharpnessP = 0.5
        public var hflipP = 0.0

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case rotationDegrees = "rotation_degrees", sharpnessFactor = "sharpness_factor", sharpnessP = "sharpness_p", hflipP = "hflip_p"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            rotationDegrees = try c.decodeIfPresent(Double.self, forKey: .rotationDegrees) ?? rotationDegrees
            sharpnessFactor = try c.decodeIfPresent(Double.self, forKey: .sharpnessFactor) ?? sharpnessFactor
            sharpnessP = try c.decodeIfPresent(Double.self, forKey: .sharpnessP) ?? sharpnessP
            hflipP = try c.decodeIfPresent(Double.self, forKey: .hflipP) ?? hflipP
        }

        /// Whether any augmentation draws random numbers.
        public var isEnabled: Bool { rotationDegrees != 0 || sharpnessP > 0 || hflipP > 0 }
    }

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case learningRate = "learning_rate", numTrainEpochs = "num_train_epochs"
        case perDeviceTrainBatchSize = "per_device_train_batch_size", perDeviceEvalBatchSize = "per_device_eval_batch_size"
        case weightDecay = "weight_decay", warmupSteps = "warmup_steps", lrSchedulerType = "lr_scheduler_type"
        case maxGradNorm = "max_grad_norm", seed, gradientAccumulationSteps = "gradient_accumulation_steps"
        case metricForBestModel = "metric_for_best_model", greaterIsBetter = "greater_is_better"
        case loadBestModelAtEnd = "load_best_model_at_end", saveTotalLimit = "save_total_limit"
        case adamBeta1 = "adam_beta1", adamBeta2 = "adam_beta2", adamEpsilon = "adam_epsilon"
        case testSize = "test_size", validationSize = "validation_size", balance, trainMode = "train_mode"
        case trainableLayers = "trainable_layers", augmentation, evalBeforeTraining = "eval_before_training"
        case problemType = "problem_type", microBatchSize = "micro_batch_size", saveSteps = "save_steps", threshold
    }

    /// The option names, for error messages and the CLI.
    public static var optionNames: [String] { CodingKeys.allCases.map(\.rawValue) }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainingOptions()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        learningRate = try value(.learningRate, d.learningRate)
        numTrainEpochs = try value(.numTrainEpochs, d.numTrainEpochs)
        perDeviceTrainBatchSize = try value(.perDeviceTrainBatchSize, d.perDeviceTrainBatchSize)
        perDeviceEvalBatchSize = try value(.perDeviceEvalBatchSize, d.perDeviceEvalBatchSize)
        weightDecay = try value(.weightDecay, d.weightDecay)
        warmupSteps = try value(.warmupSteps, d.warmupSteps)
        lrSchedulerType = try value(.lrSchedulerType, d.lrSchedulerType)
        maxGradNorm = try value(.maxGradNorm, d.maxGradNorm)
        seed = try value(.seed, d.seed)
        gradientAccumulationSteps = try value(.gradientAccumulationSteps, d.gradientAccumulationSteps)
        metricForBestModel = try value(.metricForBestModel, d.metricForBestModel)
        greaterIsBetter = try c.decodeIfPresent(Bool.self, forKey: .greaterIsBetter)
        loadBestModelAtEnd = try value(.loadBestModelAtEnd, d.loadBestModelAtEnd)
        saveTotalLimit = c.contains(.saveTotalLimit) ? try c.decodeIfPresent(Int.self, forKey: .saveTotalLimit) : d.saveTotalLimit
        adamBeta1 = try value(.adamBeta1, d.adamBeta1)
        adamBeta2 = try value(.adamBeta2, d.adamBeta2)
        adamEpsilon = try value(.adamEpsilon, d.adamEpsilon)
        testSize = try value(.testSize, d.testSize)
        validationSize = try value(.validationSize, d.validationSize)
        balance = try value(.balance, d.balance)
        trainMode = try value(.trainMode, d.trainMode)
        trainableLayers = try value(.trainableLayers, d.trainableLayers)
        augmentation = try value(.augmentation, d.augmentation)
        evalBeforeTraining = try value(.evalBeforeTraining, d.evalBeforeTraining)
        problemType = try c.decodeIfPresent(ProblemType.self, forKey: .problemType)
        microBatchSize = try c.decodeIfPresent(Int.self, forKey: .microBatchSize)
        saveSteps = try value(.saveSteps, d.saveSteps)
        threshold = try value(.threshold, d.threshold)
    }

    /// An option that is unknown, mistyped or out of range.
    public struct OptionError: Error, CustomStringConvertible, Equatable {
        public let option: String
        public let problem: String
        public var description: String { "option \(option): \(problem)" }
    }

    /// Decodes options from a JSON object, refusing unknown names (a typo must not silently train
    /// with a default), then validates.
    public static func decode(json data: Data) throws -> TrainingOptions {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw OptionError(option: "(file)", problem: "expected a JSON object of TrainingArguments-style options")
        }
        for key in object.keys where !optionNames.contains(key) {
            throw OptionError(option: key, problem: "unknown option; known: \(optionNames.sorted().joined(separator: ", "))")
        }
        if let augmentation = object["augmentation"] as? [String: Any] {
            let known = Augmentation.CodingKeys.allCases.map(\.rawValue)
            for key in augmentation.keys where !known.contains(key) {
                throw OptionError(option: "augmentation.\(key)", problem: "unknown option; known: \(known.joined(separator: ", "))")
            }
        }
        let options: TrainingOptions
        do { options = try JSONDecoder().decode(TrainingOptions.self, from: data) } catch let DecodingError.typeMismatch(_, context) {
            throw OptionError(option: context.codingPath.map(\.stringValue).joined(separator: "."), problem: "wrong type: \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            throw OptionError(option: context.codingPath.map(\.stringValue).joined(separator: "."), problem: context.debugDescription)
        }
        try options.validate()
        return options
    }

    /// Checks ranges and combinations.
    public func validate() throws {
        func check(_ condition: Bool, _ option: CodingKeys, _ problem: String) throws {
            if !condition { throw OptionError(option: option.rawValue, problem: problem) }
        }
        try check(learningRate >= 0 && learningRate.isFinite, .learningRate, "must be a finite number ≥ 0")
        try check(numTrainEpochs > 0, .numTrainEpochs, "must be > 0")
        try check(perDeviceTrainBatchSize >= 1, .perDeviceTrainBatchSize, "must be ≥ 1")
        try check(perDeviceEvalBatchSize >= 1, .perDeviceEvalBatchSize, "must be ≥ 1")
        try check(weightDecay >= 0, .weightDecay, "must be ≥ 0")
        try check(warmupSteps >= 0, .warmupSteps, "must be ≥ 0 (a step count, or a ratio below 1)")
        try check(maxGradNorm >= 0, .maxGradNorm, "must be ≥ 0 (0 disables clipping)")
        try check(gradientAccumulationSteps >= 1, .gradientAccumulationSteps, "must be ≥ 1")
        try check(testSize > 0 && testSize < 1, .testSize, "must be between 0 and 1")
        try check(validationSize >= 0 && validationSize < 1, .validationSize, "must be in [0, 1)")
        try check(trainableLayers >= 1, .trainableLayers, "must be ≥ 1")
        try check((0...1).contains(augmentation.sharpnessP), .augmentation, "sharpness_p must be in [0, 1]")
        try check((0...1).contains(augmentation.hflipP), .augmentation, "hflip_p must be in [0, 1]")
        try check(augmentation.rotationDegrees >= 0 && augmentation.rotationDegrees <= 180, .augmentation, "rotation_degrees must be in [0, 180]")
        try check(augmentation.sharpnessFactor >= 0, .augmentation, "sharpness_factor must be ≥ 0")
        try check(microBatchSize.map { $0 >= 1 } ?? true, .microBatchSize, "must be ≥ 1")
        try check(saveTotalLimit.map { $0 >= 1 } ?? true, .saveTotalLimit, "must be ≥ 1 (or null for no limit)")
        try check(saveSteps >= 0, .saveSteps, "must be ≥ 0")
        try check((0...1).contains(threshold), .threshold, "must be in [0, 1]")
        try check(metricForBestModel.hasPrefix("eval_"), .metricForBestModel, "name an evaluation metric, e.g. eval_loss, eval_accuracy, eval_f1_macro")
    }

    /// `greater_is_better`, defaulting as TrainingArguments does: false for a metric ending in "loss".
    public var resolvedGreaterIsBetter: Bool { greaterIsBetter ?? !metricForBestModel.hasSuffix("loss") }

    /// The parameters that train in this mode.
    public var scope: TrainableScope {
        switch trainMode {
        case .full: return .all
        case .lastNLayers: return .lastLayers(trainableLayers)
        case .head: return .classifierOnly
        }
    }
}
