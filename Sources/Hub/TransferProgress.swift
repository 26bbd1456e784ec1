/// Progress of one file's download or upload, reported as bytes arrive or leave.
public struct TransferProgress: Sendable {
    public enum Direction: Sendable { case download, upload }

    public let direction: Direction
    /// The path inside the repository.
    public let file: String
    public let completedBytes: Int64
    public let totalBytes: Int64

    public init(direction: Direction, file: String, completedBytes: Int64, totalBytes: Int64) {
        self.direction = direction
        self.file = file
        self.completedBytes = completedBytes
        self.totalBytes = totalBytes
    }
}

/// Receives `TransferProgress` on the transferring thread; it may be called for every chunk, so keep it cheap.
public typealias TransferProgressHandler = (TransferProgress) -> Void
