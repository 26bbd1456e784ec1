/// The request line and header section of a request (RFC 9112 §2.1), validated.
struct RequestHead {
    let method: String
    let target: String
    let parsedTarget: RequestTarget
    /// Minor version of HTTP/1.x: 1 for HTTP/1.1, 0 for HTTP/1.0.
    let minorVersion: Int
    let headers: HTTPHeaders

    var version: String { "HTTP/1.\(minorVersion)" }

    /// Whether the client allows the connection to stay open after this exchange (RFC 9112 §9.3):
    /// HTTP/1.1 unless it sent `Connection: close`; HTTP/1.0 only if it asked with `Connection: keep-alive`.
    var wantsKeepAlive: Bool {
        if headers.containsToken("close", in: "Connection") { return false }
        return minorVersion >= 1 || headers.containsToken("keep-alive", in: "Connection")
    }
}
