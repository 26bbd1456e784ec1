/// What an entry of a container is.
enum ArchiveEntryKind: Equatable {
    case file
    case directory
    case symlink(target: String)
    case hardLink(target: String)
    case device
    case fifo
    /// Anything else (a sparse file, a volume label...); the payload names it.
    case other(String)
}

/// One entry of a container, before its name is trusted.
struct ArchiveEntry {
    /// The name as stored: bytes, not yet checked for NUL, UTF-8, absolute paths or `..`.
    let rawName: [UInt8]
    let kind: ArchiveEntryKind
    /// The declared size of the data (0 for non-files).
    let size: Int64

    /// The name for messages: invalid UTF-8 replaced, NUL shown as `\0`.
    var displayName: String {
        String(decoding: rawName, as: UTF8.self).replacingOccurrences(of: "\u{0}", with: "\\0")
    }
}

/// The bytes of an entry, streamed in chunks of at most 64 KiB. `stream` may be called once; an entry
/// the visitor does not stream is skipped by the reader. Limits are enforced as the bytes come.
struct EntryContent {
    let stream: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
}

/// A problem with one entry only (a CRC mismatch, an encrypted or unsupported entry): the entry is
/// refused and listed, the rest of the archive goes on.
struct EntryRefusal: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// A container read entry by entry, in storage order, never whole.
protocol ArchiveReader {
    /// Calls `visit` for every entry. Errors thrown by `visit` stop the walk and propagate.
    func forEachEntry(_ visit: (ArchiveEntry, EntryContent) throws -> Void) throws
}

/// Checking entry names before anything is written under them.
enum EntryPath {
    /// The path components of a stored name, or why the name is refused.
    ///
    /// Refused: a NUL byte, invalid UTF-8, an absolute path (`/x`, `C:\x`, `\\server`), a `..` component,
    /// a component over 255 bytes, an empty name. `\` counts as a separator (Windows zip tools write it),
    /// so `..\x` is caught too. Empty and `.` components are dropped.
    static func components(_ raw: [UInt8]) -> Result<[String], EntryRefusal> {
        if raw.contains(0) { return .failure(EntryRefusal(reason: "the name contains a NUL byte")) }
        guard let name = String(validating: raw, as: UTF8.self) else {
            return .failure(EntryRefusal(reason: "the name is not valid UTF-8"))
        }
        let slashed = name.replacingOccurrences(of: "\\", with: "/")
        if slashed.hasPrefix("/") {
            return .failure(EntryRefusal(reason: "absolute path: entries must be relative to the archive"))
        }
        let parts = slashed.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if let first = parts.first, first.count == 2, first.last == ":", first.first!.isLetter {
            return .failure(EntryRefusal(reason: "absolute Windows path (drive letter): entries must be relative"))
        }
        if parts.contains("..") {
            return .failure(EntryRefusal(reason: "a '..' component would leave the dataset's folder"))
        }
        if parts.contains(where: { $0.utf8.count > 255 }) {
            return .failure(EntryRefusal(reason: "a path component is longer than 255 bytes"))
        }
        let kept = parts.filter { $0 != "." }
        if kept.isEmpty { return .failure(EntryRefusal(reason: "empty name")) }
        return .success(kept)
    }
}
