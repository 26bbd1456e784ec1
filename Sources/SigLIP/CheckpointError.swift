/// Why a model directory could not be loaded. Every case names the file or tensor and says what to do.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case missingFile(path: String, hint: String)
    case invalidConfig(field: String, problem: String)
    case unsupportedModelType(modelType: String, hint: String)
    case missingTensor(name: String, file: String)
    case shapeMismatch(name: String, file: String, expected: [Int], found: [Int])
    case invalidIndex(path: String, problem: String)
    case noClassifier(path: String)

    public var description: String {
        switch self {
        case let .missingFile(path, hint): return "\(path) not found: \(hint)"
        case let .invalidConfig(field, problem): return "invalid config \(field): \(problem)"
        case let .unsupportedModelType(modelType, hint): return "unsupported model_type '\(modelType)': \(hint)"
        case let .missingTensor(name, file):
            return "\(file): tensor '\(name)' is missing; the checkpoint does not match its config.json (or is not a SigLIP vision checkpoint)"
        case let .shapeMismatch(name, file, expected, found):
            return "\(file): tensor '\(name)' has shape \(found) but config.json implies \(expected)"
        case let .invalidIndex(path, problem): return "\(path): \(problem)"
        case let .noClassifier(path):
            return "\(path) has no classification head (classifier.weight); it is a base model: fine-tune it first (sigtune train), or use its pooled features"
        }
    }
}
