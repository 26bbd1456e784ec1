/// Why an upload was refused as a whole. Problems of single files or entries (an undecodable image, a
/// symlink in a tar) do not fail an ingest: they are listed in the manifest and the health report.
/// Every case names the entry at fault where there is one, and the limit it broke.
public enum IngestError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path does not exist or cannot be opened.
    case sourceNotFound(path: String)
    /// The file is no container this reads (or a damaged one whose format cannot be told).
    case unsupportedContainer(path: String, detail: String)
    /// A configured limit was reached while streaming.
    case limitExceeded(entry: String, limit: String, value: Int64, detail: String)
    /// The archive ends before its structure does.
    case truncated(entry: String, detail: String)
    /// The archive's structure is inconsistent (bad checksum, impossible sizes, bad records).
    case corrupt(entry: String, detail: String)
    /// Two zip entries share bytes: the signature of an overlapping-file zip bomb.
    case overlappingEntries(first: String, second: String)
    /// Nothing trainable remains after validation; `reason` says what was found instead.
    case nothingTrainable(reason: String)
    /// Reading or writing the store failed.
    case io(path: String, detail: String)

    public var description: String {
        func named(_ entry: String) -> String { entry.isEmpty ? "" : "entry '\(entry)': " }
        switch self {
        case let .sourceNotFound(path):
            return "\(path) does not exist or cannot be opened; give a dataset folder or a .zip/.tar/.tar.gz archive"
        case let .unsupportedContainer(path, detail):
            return "\(path): \(detail); supported: a folder, .zip (stored or deflate), .tar, .tar.gz/.tgz"
        case let .limitExceeded(entry, limit, value, detail):
            return "\(named(entry))\(detail); refused by the limit \(limit) = \(value) (raise it if the upload is genuine)"
        case let .truncated(entry, detail):
            return "\(named(entry))the archive is truncated (\(detail)); upload or copy it again"
        case let .corrupt(entry, detail):
            return "\(named(entry))the archive is damaged (\(detail))"
        case let .overlappingEntries(first, second):
            return "entries '\(first)' and '\(second)' overlap in the zip file (shared compressed data is how"
                + " overlapping zip bombs work); refused"
        case let .nothingTrainable(reason):
            return "nothing to train on: \(reason)"
        case let .io(path, detail):
            return "\(path): \(detail)"
        }
    }
}
