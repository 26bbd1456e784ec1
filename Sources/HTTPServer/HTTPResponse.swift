import Foundation

/// What a handler answers. The server adds the framing headers itself (`Content-Length` or
/// `Transfer-Encoding: chunked`, `Connection`, `Date`); a handler's own values for those are replaced.
public struct HTTPResponse {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: ResponseBody

    public enum ResponseBody {
        /// Sent with a `Content-Length`.
        case data(Data)
        /// Sent from the file with a `Content-Length` of its size when the response starts; a file that
        /// cannot be opened turns the response into a 500.
        case file(URL)
        /// Sent with chunked transfer coding (RFC 9112 §7.1) as the closure writes. The closure runs on a
        /// thread of its own, not a handler thread, and may run for minutes (Server-Sent Events); the
        /// response ends when it returns.
        case stream((ResponseStream) -> Void)
    }

    public init(status: Int = 200, headers: HTTPHeaders = .init(), body: ResponseBody = .data(Data())) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `object` encoded by `JSONSerialization` (keys sorted, so output is stable), as `application/json`.
    /// An object that is not valid JSON gives a 500 error response instead.
    public static func json(_ status: Int, _ object: Any) -> HTTPResponse {
        guard JSONSerialization.isValidJSONObject(object) || object is String || object is NSNumber || object is NSNull,
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        else {
            return .error(500, code: "internal_error", message: "the response could not be encoded")
        }
        return jsonData(status, data)
    }

    /// `value` encoded by `encoder` as `application/json`; an encoding failure gives a 500 error response.
    public static func json<Value: Encodable>(_ status: Int, encoding value: Value, encoder: JSONEncoder = JSONEncoder()) -> HTTPResponse {
        guard let data = try? encoder.encode(value) else {
            return .error(500, code: "internal_error", message: "the response could not be encoded")
        }
        return jsonData(status, data)
    }

    /// The error shape every part of the server answers with:
    /// `{"error": {"code": "...", "message": "..."}}`, `Content-Type: application/json`.
    public static func error(_ status: Int, code: String, message: String, headers: HTTPHeaders = .init()) -> HTTPResponse {
        let object = ["error": ["code": code, "message": message]]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        var response = jsonData(status, data)
        for (name, value) in headers { response.headers.add(name: name, value: value) }
        return response
    }

    /// Plain text (UTF-8).
    public static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: .data(Data(text.utf8)))
    }

    /// A Server-Sent Events stream (`text/event-stream`, not cached); write events with
    /// `ResponseStream.writeEvent`.
    public static func serverSentEvents(headers: HTTPHeaders = .init(), _ producer: @escaping (ResponseStream) -> Void) -> HTTPResponse {
        var response = HTTPResponse(status: 200, headers: headers, body: .stream(producer))
        response.headers.set(name: "Content-Type", value: "text/event-stream")
        response.headers.set(name: "Cache-Control", value: "no-cache")
        return response
    }

    private static func jsonData(_ status: Int, _ data: Data) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: .data(data))
    }
}
