import Foundation

/// The body of `POST /api/models/{repo}/commit/{revision}` (`_prepare_commit_payload`): NDJSON, one object
/// per line, each line ending in `\n`; the header first, then one line per file.
enum CommitPayload {
    static func ndjson(summary: String, description: String = "", files: [UploadFile], modes: [String: UploadMode]) throws -> Data {
        var lines: [[String: Any]] = [["key": "header", "value": ["summary": summary, "description": description]]]
        for file in files {
            guard let mode = modes[file.path], !mode.shouldIgnore else { continue }
            if mode.isLFS {
                lines.append(["key": "lfsFile", "value": ["path": file.path, "algo": "sha256", "oid": file.sha256, "size": file.size] as [String: Any]])
            } else {
                lines.append(["key": "file", "value": ["content": try file.base64Content(), "path": file.path, "encoding": "base64"]])
            }
        }
        var data = Data()
        for line in lines {
            data += try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
            data.append(0x0A)
        }
        return data
    }
}

extension HubSession {
    /// Sends the commit and returns the Hub's `commitUrl`.
    func commit(_ payload: Data, repo: RepoID, revision: String, token: String) throws -> URL {
        let url = "\(environment.endpoint)/api/models/\(repo)/commit/\(urlQuote(revision, safe: ""))"
        var request = HTTPRequest("POST", url, headers: headers(token: token) + [("content-type", "application/x-ndjson")], body: .data(payload))
        request.timeout = 600
        let response = try send(request)
        try check(response, context(repo: repo, revision: revision, token: token))
        guard let text = response.jsonObject?["commitUrl"] as? String, let commitURL = URL(string: text) else {
            throw HubError.invalidResponse(url: url, problem: "no commitUrl in the commit answer")
        }
        return commitURL
    }
}
