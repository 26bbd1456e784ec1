import Foundation

/// The Git LFS batch API as huggingface_hub uses it without Xet (`lfs.py`): ask where to put each object,
/// then PUT it whole ("basic") or in numbered parts ("multipart", then a completion call), then verify.
extension HubSession {
    static let lfsHeaders: [(name: String, value: String)] = [("accept", "application/vnd.git-lfs+json"),
                                                              ("content-type", "application/vnd.git-lfs+json")]

    /// Uploads the LFS objects among `files` the Hub does not have yet (files with equal content once).
    func uploadLFS(_ files: [UploadFile], repo: RepoID, revision: String, token: String, progress: TransferProgressHandler?) throws {
        var byOID: [String: UploadFile] = [:]
        for file in files where byOID[file.sha256] == nil { byOID[file.sha256] = file }
        let objects = byOID.values.sorted { $0.path < $1.path }
        let url = "\(environment.endpoint)/\(repo).git/info/lfs/objects/batch"
        for start in stride(from: 0, to: objects.count, by: 256) {
            let chunk = Array(objects[start..<min(objects.count, start + 256)])
            let payload: [String: Any] = [
                "operation": "upload", "transfers": ["basic", "multipart"], "hash_algo": "sha256",
                "objects": chunk.map { ["oid": $0.sha256, "size": $0.size] as [String: Any] },
                "ref": ["name": revision],
            ]
            let response = try sendJSON("POST", url, payload, headers: Self.lfsHeaders + headers(token: token),
                                        context: context(repo: repo, revision: revision, token: token))
            guard let answers = response.jsonObject?["objects"] as? [[String: Any]] else {
                throw HubError.invalidResponse(url: url, problem: "no \"objects\" in the LFS batch answer")
            }
            for answer in answers {
                guard let oid = answer["oid"] as? String, let file = byOID[oid] else {
                    throw HubError.invalidResponse(url: url, problem: "an LFS batch answer names an object we did not send")
                }
                if let error = answer["error"] as? [String: Any] {
                    throw HubError.lfsObjectRejected(file: file.path, code: error["code"] as? Int ?? 0, message: error["message"] as? String ?? "no message")
                }
                // No actions: the Hub already stores this content.
                guard let actions = answer["actions"] as? [String: Any] else {
                    progress?(TransferProgress(direction: .upload, file: file.path, completedBytes: file.size, totalBytes: file.size))
                    continue
                }
                try upload(file, actions: actions, token: token, progress: progress)
            }
        }
    }

    private func upload(_ file: UploadFile, actions: [String: Any], token: String, progress: TransferProgressHandler?) throws {
        guard let upload = actions["upload"] as? [String: Any], let href = (upload["href"] as? String).map(fixEndpoint) else {
            throw HubError.invalidResponse(url: "LFS batch", problem: "the upload action of \(file.path) has no href")
        }
        let header = upload["header"] as? [String: Any] ?? [:]
        if let chunkValue = header["chunk_size"] {
            guard let chunkSize = Int64("\(chunkValue)"), chunkSize > 0 else {
                throw HubError.invalidResponse(url: href, problem: "chunk_size '\(chunkValue)' is not a positive integer")
            }
            try uploadParts(file, header: header, chunkSize: chunkSize, completionURL: href, progress: progress)
        } else {
            try put(file, to: href, offset: 0, length: file.size, progress: progress, done: 0)
        }
        if let verify = actions["verify"] as? [String: Any], let verifyURL = (verify["href"] as? String).map(fixEndpoint) {
            _ = try sendJSON("POST", verifyURL, ["oid": file.sha256, "size": file.size], headers: headers(token: token),
                             context: context(repo: nil, path: file.path, token: token))
        }
    }

    /// Multipart: the part URLs are the header's numeric keys in numeric order ("10" after "9"), one per
    /// `chunkSize` slice; each part's ETag goes into the completion call.
    private func uploadParts(_ file: UploadFile, header: [String: Any], chunkSize: Int64, completionURL: String,
                             progress: TransferProgressHandler?) throws {
        let parts = header.compactMap { key, value -> (Int, String)? in
            guard !key.isEmpty, key.allSatisfy(\.isASCII), key.allSatisfy(\.isNumber), let number = Int(key), let url = value as? String else { return nil }
            return (number, fixEndpoint(url))
        }.sorted { $0.0 < $1.0 }
        let expected = (file.size + chunkSize - 1) / chunkSize
        guard parts.count == expected else {
            throw HubError.invalidResponse(url: completionURL, problem: "\(parts.count) part URLs for \(file.path), expected \(expected)")
        }
        var etags: [[String: Any]] = []
        for (index, part) in parts.enumerated() {
            let offset = Int64(index) * chunkSize
            let response = try put(file, to: part.1, offset: offset, length: min(chunkSize, file.size - offset), progress: progress, done: offset)
            guard let etag = response.header("etag"), !etag.isEmpty else {
                throw HubError.invalidResponse(url: part.1, problem: "no ETag for part \(index + 1) of \(file.path)")
            }
            etags.append(["partNumber": index + 1, "etag": etag])
        }
        // The completion URL is pre-signed: huggingface_hub sends it the LFS headers only, no token.
        _ = try sendJSON("POST", completionURL, ["oid": file.sha256, "parts": etags], headers: Self.lfsHeaders + headers(auth: false),
                         context: context(repo: nil, path: file.path, token: nil))
    }

    /// PUTs a slice of `file` to a pre-signed storage URL (no token: it goes to another host).
    @discardableResult
    private func put(_ file: UploadFile, to url: String, offset: Int64, length: Int64, progress: TransferProgressHandler?,
                     done: Int64) throws -> HTTPResponse {
        let request = HTTPRequest("PUT", url, headers: headers(auth: false), body: file.body(offset: offset, length: length))
        let response = try send(request, onUpload: { sent in
            progress?(TransferProgress(direction: .upload, file: file.path, completedBytes: done + sent, totalBytes: file.size))
        })
        try check(response, context(repo: nil, path: file.path, token: nil))
        return response
    }

    /// `fix_hf_endpoint_in_url`: behind a mirror (HF_ENDPOINT), URLs the Hub returns with its public
    /// address must go through the mirror too.
    func fixEndpoint(_ url: String) -> String {
        guard environment.endpoint != HubEnvironment.defaultEndpoint, url.hasPrefix(HubEnvironment.defaultEndpoint) else { return url }
        return environment.endpoint + url.dropFirst(HubEnvironment.defaultEndpoint.count)
    }
}
