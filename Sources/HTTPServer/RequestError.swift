/// A request the server refuses before (or instead of) calling the handler. The server answers with
/// `status` and a JSON error body, then closes the connection: after a framing error it cannot know
/// where the next request would start (RFC 9112 §6.3, §11.2).
struct RequestError: Error, Equatable {
    let status: Int
    let code: String
    let message: String

    init(_ status: Int, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func badRequest(_ message: String) -> RequestError { RequestError(400, "bad_request", message) }

    var response: HTTPResponse { .error(status, code: code, message: message) }
}
