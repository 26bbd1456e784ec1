/// How the length of a request's body is known (RFC 9112 §6.3).
enum BodyFraming: Equatable {
    case none
    case contentLength(Int)
    case chunked

    /// Reads the framing from the head, refusing every ambiguous case: a request that two parties could
    /// split into messages differently is how requests are smuggled past a proxy (RFC 9112 §11.2).
    static func of(_ head: RequestHead) throws(RequestError) -> BodyFraming {
        let transferEncodings = head.headers.values(for: "Transfer-Encoding")
        let contentLengths = head.headers.values(for: "Content-Length")
        if !transferEncodings.isEmpty {
            // Both present: RFC 9112 §6.3 rule 3 lets a server reject; ambiguity is the smuggling vector.
            guard contentLengths.isEmpty else {
                throw RequestError.badRequest("both Transfer-Encoding and Content-Length")
            }
            // An HTTP/1.0 message with Transfer-Encoding has faulty framing (RFC 9112 §6.1).
            guard head.minorVersion >= 1 else {
                throw RequestError.badRequest("Transfer-Encoding in an HTTP/1.0 request")
            }
            let codings = head.headers.commaSeparatedValues(for: "Transfer-Encoding").map {
                $0.split(separator: ";", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces).lowercased()
            }
            // chunked must be present exactly once and last, else the length cannot be determined:
            // 400 and close (RFC 9112 §6.3 rule 4).
            guard codings.last == "chunked", codings.filter({ $0 == "chunked" }).count == 1 else {
                throw RequestError.badRequest("Transfer-Encoding must end with chunked")
            }
            // A coding the server does not implement before chunked: 501 (RFC 9112 §6.1).
            if codings.count > 1 {
                throw RequestError(501, "unsupported_transfer_coding", "only the chunked transfer coding is supported")
            }
            return .chunked
        }
        guard !contentLengths.isEmpty else { return .none }
        // Repeated Content-Length (as fields or as a list) is rejected outright, even with equal values;
        // RFC 9112 §6.3 rule 5 allows that and it leaves nothing to interpret.
        guard contentLengths.count == 1 else { throw RequestError.badRequest("duplicate Content-Length") }
        let text = contentLengths[0]
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let length = Int(text)
        else {
            throw RequestError.badRequest(text.contains(",") ? "duplicate Content-Length" : "invalid Content-Length")
        }
        return length == 0 ? .none : .contentLength(length)
    }
}
