/// The standard split names of Hugging Face `datasets`, in the order it lists them.
public enum SplitName: String, Codable, CaseIterable, Sendable {
    case train
    case validation
    case test

    /// The top-level folder names that mean this split, in the order `datasets` resolves them
    /// (`SPLIT_KEYWORDS`, datasets/data_files.py): images of `train/` come before those of `training/`.
    /// Matching is exact and case-sensitive, as `datasets`' glob patterns are on Linux.
    public var folderNames: [String] {
        switch self {
        case .train: return ["train", "training"]
        case .validation: return ["validation", "valid", "dev", "val"]
        case .test: return ["test", "testing", "eval", "evaluation"]
        }
    }

    /// The split a top-level folder of this name stands for, if any.
    public init?(folderName: String) {
        guard let split = SplitName.allCases.first(where: { $0.folderNames.contains(folderName) }) else { return nil }
        self = split
    }
}

/// The images of one split, in dataset order.
public struct DatasetSplit: Codable, Equatable, Sendable {
    public let name: SplitName
    public let images: [LabeledImage]

    public init(name: SplitName, images: [LabeledImage]) {
        self.name = name
        self.images = images
    }
}
