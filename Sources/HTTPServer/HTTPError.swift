/// An error a route handler throws to answer with a specific status and JSON error body; the router
/// turns it into `HTTPResponse.error(status, code:, message:, headers:)`. Any other thrown error
/// becomes a 500 whose message reveals nothing of the error.
public struct HTTPError: Error, CustomStringConvertible, Equatable {
    public var status: Int
    public var code: String
    public var message: String
    public var headers: HTTPHeaders

    public init(_ status: Int, code: String, message: String, headers: HTTPHeaders = .init()) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var response: HTTPResponse { .error(status, code: code, message: message, headers: headers) }

    public var description: String { "HTTP \(status) \(code): \(message)" }
}
