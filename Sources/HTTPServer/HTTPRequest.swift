import Foundation

/// A complete request, body included, as handed to the handler.
public struct HTTPRequest {
    /// The method as sent ("GET"); methods are case-sensitive (RFC 9110 §9.1).
    public let method: String
    /// The request-target as sent ("/v1/jobs?limit=5").
    public let target: String
    /// The percent-decoded path without the query ("/v1/jobs").
    public let path: String
    /// The path as sent, still percent-encoded; the router splits this one, so an encoded "/" stays
    /// inside its segment.
    public let rawPath: String
    /// The query's pairs in order, decoded ("+" is a space).
    public let queryItems: [(String, String)]
    /// The first value for each query name.
    public let query: [String: String]
    public let headers: HTTPHeaders
    public let body: HTTPBody
    /// The client's IP address ("127.0.0.1", "::1"), without the port.
    public let remoteAddress: String
    /// "HTTP/1.1" or "HTTP/1.0".
    public let version: String

    /// A request as the server builds it; also for calling a router directly in tests. A target whose
    /// percent-encoding is invalid keeps its raw path (the server answers such requests with 400 itself).
    public init(method: String, target: String, headers: HTTPHeaders = .init(), body: HTTPBody = .empty,
                remoteAddress: String = "127.0.0.1", version: String = "HTTP/1.1") {
        let parsed = RequestTarget.parse(target)
            ?? RequestTarget(rawPath: String(target.prefix { $0 != "?" }), path: String(target.prefix { $0 != "?" }), queryItems: [])
        self.init(method: method, target: target, parsedTarget: parsed, headers: headers, body: body,
                  remoteAddress: remoteAddress, version: version)
    }

    init(method: String, target: String, parsedTarget: RequestTarget, headers: HTTPHeaders, body: HTTPBody,
         remoteAddress: String, version: String) {
        self.method = method
        self.target = target
        self.path = parsedTarget.path
        self.rawPath = parsedTarget.rawPath
        self.queryItems = parsedTarget.queryItems
        var query: [String: String] = [:]
        for (name, value) in parsedTarget.queryItems where query[name] == nil { query[name] = value }
        self.query = query
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.version = version
    }
}
