import Foundation

/// What went wrong talking to the Hub, each with the next step a user can take.
public enum HubError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case invalidRepoID(String, reason: String)
    /// 404 `RepoNotFound` (the Hub also answers so for a private repo the token cannot see).
    case repoNotFound(repo: String, endpoint: String)
    /// 401/403 `GatedRepo`: the user must accept the model's conditions.
    case gatedRepo(repo: String, endpoint: String)
    case revisionNotFound(repo: String, revision: String)
    case entryNotFound(repo: String, path: String, revision: String)
    /// 401 or 403 without a more specific code: no token, a wrong one, or one without the permission.
    case unauthorized(status: Int, url: String, message: String?, hasToken: Bool)
    /// No token for an operation that needs one (pushing).
    case missingToken(operation: String)
    /// libcurl could not reach the host (DNS, refused, timeout, TLS, cut connection).
    case network(url: String, detail: String)
    /// `HF_HUB_OFFLINE` is set (or the Hub is unreachable) and the cache has no complete snapshot.
    case notCached(repo: String, revision: String, cacheDirectory: String, offline: Bool, cause: String?)
    case sizeMismatch(file: String, expected: Int64, actual: Int64)
    case hashMismatch(file: String, expected: String, actual: String)
    /// Any other HTTP error status.
    case http(status: Int, url: String, message: String?)
    /// The server answered something this client cannot use (missing header, malformed JSON).
    case invalidResponse(url: String, problem: String)
    /// The repository lacks a file a SigLIP classifier needs.
    case notAClassifierRepo(repo: String, revision: String, problem: String)
    /// A model directory to push lacks a required file.
    case missingModelFile(directory: String, problem: String)
    /// The LFS batch endpoint refused one object.
    case lfsObjectRejected(file: String, code: Int, message: String)
    case fileSystem(path: String, detail: String)
    /// `HF_HUB_OFFLINE` is set and the operation needs the network.
    case offline(operation: String)
    /// `--model` named neither a model directory nor a Hub id.
    case noSuchModel(String, reason: String)

    public var description: String {
        switch self {
        case let .invalidRepoID(text, reason):
            return "'\(text)' is not a valid Hub repo id: \(reason)"
        case let .repoNotFound(repo, endpoint):
            return "repository '\(repo)' not found on \(endpoint). Check the id; if it is private, set HF_TOKEN to a token that can read it."
        case let .gatedRepo(repo, endpoint):
            return "'\(repo)' is a gated model: accept its conditions at \(endpoint)/\(repo) and set HF_TOKEN to a token of that account."
        case let .revisionNotFound(repo, revision):
            return "revision '\(revision)' not found in '\(repo)' (give a branch, a tag or a full commit sha)."
        case let .entryNotFound(repo, path, revision):
            return "'\(path)' does not exist in '\(repo)' at revision '\(revision)'."
        case let .unauthorized(status, url, message, hasToken):
            let advice = hasToken ? "the token in HF_TOKEN (or the token file) is invalid or lacks the permission; set HF_TOKEN to a token with access"
                : "no token was sent; set HF_TOKEN to an access token (huggingface.co/settings/tokens)"
            return "HTTP \(status) for \(url)\(message.map { ": \($0)" } ?? ""). \(advice)."
        case let .missingToken(operation):
            return "\(operation) needs a Hugging Face access token with write permission: set HF_TOKEN (or log in with `hf auth login`)."
        case let .network(url, detail):
            return "cannot reach \(url): \(detail). Check the connection or HF_ENDPOINT; to work from the cache only set HF_HUB_OFFLINE=1, or pass a local model directory."
        case let .notCached(repo, revision, cacheDirectory, offline, cause):
            let why = offline ? "HF_HUB_OFFLINE is set" : "the Hub could not be reached\(cause.map { " (\($0))" } ?? "")"
            return "\(why) and '\(repo)' at revision '\(revision)' is not (completely) in the cache \(cacheDirectory). Download it once online (sigtune download \(repo)) or pass a local model directory."
        case let .sizeMismatch(file, expected, actual):
            return "download of '\(file)' has \(actual) bytes, the Hub announced \(expected); the partial file was removed, retry."
        case let .hashMismatch(file, expected, actual):
            return "download of '\(file)' is corrupt: sha256 \(actual), expected \(expected); the file was discarded, retry."
        case let .http(status, url, message):
            return "HTTP \(status) for \(url)\(message.map { ": \($0)" } ?? "")"
        case let .invalidResponse(url, problem):
            return "unexpected answer from \(url): \(problem). Is HF_ENDPOINT a Hugging Face Hub (or is a proxy in the way)?"
        case let .notAClassifierRepo(repo, revision, problem):
            return "'\(repo)' at '\(revision)' is not a usable SigLIP model: \(problem)"
        case let .missingModelFile(directory, problem):
            return "\(directory) is not a model directory to push: \(problem)"
        case let .lfsObjectRejected(file, code, message):
            return "the Hub refused the upload of '\(file)' (LFS error \(code)): \(message)"
        case let .fileSystem(path, detail):
            return "\(path): \(detail)"
        case let .offline(operation):
            return "HF_HUB_OFFLINE is set, and \(operation) needs the Hub: unset HF_HUB_OFFLINE (or set it to 0)."
        case let .noSuchModel(text, reason):
            return "'\(text)' is neither a model directory nor a Hub model id (namespace/name): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
