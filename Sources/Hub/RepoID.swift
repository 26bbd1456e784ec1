import Foundation

/// A model repository id, `namespace/name` (or a bare legacy `name`), checked as `validate_repo_id` does,
/// so a typo fails here with a clear message instead of as a 404 after a round trip.
public struct RepoID: Hashable, Sendable, CustomStringConvertible {
    public let namespace: String?
    public let name: String

    public var description: String { namespace.map { "\($0)/\(name)" } ?? name }

    /// The cache folder name, `models--{namespace}--{name}` (`repo_folder_name`).
    public var cacheFolderName: String { (["models"] + description.split(separator: "/").map(String.init)).joined(separator: "--") }

    /// Parses and validates `text`; `requireNamespace` rejects bare names (pushing needs the owner).
    public init(_ text: String, requireNamespace: Bool = false) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else {
            throw HubError.invalidRepoID(text, reason: "a repo id has the form 'namespace/name'")
        }
        if requireNamespace && parts.count != 2 {
            throw HubError.invalidRepoID(text, reason: "give the full id 'namespace/name' (your user name or an organisation, then the model name)")
        }
        for part in parts where !Self.isValidComponent(part) {
            throw HubError.invalidRepoID(text, reason: "'\(part)' must use letters, digits, '-', '_' or '.', and cannot start or end with '-' or '.'")
        }
        guard parts.last!.count <= 96 else {
            throw HubError.invalidRepoID(text, reason: "the name is longer than 96 characters")
        }
        guard !text.contains("--"), !text.contains("..") else {
            throw HubError.invalidRepoID(text, reason: "'--' and '..' are not allowed")
        }
        guard !text.hasSuffix(".git") else { throw HubError.invalidRepoID(text, reason: "a repo id cannot end in '.git'") }
        namespace = parts.count == 2 ? parts[0] : nil
        name = parts.last!
    }

    /// `[\w\-.]+` between word boundaries: word characters, '-' and '.', first and last a word character.
    static func isValidComponent(_ part: String) -> Bool {
        guard let first = part.unicodeScalars.first, let last = part.unicodeScalars.last else { return false }
        let isWord = { (scalar: Unicode.Scalar) in scalar == "_" || CharacterSet.alphanumerics.contains(scalar) }
        return isWord(first) && isWord(last) && part.unicodeScalars.allSatisfy { isWord($0) || $0 == "-" || $0 == "." }
    }

    /// Whether `revision` is a full commit sha (`REGEX_COMMIT_HASH`), which never moves, so a cached
    /// snapshot of it can be used without asking the server.
    public static func isCommitHash(_ revision: String) -> Bool {
        revision.utf8.count == 40 && revision.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
