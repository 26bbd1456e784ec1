import Foundation

/// What a HEAD on `/{repo}/resolve/{revision}/{path}` says about a file (`get_hf_file_metadata`).
struct FileMetadata {
    /// `X-Repo-Commit`: the commit the revision resolved to.
    let commit: String
    /// `X-Linked-Etag` or `ETag`, unquoted: the sha256 for LFS files, the git blob sha1 otherwise.
    let etag: String
    /// `X-Linked-Size`, or `Content-Length` when the answer is not a redirect.
    let size: Int64
    /// Where to GET the bytes: the CDN URL of a redirect, or the resolve URL itself.
    let location: String

    /// Whether the etag is an LFS sha256 the download can be checked against.
    var isSHA256: Bool { etag.utf8.count == 64 && etag.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } }

    /// `_normalize_etag`: drops a weak `W/` prefix and the quotes.
    static func normalizedETag(_ value: String?) -> String? {
        guard var text = value?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.hasPrefix("W/") { text.removeFirst(2) }
        text = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return text.isEmpty ? nil : text
    }
}

extension HubSession {
    /// HEADs a resolve URL without following redirects to another host (the CDN's answer would lack the
    /// Hub's headers), but following relative ones, which the Hub uses for renamed repos.
    func metadata(url startURL: String, context: ErrorContext) throws -> FileMetadata {
        var url = startURL
        var response: HTTPResponse
        var hops = 0
        while true {
            var request = HTTPRequest("HEAD", url, headers: headers() + [("accept-encoding", "identity")])
            request.timeout = 10
            response = try send(request)
            try check(response, context)
            guard response.isRedirect, let location = response.header("location"),
                  let target = URL(string: location), target.host == nil else { break }
            hops += 1
            guard hops <= 10, let resolved = URL(string: location, relativeTo: URL(string: url))?.absoluteString else {
                throw HubError.invalidResponse(url: startURL, problem: "too many relative redirects")
            }
            url = resolved
        }
        guard let commit = response.header("x-repo-commit") else {
            throw HubError.invalidResponse(url: url, problem: "no X-Repo-Commit header")
        }
        guard let etag = FileMetadata.normalizedETag(response.header("x-linked-etag") ?? response.header("etag")) else {
            throw HubError.invalidResponse(url: url, problem: "no ETag, so the file cannot be cached reproducibly")
        }
        guard !etag.contains("/"), etag != ".", etag != ".." else {
            throw HubError.invalidResponse(url: url, problem: "ETag '\(etag)' cannot name a cache file")
        }
        let sizeText = response.header("x-linked-size") ?? (response.isRedirect ? nil : response.header("content-length"))
        guard let size = sizeText.flatMap({ Int64($0) }), size >= 0 else {
            throw HubError.invalidResponse(url: url, problem: "no file size (X-Linked-Size or Content-Length)")
        }
        let location = response.header("location").flatMap { URL(string: $0, relativeTo: URL(string: url))?.absoluteString } ?? url
        return FileMetadata(commit: commit, etag: etag, size: size, location: location)
    }
}

/// `scheme://host:port` of a URL, to tell whether a download goes to another host (which must not get
/// the token: CDN URLs are pre-signed).
func authority(of url: String) -> String {
    guard let components = URLComponents(string: url) else { return url }
    return "\(components.scheme ?? "")://\(components.host ?? "")\(components.port.map { ":\($0)" } ?? "")".lowercased()
}
