import Foundation

/// Turns what a user passes as `--model` into a model directory: a local directory as is, otherwise a
/// Hub id `namespace/name`, downloaded (or found) in the Hugging Face cache.
public enum ModelLocator {
    /// - Parameters:
    ///   - nameOrPath: a directory, or a Hub id such as `google/siglip2-base-patch16-224`.
    ///   - revision: for a Hub id, the branch, tag or commit (default `main`).
    ///   - environment: endpoint, cache, token and offline mode (the process environment by default).
    public static func resolve(_ nameOrPath: String, revision: String? = nil, environment: HubEnvironment = HubEnvironment(),
                               progress: TransferProgressHandler? = nil) throws -> URL {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        let path = HubEnvironment.expandingTilde(nameOrPath, home: home)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw HubError.noSuchModel(nameOrPath, reason: "it is a file; give the directory that holds config.json") }
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        // A path-like argument that does not exist is a missing directory, not a Hub lookup.
        let looksLikePath = path.hasPrefix("/") || path.hasPrefix(".") || path.hasSuffix("/")
        let repo = try? RepoID(nameOrPath, requireNamespace: true)
        guard !looksLikePath, repo != nil else {
            throw HubError.noSuchModel(nameOrPath, reason: "no such directory")
        }
        return try ModelDownloader(environment: environment).download(nameOrPath, revision: revision, progress: progress)
    }
}
