import TensorCore

/// Everything besides weights and optimizer moments that a checkpoint must hold for a resumed run to
/// continue exactly as an uninterrupted one: position, generator state, best-model bookkeeping, history.
public struct TrainerState: Codable, Equatable, Sendable {
    /// Optimizer steps taken.
    public var globalStep = 0
    /// The epoch being trained (0-based) and the optimizer steps of it already done.
    public var epochIndex = 0
    public var stepInEpoch = 0
    /// The global torch generator (data-loader seeds and augmentation draws).
    public var generator: TorchGenerator
    public var bestMetric: Double?
    public var bestGlobalStep: Int?
    public var bestEpoch: Double?
    public var bestCheckpoint: String?
    /// Sum of every step's loss (the Trainer's `train_loss` is its mean).
    public var trainLossSum = 0.0
    /// One entry per logged step and per evaluation, with the Trainer's keys (`loss`, `learning_rate`,
    /// `grad_norm`, `epoch`, `step`, `eval_*`).
    public var logHistory: [[String: Double]] = []
    /// Checkpoint directory names, oldest first.
    public var checkpoints: [String] = []

    public init(seed: UInt64) { generator = TorchGenerator(seed: seed) }

    /// The evaluation entries of the history.
    public var evaluations: [[String: Double]] { logHistory.filter { $0["eval_loss"] != nil } }
}
