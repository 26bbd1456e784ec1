import Checksums
import Foundation
@testable import Hub

/// A stand-in for huggingface.co and its CDN, served on two 127.0.0.1 ports, speaking the parts of the Hub
/// API the client uses (REFERENCE.md section 6) and recording what it was sent.
///
/// Files whose names end in `.safetensors` are LFS files: the Hub answers their resolve URL with a 302 to
/// the CDN port (`X-Linked-Etag` = sha256, `X-Linked-Size`), as huggingface.co does. The CDN rejects
/// nothing, but records any `Authorization` header it sees (`cdnAuthorizations`), which must stay empty.
final class StandInHub {
    struct StoredFile {
        let data: Data
        let isLFS: Bool
        var sha256: String { SHA256Hasher.hex(data) }
        /// Stands in for the git blob sha1 the Hub sends as the ETag of a regular file.
        var gitOID: String { String(SHA256Hasher.hex(Data("blob \(data.count)\0".utf8) + data).prefix(40)) }
    }

    struct Repo {
        var commits: [String: [String: StoredFile]] = [:]
        var refs: [String: String] = [:]
        var gated = false
        var isPrivate = false
    }

    static let validToken = "hf_valid_test_token"

    private let lock = NSLock()
    private var repos: [String: Repo] = [:]
    private var log: [TestRequest] = []
    private(set) var hub: TestHTTPServer!
    private(set) var cdn: TestHTTPServer!

    // Behaviour switches (set before a call).
    /// Cut the next CDN download after this many body bytes (once).
    var cutNextDownloadAfter: Int?
    /// Answer `Range` requests with 200 and the whole file.
    var ignoreRange = false
    /// Serve LFS blobs with one byte changed (same size), so only the sha256 check can notice.
    var corruptBlobs = false
    /// Serve LFS blobs without their last 10 bytes (a complete response, just shorter than X-Linked-Size).
    var truncateBlobs = false
    /// Old id → new id: resolve and listing URLs of the old id get a relative 307 (a renamed repo).
    var renamedRepos: [String: String] = [:]
    /// LFS objects of at least this size are uploaded with the multipart transfer, in parts of `chunkSize`.
    var multipartThreshold = 100_000
    var chunkSize = 65_536

    // What uploads sent.
    private(set) var createdRepos: [[String: Any]] = []
    private(set) var preuploadFiles: [[String: Any]] = []
    private(set) var lfsBatchRequests: [[String: Any]] = []
    private(set) var basicUploads: [String: Data] = [:]
    private(set) var partUploads: [String: [Int: Data]] = [:]
    private(set) var completions: [[String: Any]] = []
    private(set) var verifications: [[String: Any]] = []
    private(set) var storedLFS: [String: Data] = [:]
    private(set) var commitBodies: [Data] = []
    private(set) var cdnAuthorizations: [String] = []

    init() throws {
        hub = try TestHTTPServer(name: "hub") { [unowned self] in self.handleHub($0) }
        cdn = try TestHTTPServer(name: "cdn") { [unowned self] in self.handleCDN($0) }
    }

    func stop() {
        hub.stop()
        cdn.stop()
    }

    var endpoint: String { hub.baseURL }

    /// Every request either server received, in order.
    var requests: [TestRequest] { lock.withLock { log } }

    func resetLog() { lock.withLock { log = [] } }

    /// The environment a test passes to the client: this endpoint, `cache` as HF_HUB_CACHE, the token.
    func environment(cache: URL, token: String? = StandInHub.validToken, offline: Bool = false) -> HubEnvironment {
        var variables = ["HF_ENDPOINT": endpoint + "/", "HF_HUB_CACHE": cache.path, "HF_HOME": cache.appendingPathComponent("home").path]
        if let token { variables["HF_TOKEN"] = token }
        if offline { variables["HF_HUB_OFFLINE"] = "1" }
        return HubEnvironment(variables)
    }

    /// Adds a commit holding `files` to `repo` (created if new), moves `branch` to it; returns its sha.
    @discardableResult
    func publish(_ repo: String, files: [String: Data], branch: String = "main", tags: [String] = [],
                 gated: Bool = false, isPrivate: Bool = false) -> String {
        lock.withLock {
            var entry = repos[repo] ?? Repo()
            entry.gated = gated
            entry.isPrivate = isPrivate
            let stored = files.mapValues { StoredFile(data: $0, isLFS: false) }
            let commit = Self.commitID(repo: repo, files: stored, parent: entry.refs[branch])
            entry.commits[commit] = files.reduce(into: [:]) { $0[$1.key] = StoredFile(data: $1.value, isLFS: $1.key.hasSuffix(".safetensors")) }
            entry.refs[branch] = commit
            for tag in tags { entry.refs[tag] = commit }
            repos[repo] = entry
            return commit
        }
    }

    /// The files of `repo` at `revision` (what a push produced).
    func files(_ repo: String, revision: String = "main") -> [String: Data]? {
        lock.withLock {
            guard let entry = repos[repo], let commit = entry.refs[revision] ?? (entry.commits[revision] != nil ? revision : nil) else { return nil }
            return entry.commits[commit]?.mapValues(\.data)
        }
    }

    static func commitID(repo: String, files: [String: StoredFile], parent: String?) -> String {
        let text = ([repo, parent ?? ""] + files.keys.sorted().map { "\($0)=\(files[$0]!.sha256)" }).joined(separator: "\n")
        return String(SHA256Hasher.hex(Data(text.utf8)).prefix(40))
    }

    // MARK: - Hub routes

    private func handleHub(_ request: TestRequest) -> TestResponse {
        lock.lock()
        defer { lock.unlock() }
        log.append(request)
        let s = request.segments
        if s.count >= 5, s[2] == "resolve", ["HEAD", "GET"].contains(request.method) {
            return resolve(request, repo: "\(s[0])/\(s[1])", revision: s[3], path: s[4...].joined(separator: "/"))
        }
        if s.count == 6, s[0] == "api", s[1] == "models", s[4] == "revision", request.method == "GET" {
            return listing(request, repo: "\(s[2])/\(s[3])", revision: s[5])
        }
        if s == ["api", "repos", "create"], request.method == "POST" { return createRepo(request) }
        if s.count == 6, s[0] == "api", s[1] == "models", s[4] == "preupload", request.method == "POST" {
            return preupload(request, repo: "\(s[2])/\(s[3])")
        }
        if s.count == 6, s[1].hasSuffix(".git"), Array(s[2...]) == ["info", "lfs", "objects", "batch"], request.method == "POST" {
            return lfsBatch(request, repo: "\(s[0])/\(s[1].dropLast(4))")
        }
        if s.count == 2, s[0] == "lfs-complete", request.method == "POST" { return completeMultipart(request, oid: s[1]) }
        if s.count == 2, s[0] == "lfs-verify", request.method == "POST" { return verify(request, oid: s[1]) }
        if s.count == 6, s[0] == "api", s[1] == "models", s[4] == "commit", request.method == "POST" {
            return commit(request, repo: "\(s[2])/\(s[3])", revision: s[5])
        }
        return .error(404, code: nil, message: "no route for \(request.method) \(request.path)")
    }

    /// The Hub's access rules: an unknown token is 401, a private or missing repo is 401/404
    /// `RepoNotFound`, a gated one is 403 `GatedRepo`.
    private func access(_ request: TestRequest, repo name: String) -> (Repo?, TestResponse?) {
        let authorization = request.headers["authorization"]
        if let authorization, authorization != "Bearer \(Self.validToken)" {
            return (nil, .error(401, code: nil, message: "Invalid credentials in Authorization header"))
        }
        guard let repo = repos[name], !(repo.isPrivate && authorization == nil) else {
            return (nil, .error(authorization == nil ? 401 : 404, code: "RepoNotFound", message: "Repository not found"))
        }
        if repo.gated { return (nil, .error(403, code: "GatedRepo", message: "Access to model \(name) is restricted")) }
        return (repo, nil)
    }

    private func relativeRedirect(_ request: TestRequest, from old: String, to new: String) -> TestResponse {
        let target = request.path.replacingOccurrences(of: "/\(old)/", with: "/\(new)/")
        return TestResponse(status: 307, headers: [("Location", target)])
    }

    private func resolve(_ request: TestRequest, repo name: String, revision: String, path: String) -> TestResponse {
        if let new = renamedRepos[name] { return relativeRedirect(request, from: name, to: new) }
        let (repo, denied) = access(request, repo: name)
        if let denied { return denied }
        guard let commit = repo!.refs[revision] ?? (repo!.commits[revision] != nil ? revision : nil) else {
            return .error(404, code: "RevisionNotFound", message: "Invalid rev id: \(revision)")
        }
        guard let file = repo!.commits[commit]![path] else {
            var response = TestResponse.error(404, code: "EntryNotFound", message: "\(path) does not exist")
            response.headers.append(("X-Repo-Commit", commit))
            return response
        }
        if file.isLFS {
            let note = Data("Found. Redirecting to the CDN".utf8)
            return TestResponse(status: 302, headers: [
                ("Location", "\(cdn.baseURL)/blobs/\(file.sha256)?X-Amz-Signature=signed&name=\(urlQuote(path))"),
                ("X-Repo-Commit", commit), ("X-Linked-Etag", "\"\(file.sha256)\""), ("X-Linked-Size", String(file.data.count)),
                ("ETag", "\"\(file.gitOID)\""),
            ], body: note)
        }
        return TestResponse(status: 200, headers: [("X-Repo-Commit", commit), ("ETag", "W/\"\(file.gitOID)\""),
                                                   ("Content-Type", "application/json")], body: file.data)
    }

    private func listing(_ request: TestRequest, repo name: String, revision: String) -> TestResponse {
        if let new = renamedRepos[name] { return relativeRedirect(request, from: name, to: new) }
        let (repo, denied) = access(request, repo: name)
        if let denied { return denied }
        guard let commit = repo!.refs[revision] ?? (repo!.commits[revision] != nil ? revision : nil) else {
            return .error(404, code: "RevisionNotFound", message: "Invalid rev id: \(revision)")
        }
        let siblings = repo!.commits[commit]!.keys.sorted().map { ["rfilename": $0] }
        return .json(200, ["id": name, "sha": commit, "siblings": siblings, "private": repo!.isPrivate, "gated": repo!.gated])
    }

    // MARK: - Upload routes

    private func requireToken(_ request: TestRequest) -> TestResponse? {
        request.headers["authorization"] == "Bearer \(Self.validToken)" ? nil
            : .error(401, code: nil, message: "Invalid credentials in Authorization header")
    }

    private func createRepo(_ request: TestRequest) -> TestResponse {
        if let denied = requireToken(request) { return denied }
        guard let body = request.json, let name = body["name"] as? String, let organization = body["organization"] as? String else {
            return .error(400, code: nil, message: "bad create payload")
        }
        createdRepos.append(body)
        let id = "\(organization)/\(name)"
        if repos[id] != nil { return .error(409, code: nil, message: "You already created this model repo") }
        var repo = Repo()
        repo.isPrivate = (body["visibility"] as? String) != "public"
        let commit = Self.commitID(repo: id, files: [:], parent: nil)
        repo.commits[commit] = [:]
        repo.refs["main"] = commit
        repos[id] = repo
        return .json(200, ["url": "\(endpoint)/\(id)", "name": id])
    }

    private func preupload(_ request: TestRequest, repo name: String) -> TestResponse {
        if let denied = requireToken(request) { return denied }
        guard repos[name] != nil else { return .error(404, code: "RepoNotFound", message: "Repository not found") }
        guard let files = request.json?["files"] as? [[String: Any]] else { return .error(400, code: nil, message: "bad preupload payload") }
        preuploadFiles += files
        let answers = files.map { file -> [String: Any] in
            let path = file["path"] as? String ?? ""
            let size = file["size"] as? Int ?? 0
            return ["path": path, "uploadMode": path.hasSuffix(".safetensors") && size > 0 ? "lfs" : "regular", "shouldIgnore": false]
        }
        return .json(200, ["files": answers, "commitOid": repos[name]!.refs["main"] ?? ""])
    }

    private func lfsBatch(_ request: TestRequest, repo name: String) -> TestResponse {
        if let denied = requireToken(request) { return denied }
        guard request.headers["accept"] == "application/vnd.git-lfs+json",
              request.headers["content-type"] == "application/vnd.git-lfs+json",
              let body = request.json, let objects = body["objects"] as? [[String: Any]] else {
            return .error(400, code: nil, message: "bad LFS batch request")
        }
        lfsBatchRequests.append(body)
        let answers = objects.map { object -> [String: Any] in
            let oid = object["oid"] as? String ?? ""
            let size = object["size"] as? Int ?? 0
            if storedLFS[oid] != nil { return ["oid": oid, "size": size] }
            let verify = ["href": "\(endpoint)/lfs-verify/\(oid)"]
            if size >= multipartThreshold {
                var header: [String: Any] = ["chunk_size": String(chunkSize)]
                for part in 1...((size + chunkSize - 1) / chunkSize) { header[String(part)] = "\(cdn.baseURL)/part/\(oid)/\(part)?sig=x" }
                return ["oid": oid, "size": size, "authenticated": true,
                        "actions": ["upload": ["href": "\(endpoint)/lfs-complete/\(oid)", "header": header], "verify": verify]]
            }
            return ["oid": oid, "size": size, "authenticated": true,
                    "actions": ["upload": ["href": "\(cdn.baseURL)/upload/\(oid)?sig=x"], "verify": verify]]
        }
        return .json(200, ["transfer": "basic", "objects": answers])
    }

    private func completeMultipart(_ request: TestRequest, oid: String) -> TestResponse {
        guard let body = request.json, body["oid"] as? String == oid, let parts = body["parts"] as? [[String: Any]],
              let uploaded = partUploads[oid] else { return .error(400, code: nil, message: "bad completion") }
        completions.append(body)
        var data = Data()
        for (index, part) in parts.enumerated() {
            guard part["partNumber"] as? Int == index + 1, part["etag"] as? String == "\"etag-\(oid.prefix(8))-\(index + 1)\"",
                  let bytes = uploaded[index + 1] else { return .error(400, code: nil, message: "bad part \(index + 1)") }
            data += bytes
        }
        guard parts.count == uploaded.count, SHA256Hasher.hex(data) == oid else { return .error(400, code: nil, message: "parts do not reassemble") }
        storedLFS[oid] = data
        return .json(200, [:])
    }

    private func verify(_ request: TestRequest, oid: String) -> TestResponse {
        if let denied = requireToken(request) { return denied }
        guard let body = request.json else { return .error(400, code: nil, message: "bad verify") }
        verifications.append(body)
        guard let data = storedLFS[oid], body["oid"] as? String == oid, body["size"] as? Int == data.count else {
            return .error(404, code: nil, message: "object not uploaded")
        }
        return .json(200, [:])
    }

    private func commit(_ request: TestRequest, repo name: String, revision: String) -> TestResponse {
        if let denied = requireToken(request) { return denied }
        guard request.headers["content-type"] == "application/x-ndjson" else { return .error(400, code: nil, message: "not NDJSON") }
        commitBodies.append(request.body)
        guard var repo = repos[name] else { return .error(404, code: "RepoNotFound", message: "Repository not found") }
        // Well-formed NDJSON: every line, the last included, ends in "\n"; no blank lines.
        guard request.body.last == 0x0A else { return .error(400, code: nil, message: "the payload must end with a newline") }
        let lines = String(decoding: request.body.dropLast(), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first.map({ $0.contains("\"header\"") }) == true else { return .error(400, code: nil, message: "first line must be the header") }
        let parent = repo.refs[revision]
        var files = parent.flatMap { repo.commits[$0] } ?? [:]
        for line in lines.dropFirst() {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let key = object["key"] as? String, let value = object["value"] as? [String: Any],
                  let path = value["path"] as? String else { return .error(400, code: nil, message: "malformed line: \(line)") }
            switch key {
            case "file":
                guard value["encoding"] as? String == "base64", let content = (value["content"] as? String).flatMap({ Data(base64Encoded: $0) })
                else { return .error(400, code: nil, message: "bad file line") }
                files[path] = StoredFile(data: content, isLFS: false)
            case "lfsFile":
                guard value["algo"] as? String == "sha256", let oid = value["oid"] as? String, let data = storedLFS[oid],
                      value["size"] as? Int == data.count else { return .error(400, code: nil, message: "LFS object \(path) missing") }
                files[path] = StoredFile(data: data, isLFS: true)
            default:
                return .error(400, code: nil, message: "unexpected key \(key)")
            }
        }
        let commit = Self.commitID(repo: name, files: files, parent: parent)
        repo.commits[commit] = files
        repo.refs[revision] = commit
        repos[name] = repo
        return .json(200, ["commitUrl": "\(endpoint)/\(name)/commit/\(commit)", "commitOid": commit, "pullRequestUrl": NSNull()])
    }

    // MARK: - CDN routes

    private func handleCDN(_ request: TestRequest) -> TestResponse {
        lock.lock()
        defer { lock.unlock() }
        log.append(request)
        if let authorization = request.headers["authorization"] { cdnAuthorizations.append(authorization) }
        let s = request.segments
        if s.count == 2, s[0] == "blobs", request.method == "GET" { return blob(request, sha: s[1]) }
        if s.count == 2, s[0] == "upload", request.method == "PUT" {
            guard SHA256Hasher.hex(request.body) == s[1] else { return .error(400, code: nil, message: "hash mismatch") }
            basicUploads[s[1]] = request.body
            storedLFS[s[1]] = request.body
            return TestResponse(status: 200, headers: [("ETag", "\"basic\"")])
        }
        if s.count == 3, s[0] == "part", let number = Int(s[2]), request.method == "PUT" {
            partUploads[s[1], default: [:]][number] = request.body
            return TestResponse(status: 200, headers: [("ETag", "\"etag-\(s[1].prefix(8))-\(number)\"")])
        }
        return .error(404, code: nil, message: "no CDN route for \(request.method) \(request.path)")
    }

    private func blob(_ request: TestRequest, sha: String) -> TestResponse {
        guard let file = repos.values.lazy.flatMap({ $0.commits.values }).flatMap({ $0.values }).first(where: { $0.isLFS && $0.sha256 == sha }) else {
            return .error(404, code: nil, message: "no such blob")
        }
        var data = file.data
        if corruptBlobs, !data.isEmpty { data[data.count / 2] ^= 0xFF }
        if truncateBlobs { data = data.dropLast(10) }
        var response = TestResponse(status: 200, headers: [("Content-Type", "application/octet-stream")], body: data)
        if let range = request.headers["range"], !ignoreRange, range.hasPrefix("bytes="),
           let start = Int(range.dropFirst(6).split(separator: "-").first ?? "") {
            guard start < data.count else { return TestResponse(status: 416, headers: [("Content-Range", "bytes */\(data.count)")]) }
            response = TestResponse(status: 206, headers: [("Content-Type", "application/octet-stream"),
                                                           ("Content-Range", "bytes \(start)-\(data.count - 1)/\(data.count)")],
                                    body: data.subdata(in: start..<data.count))
        }
        if let cut = cutNextDownloadAfter {
            cutNextDownloadAfter = nil
            response.cutAfter = cut
        }
        return response
    }
}
