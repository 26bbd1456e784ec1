import Foundation

/// The Trainer's learning-rate schedules (`lr_scheduler_type`; transformers optimization.py
/// `get_linear_schedule_with_warmup`, `get_cosine_schedule_with_warmup`,
/// `get_constant_schedule_with_warmup`; REFERENCE.md 3.3). `k` counts scheduler steps already taken, so the
/// first optimizer step uses λ(0), which is 0 whenever there is a warmup.
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case linear
        case cosine
        case constant
        case constantWithWarmup = "constant_with_warmup"
    }

    public var kind: Kind
    public var baseLearningRate: Double
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(kind: Kind, baseLearningRate: Double, warmupSteps: Int, totalSteps: Int) {
        self.kind = kind
        self.baseLearningRate = baseLearningRate
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// `TrainingArguments.get_warmup_steps`: a value ≥ 1 is a step count, a value in (0, 1) a ratio of the
    /// total, rounded up.
    public static func warmupSteps(_ value: Double, totalSteps: Int) -> Int {
        value >= 1 ? Int(value) : Int((Double(totalSteps) * value).rounded(.up))
    }

    /// λ(k), the multiplier of the base learning rate after k scheduler steps.
    public func multiplier(afterSteps k: Int) -> Double {
        let w = warmupSteps, t = totalSteps
        if kind != .constant && k < w { return Double(k) / Double(max(1, w)) }
        switch kind {
        case .linear:
            return max(0, Double(t - k) / Double(max(1, t - w)))
        case .cosine:
            let progress = Double(k - w) / Double(max(1, t - w))
            return max(0, 0.5 * (1 + cos(Double.pi * 0.5 * 2 * progress)))  // num_cycles = 0.5
        case .constant, .constantWithWarmup:
            return 1
        }
    }

    /// The learning rate used by the optimizer step that follows k scheduler steps.
    public func learningRate(afterSteps k: Int) -> Double { baseLearningRate * multiplier(afterSteps: k) }
}
