import Foundation

/// How the Hub wants a file sent (`_fetch_upload_modes`): as LFS (large or binary) or inline in the commit.
struct UploadMode {
    let isLFS: Bool
    /// The repo's .gitignore excludes the file: it is left out of the commit.
    let shouldIgnore: Bool
}

extension HubSession {
    /// `POST /api/models/{repo}/preupload/{revision}` with each file's path, size and base64 sample, 256 at a time.
    func uploadModes(_ files: [UploadFile], repo: RepoID, revision: String, token: String) throws -> [String: UploadMode] {
        let url = "\(environment.endpoint)/api/models/\(repo)/preupload/\(urlQuote(revision, safe: ""))"
        var modes: [String: UploadMode] = [:]
        for start in stride(from: 0, to: files.count, by: 256) {
            let chunk = files[start..<min(files.count, start + 256)]
            let payload = ["files": chunk.map { ["path": $0.path, "sample": $0.sample.base64EncodedString(), "size": $0.size] as [String: Any] }]
            let response = try sendJSON("POST", url, payload, headers: headers(token: token), context: context(repo: repo, revision: revision, token: token))
            guard let answers = response.jsonObject?["files"] as? [[String: Any]] else {
                throw HubError.invalidResponse(url: url, problem: "no \"files\" in the preupload answer")
            }
            for answer in answers {
                guard let path = answer["path"] as? String, let mode = answer["uploadMode"] as? String else {
                    throw HubError.invalidResponse(url: url, problem: "a preupload entry lacks path or uploadMode")
                }
                modes[path] = UploadMode(isLFS: mode == "lfs", shouldIgnore: answer["shouldIgnore"] as? Bool ?? false)
            }
        }
        // Empty files are always regular (`UploadInfo` of size 0 cannot be an LFS object).
        for file in files {
            guard let mode = modes[file.path] else { throw HubError.invalidResponse(url: url, problem: "no upload mode for \(file.path)") }
            if file.size == 0 { modes[file.path] = UploadMode(isLFS: false, shouldIgnore: mode.shouldIgnore) }
        }
        return modes
    }
}
