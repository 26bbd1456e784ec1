import Foundation

/// Downloads the files of a SigLIP classifier from the Hub into the shared Hugging Face cache, the way
/// `snapshot_download` + `hf_hub_download` do, and returns the snapshot folder (a model directory).
///
/// Only what `CheckpointLoader` reads is fetched: config.json, model.safetensors (or the index and its
/// shards) and preprocessor_config.json when the repo has one.
public struct ModelDownloader {
    public var environment: HubEnvironment

    public init(environment: HubEnvironment = HubEnvironment()) {
        self.environment = environment
    }

    /// The snapshot folder of `repoId` at `revision` (a branch, tag or commit; default `main`).
    ///
    /// Makes no request when the revision is a full commit sha already in the cache, or when
    /// `HF_HUB_OFFLINE` is set (then the cache must hold the snapshot). Otherwise lists the revision
    /// (one request) and downloads only files the cache lacks. When the Hub cannot be reached, a cached
    /// snapshot of the revision is used as `huggingface_hub` does.
    public func download(_ repoId: String, revision: String? = nil, progress: TransferProgressHandler? = nil) throws -> URL {
        let repo = try RepoID(repoId)
        let revision = revision ?? "main"
        let cache = HubCache(root: environment.cacheDirectory, repo: repo)
        if RepoID.isCommitHash(revision), let folder = cache.completeSnapshot(commit: revision) { return folder }
        if environment.offline {
            if let commit = cache.commit(for: revision), let folder = cache.completeSnapshot(commit: commit) { return folder }
            throw HubError.notCached(repo: repo.description, revision: revision, cacheDirectory: environment.cacheDirectory.path,
                                     offline: true, cause: nil)
        }

        let session = HubSession(environment: environment)
        let listing: RepoListing
        do {
            listing = try session.listing(repo, revision: revision)
        } catch let error as HubError {
            if case .revisionNotFound = error { throw error }
            if case .invalidRepoID = error { throw error }
            // Hub down, network gone, or no access: a cached copy of this revision still serves.
            if let commit = cache.commit(for: revision), let folder = cache.completeSnapshot(commit: commit) { return folder }
            throw error
        }
        try cache.record(revision: revision, commit: listing.commit)

        let fetch = { (path: String) throws -> URL in
            try FileFetch(session: session, cache: cache, commit: listing.commit, path: path, progress: progress).run()
        }
        let context = "\(repo)@\(revision)"
        guard listing.files.contains(ModelFiles.config) else {
            throw HubError.notAClassifierRepo(repo: repo.description, revision: revision, problem: "it has no config.json (\(context) is not a transformers model)")
        }
        _ = try fetch(ModelFiles.config)
        if listing.files.contains(ModelFiles.preprocessor) { _ = try fetch(ModelFiles.preprocessor) }
        if listing.files.contains(ModelFiles.weights) {
            _ = try fetch(ModelFiles.weights)
        } else if listing.files.contains(ModelFiles.shardIndex) {
            let index = try fetch(ModelFiles.shardIndex)
            guard let data = FileManager.default.contents(atPath: index.path) else {
                throw HubError.fileSystem(path: index.path, detail: "cannot read the downloaded index")
            }
            for shard in try ModelFiles.shards(inIndex: data) {
                guard listing.files.contains(shard) else {
                    throw HubError.notAClassifierRepo(repo: repo.description, revision: revision, problem: "its \(ModelFiles.shardIndex) names \(shard), which is not in the repo")
                }
                _ = try fetch(shard)
            }
        } else {
            let other = listing.files.filter { $0.hasSuffix(".bin") || $0.hasSuffix(".pt") || $0.hasSuffix(".h5") || $0.hasSuffix(".onnx") }
            throw HubError.notAClassifierRepo(repo: repo.description, revision: revision,
                                              problem: "it has no model.safetensors or model.safetensors.index.json"
                                                + (other.isEmpty ? "" : " (only \(other.joined(separator: ", ")); sigtune reads safetensors only)"))
        }
        return cache.snapshot(commit: listing.commit)
    }
}

/// `GET /api/models/{repo}/revision/{revision}`: the commit a revision points to and the repo's files.
struct RepoListing {
    let commit: String
    let files: Set<String>
}

extension HubSession {
    func listing(_ repo: RepoID, revision: String) throws -> RepoListing {
        let url = "\(environment.endpoint)/api/models/\(repo)/revision/\(urlQuote(revision, safe: ""))"
        var request = HTTPRequest("GET", url, headers: headers())
        request.timeout = 30
        request.followRedirects = true
        let response = try send(request)
        try check(response, context(repo: repo, revision: revision))
        guard let object = response.jsonObject, let sha = object["sha"] as? String, RepoID.isCommitHash(sha) else {
            throw HubError.invalidResponse(url: url, problem: "expected a JSON object with the commit \"sha\"")
        }
        let siblings = (object["siblings"] as? [[String: Any]]) ?? []
        return RepoListing(commit: sha, files: Set(siblings.compactMap { $0["rfilename"] as? String }))
    }
}

/// One file of a snapshot (`_hf_hub_download_to_cache_dir` with a commit revision): nothing to do when
/// the snapshot already links it, a link only when the blob is cached, else HEAD + download + link.
struct FileFetch {
    let session: HubSession
    let cache: HubCache
    let commit: String
    let path: String
    let progress: TransferProgressHandler?

    func run() throws -> URL {
        let pointer = cache.pointer(commit: commit, path: path)
        if FileManager.default.fileExists(atPath: pointer.path) { return pointer }

        let url = "\(session.environment.endpoint)/\(cache.repo)/resolve/\(urlQuote(commit, safe: ""))/\(urlQuote(path))"
        let metadata = try session.metadata(url: url, context: session.context(repo: cache.repo, revision: commit, path: path))
        try cache.createDirectory(cache.blob(etag: metadata.etag).deletingLastPathComponent())
        cache.tagCacheDirectory()

        let blob = cache.blob(etag: metadata.etag)
        let lock = try FileLock(cache.lock(etag: metadata.etag))
        defer { withExtendedLifetime(lock) {} }
        if !FileManager.default.fileExists(atPath: blob.path) {
            // The token goes to the Hub only; a CDN URL is pre-signed and must not see it.
            let sameHost = authority(of: metadata.location) == authority(of: url)
            let headers = session.headers(auth: sameHost) + [("accept-encoding", "identity")]
            try BlobDownload(session: session, metadata: metadata, headers: headers, destination: blob, file: path, progress: progress).run()
        } else {
            progress?(TransferProgress(direction: .download, file: path, completedBytes: metadata.size, totalBytes: metadata.size))
        }
        try cache.link(commit: metadata.commit, path: path, etag: metadata.etag)
        return cache.pointer(commit: metadata.commit, path: path)
    }
}
