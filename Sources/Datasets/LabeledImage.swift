/// One image of a classification dataset and its class.
public struct LabeledImage: Codable, Equatable, Sendable {
    /// The file's path relative to the dataset root, with "/" separators (e.g. `train/cat/001.png`).
    public let path: String
    /// The class id: an index into the dataset's `labelNames`.
    public let label: Int

    public init(path: String, label: Int) {
        self.path = path
        self.label = label
    }
}
