/// Progress a trainer reports while it runs (the CLI prints it; the server streams it).
public enum TrainingEvent: Sendable {
    /// Once, before the first step.
    case started(totalSteps: Int, stepsPerEpoch: Int, trainSamples: Int, selectionSplit: String)
    /// After every optimizer step.
    case step(StepProgress)
    /// After an evaluation (`epoch` 0 for the one before training).
    case evaluated(epoch: Double, step: Int, scalars: [String: Double])
    /// A checkpoint was written.
    case checkpointSaved(path: String, step: Int)
    /// A note the user should see (for example where the best model is selected).
    case notice(String)
}

/// One optimizer step's figures.
public struct StepProgress: Sendable, Equatable {
    public let epoch: Double
    public let step: Int
    public let totalSteps: Int
    public let loss: Double
    public let learningRate: Double
    public let gradNorm: Double
    public let imagesPerSecond: Double
    public let secondsRemaining: Double
}
