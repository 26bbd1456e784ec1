import Imaging
import SigLIP

/// What a sample's label is, in the form its problem type trains on.
public enum SampleTarget: Equatable, Sendable, Codable {
    /// A class id (single-label classification).
    case classIndex(Int)
    /// A multi-hot vector over the classes (multi-label classification).
    case multiHot([Float])
    /// Regression targets (one per output).
    case values([Float])
}

/// One image of a split, already decoded, converted to RGB and resized to the model's input size:
/// the recipe resizes before any augmentation, so this uint8 image is exactly what its transforms see.
public struct TrainingSample: Sendable {
    public let image: RGBImage
    public let target: SampleTarget
    /// Where it came from (for logs and reports).
    public let source: String

    public init(image: RGBImage, target: SampleTarget, source: String) {
        self.image = image
        self.target = target
        self.source = source
    }
}

/// The splits a job trains, selects and reports on.
public struct TrainingSplits: Sendable {
    public var labels: [String]
    public var train: [TrainingSample]
    /// Chooses the best model when present; otherwise the test split does (the recipe's way).
    public var validation: [TrainingSample]?
    public var test: [TrainingSample]

    public init(labels: [String], train: [TrainingSample], validation: [TrainingSample]?, test: [TrainingSample]) {
        self.labels = labels
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// The split evaluated each epoch and used for the best model.
    public var selection: [TrainingSample] { validation ?? test }
}

extension ClassificationLoss.Targets {
    /// The loss targets of `samples`, all of one kind.
    static func of(_ samples: ArraySlice<TrainingSample>) -> ClassificationLoss.Targets {
        switch samples.first?.target {
        case .multiHot?:
            return .multiHot(samples.flatMap { if case .multiHot(let v) = $0.target { return v } else { return [] } })
        case .values?:
            return .values(samples.flatMap { if case .values(let v) = $0.target { return v } else { return [] } })
        default:
            return .classes(samples.map { if case .classIndex(let c) = $0.target { return c } else { return -100 } })
        }
    }
}
