import Foundation

/// Publishes a trained model directory to the Hub as `upload_folder` would, but only the model:
/// config.json, model.safetensors (or the index and its shards), preprocessor_config.json and a
/// generated README.md model card. Checkpoints, optimizer state, trainer_state.json and metrics.json
/// stay local (their numbers go into the card).
public enum ModelPusher {
    /// The files of `directory` that a push uploads (before the model card), as repo paths.
    public static func modelFiles(in directory: URL) throws -> [String] {
        let fm = FileManager.default
        let exists = { (name: String) in fm.fileExists(atPath: directory.appendingPathComponent(name).path) }
        guard exists(ModelFiles.config) else {
            throw HubError.missingModelFile(directory: directory.path, problem: "no config.json")
        }
        var names = [ModelFiles.config]
        if exists(ModelFiles.preprocessor) { names.append(ModelFiles.preprocessor) }
        if exists(ModelFiles.weights) {
            names.append(ModelFiles.weights)
        } else if let index = fm.contents(atPath: directory.appendingPathComponent(ModelFiles.shardIndex).path) {
            let shards = try ModelFiles.shards(inIndex: index)
            if let missing = shards.first(where: { !exists($0) }) {
                throw HubError.missingModelFile(directory: directory.path, problem: "the shard index names \(missing), which is missing")
            }
            names += [ModelFiles.shardIndex] + shards
        } else {
            throw HubError.missingModelFile(directory: directory.path, problem: "no model.safetensors or model.safetensors.index.json")
        }
        return names
    }

    /// Creates the repo if needed, uploads the model and commits it; returns the commit's URL.
    /// - Parameters:
    ///   - repoId: `namespace/name`.
    ///   - token: a token with write access; nil takes the environment's (`HF_TOKEN` or the token file).
    ///   - private: visibility of a newly created repo (an existing repo keeps its own).
    ///   - revision: the branch to commit to.
    ///   - baseModel: the Hub id the model was fine-tuned from, for the card; nil looks in metrics.json
    ///     and config.json.
    @discardableResult
    public static func push(directory: URL, repoId: String, token: String? = nil, private isPrivate: Bool = true,
                            revision: String = "main", baseModel: String? = nil, commitMessage: String? = nil,
                            environment: HubEnvironment = HubEnvironment(), progress: TransferProgressHandler? = nil) throws -> URL {
        let repo = try RepoID(repoId, requireNamespace: true)
        let names = try modelFiles(in: directory)
        guard !environment.offline else { throw HubError.offline(operation: "pushing \(repo)") }
        guard let token = token ?? environment.token else { throw HubError.missingToken(operation: "pushing \(repo)") }

        var files = try names.map { try UploadFile.file(directory.appendingPathComponent($0), as: $0) }
        let card = ModelCard.markdown(directory: directory, repoId: repo.description, baseModel: baseModel, endpoint: environment.endpoint)
        files.append(UploadFile.data(Data(card.utf8), as: ModelFiles.modelCard))

        let session = HubSession(environment: environment)
        try session.createRepo(repo, isPrivate: isPrivate, token: token)
        let modes = try session.uploadModes(files, repo: repo, revision: revision, token: token)
        let lfs = files.filter { modes[$0.path]?.isLFS == true && modes[$0.path]?.shouldIgnore == false }
        try session.uploadLFS(lfs, repo: repo, revision: revision, token: token, progress: progress)
        let payload = try CommitPayload.ndjson(summary: commitMessage ?? "Upload SigLIP image classifier with sigtune", files: files, modes: modes)
        return try session.commit(payload, repo: repo, revision: revision, token: token)
    }
}
