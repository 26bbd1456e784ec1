import Foundation

/// Hub HTTP conventions on top of `HTTPClient`: the standard headers, JSON bodies, and turning error
/// statuses and transport failures into `HubError`s.
struct HubSession {
    let environment: HubEnvironment
    var client = HTTPClient()

    /// `build_hf_headers`: user-agent, and `authorization` when there is a token (and `auth` is true).
    func headers(auth: Bool = true, token: String? = nil) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("user-agent", environment.userAgent)]
        if auth, let token = token ?? environment.token { headers.append(("authorization", "Bearer \(token)")) }
        return headers
    }

    /// Sends `request`; a failure below HTTP becomes `HubError.network`.
    func send(_ request: HTTPRequest,
              onResponse: ((Int, [(name: String, value: String)]) throws -> Void)? = nil,
              onBody: ((UnsafeRawBufferPointer) throws -> Void)? = nil,
              onUpload: ((Int64) -> Void)? = nil) throws -> HTTPResponse {
        do {
            return try client.perform(request, onResponse: onResponse, onBody: onBody, onUpload: onUpload)
        } catch let error as TransportError {
            throw HubError.network(url: request.url, detail: error.message)
        }
    }

    /// Sends a JSON body and returns the response, which must be 2xx.
    func sendJSON(_ method: String, _ url: String, _ object: Any, headers extra: [(name: String, value: String)],
                  context: ErrorContext) throws -> HTTPResponse {
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        var request = HTTPRequest(method, url, headers: extra, body: .data(body))
        if request.header("content-type") == nil { request.headers.append(("content-type", "application/json")) }
        request.timeout = 120
        let response = try send(request)
        try check(response, context)
        return response
    }

    /// What a request was about, so an error status can name the repo, revision or file.
    struct ErrorContext {
        var repo: String?
        var revision: String?
        var path: String?
        var sentToken: Bool
    }

    /// `hf_raise_for_status`: maps a non-2xx/3xx response to the most specific `HubError`.
    func check(_ response: HTTPResponse, _ context: ErrorContext) throws {
        guard response.status >= 400 || response.status < 200 else { return }
        let code = response.header("x-error-code")
        let message = response.header("x-error-message") ?? (response.jsonObject?["error"] as? String)
            ?? (response.body.isEmpty || response.body.count > 2000 ? nil : String(decoding: response.body, as: UTF8.self))
        let repo = context.repo ?? "?"
        switch (code, response.status) {
        case ("RevisionNotFound", _):
            throw HubError.revisionNotFound(repo: repo, revision: context.revision ?? "?")
        case ("EntryNotFound", _):
            throw HubError.entryNotFound(repo: repo, path: context.path ?? "?", revision: context.revision ?? "?")
        case ("GatedRepo", _):
            throw HubError.gatedRepo(repo: repo, endpoint: environment.endpoint)
        case ("RepoNotFound", _):
            throw HubError.repoNotFound(repo: repo, endpoint: environment.endpoint)
        case (_, 401), (_, 403):
            throw HubError.unauthorized(status: response.status, url: response.url, message: message, hasToken: context.sentToken)
        default:
            throw HubError.http(status: response.status, url: response.url, message: message)
        }
    }

    func context(repo: RepoID?, revision: String? = nil, path: String? = nil, token: String? = nil) -> ErrorContext {
        ErrorContext(repo: repo?.description, revision: revision, path: path, sentToken: (token ?? environment.token) != nil)
    }
}

/// `urllib.parse.quote`: percent-encodes everything but ASCII letters, digits, `_.-~` and `safe`.
func urlQuote(_ text: String, safe: String = "/") -> String {
    var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
    allowed.insert(charactersIn: safe)
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}
