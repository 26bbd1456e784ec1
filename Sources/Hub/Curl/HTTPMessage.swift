import Foundation

/// One HTTP request as the Hub client issues it.
struct HTTPRequest {
    enum Body {
        case none
        case data(Data)
        /// `length` bytes of a file from `offset`: LFS uploads stream from disk instead of loading gigabytes.
        case file(URL, offset: Int64, length: Int64)

        var length: Int64 {
            switch self {
            case .none: return 0
            case let .data(data): return Int64(data.count)
            case let .file(_, _, length): return length
            }
        }
    }

    var method: String
    var url: String
    var headers: [(name: String, value: String)] = []
    var body: Body = .none
    /// Metadata calls must see the Hub's own 302 (to read its headers), so redirects are opt-in.
    var followRedirects = false
    /// Whole-transfer limit; nil for downloads and uploads, which may legitimately take hours.
    var timeout: TimeInterval?

    init(_ method: String, _ url: String, headers: [(name: String, value: String)] = [], body: Body = .none) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The value of header `name` (case-insensitive), if set.
    func header(_ name: String) -> String? {
        headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    mutating func removeHeader(_ name: String) {
        headers.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }
}

/// The final response of a transfer (after any redirects curl followed).
struct HTTPResponse {
    var status: Int
    /// Header fields in arrival order, names as sent.
    var headers: [(name: String, value: String)]
    /// The body, unless it was streamed to a sink.
    var body: Data
    /// The URL that produced this response.
    var url: String

    func header(_ name: String) -> String? {
        headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    var isSuccess: Bool { (200..<300).contains(status) }
    var isRedirect: Bool { (300..<400).contains(status) }

    /// The body as a JSON object, or nil.
    var jsonObject: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
}

/// A transfer that failed below HTTP: no connection, a timeout, a connection cut mid-body.
struct TransportError: Error, CustomStringConvertible {
    /// libcurl's `CURLcode`.
    let code: Int
    let message: String
    /// Set when our own body callback stopped the transfer (not a network failure).
    let abortedByCaller: Bool

    var description: String { message }
}
