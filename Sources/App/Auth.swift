import Foundation
import HTTPServer

/// Bearer-token authentication (RFC 6750). The comparison takes the same time whatever the guess, so a
/// client cannot find the token byte by byte from response times. Tokens are never logged.
struct BearerAuth {
    let token: String

    /// Routes open without a token: health checks and the static page.
    static func isPublic(_ path: String) -> Bool {
        path.hasPrefix("/health/") || path == "/" || path.hasPrefix("/assets/")
    }

    /// nil when the request may proceed, else the 401 response.
    func check(_ request: HTTPRequest) -> HTTPResponse? {
        if Self.isPublic(request.path) { return nil }
        guard let header = request.headers["Authorization"] else {
            return unauthorized(code: "unauthorized", message: "this server needs an API token: send Authorization: Bearer <token>", error: nil)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return unauthorized(code: "unauthorized", message: "use the Bearer scheme: Authorization: Bearer <token>", error: "invalid_request")
        }
        guard Self.constantTimeEqual(Array(parts[1].utf8), Array(token.utf8)) else {
            return unauthorized(code: "unauthorized", message: "the API token is not valid", error: "invalid_token")
        }
        return nil
    }

    func unauthorized(code: String, message: String, error: String?) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.set(name: "WWW-Authenticate", value: error.map { "Bearer realm=\"sigtune\", error=\"\($0)\"" } ?? "Bearer realm=\"sigtune\"")
        return .error(401, code: code, message: message, headers: headers)
    }

    /// Compares every byte of both (and the lengths) without an early exit.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
