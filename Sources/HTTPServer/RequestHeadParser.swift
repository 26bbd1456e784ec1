import Foundation

/// Finds and parses a request head at the start of a byte buffer, enforcing the size limits.
///
/// Lines end in CRLF; a bare LF is accepted as well (RFC 9112 §2.2 allows a recipient to), while a bare
/// CR anywhere is rejected. Parsing happens once the blank line ending the head has arrived; before
/// that, `limitsExceeded` tells whether waiting any longer is pointless.
struct RequestHeadParser {
    let maxRequestLineBytes: Int
    let maxHeaderBytes: Int

    enum Outcome {
        case needMore
        /// The head and the number of bytes it took (blank line included).
        case complete(RequestHead, consumed: Int)
    }

    /// Parses the head at the start of `bytes`, or says more bytes are needed.
    func parse(_ bytes: UnsafeRawBufferPointer) throws(RequestError) -> Outcome {
        // A server SHOULD ignore at least one empty line before the request line (RFC 9112 §2.2);
        // clients send a stray CRLF after a POST body. Skip a few, no more, to stay bounded.
        var start = 0
        while start < min(bytes.count, 8), bytes[start] == UInt8(ascii: "\r") || bytes[start] == UInt8(ascii: "\n") {
            start += 1
        }
        guard let requestLineEnd = Self.lineFeed(in: bytes, from: start, limit: maxRequestLineBytes + 1) else {
            // 414 is the status for a request-target longer than the server will parse (RFC 9110 §15.5.15).
            if bytes.count - start > maxRequestLineBytes {
                throw RequestError(414, "request_line_too_long", "the request line exceeds \(maxRequestLineBytes) bytes")
            }
            return .needMore
        }
        guard let headEnd = Self.endOfHead(in: bytes, from: requestLineEnd) else {
            if bytes.count - (requestLineEnd + 1) > maxHeaderBytes { throw headerTooLarge }
            return .needMore
        }
        if headEnd - (requestLineEnd + 1) > maxHeaderBytes { throw headerTooLarge }

        let requestLine = try Self.lineContent(bytes, start..<requestLineEnd)
        let (method, target, minorVersion) = try Self.parseRequestLine(requestLine)
        guard let parsedTarget = RequestTarget.parse(target) else {
            throw RequestError.badRequest("invalid request target")
        }
        var headers = HTTPHeaders()
        var lineStart = requestLineEnd + 1
        while true {
            guard let lineEnd = Self.lineFeed(in: bytes, from: lineStart, limit: headEnd + 1 - lineStart) else {
                throw RequestError.badRequest("malformed header section")
            }
            let line = try Self.lineContent(bytes, lineStart..<lineEnd)
            lineStart = lineEnd + 1
            if line.isEmpty { break }
            let (name, value) = try Self.parseField(line)
            headers.add(name: name, value: value)
        }
        try Self.validateHost(headers, minorVersion: minorVersion)
        return .complete(RequestHead(method: method, target: target, parsedTarget: parsedTarget,
                                     minorVersion: minorVersion, headers: headers),
                         consumed: lineStart)
    }

    private var headerTooLarge: RequestError {
        RequestError(431, "header_too_large", "the header section exceeds \(maxHeaderBytes) bytes")
    }

    // MARK: - Lines

    /// Index of the first LF in `bytes[from ..< from+limit]`.
    static func lineFeed(in bytes: UnsafeRawBufferPointer, from: Int, limit: Int) -> Int? {
        let count = min(limit, bytes.count - from)
        guard count > 0, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + from, 0x0A, count) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Index of the LF that ends the head: the first LF (after `requestLineEnd`) followed directly by
    /// an LF or CRLF, or the request line's own LF when the head has no fields.
    static func endOfHead(in bytes: UnsafeRawBufferPointer, from requestLineEnd: Int) -> Int? {
        var previous = requestLineEnd
        while true {
            let next = previous + 1
            if next < bytes.count, bytes[next] == 0x0A { return next }
            if next + 1 < bytes.count, bytes[next] == 0x0D, bytes[next + 1] == 0x0A { return next + 1 }
            guard let following = lineFeed(in: bytes, from: next, limit: bytes.count - next) else { return nil }
            previous = following
        }
    }

    /// The bytes of a line without its CR; a CR elsewhere is an error (RFC 9112 §2.2).
    static func lineContent(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(RequestError) -> ArraySlice<UInt8> {
        var end = range.upperBound
        if end > range.lowerBound, bytes[end - 1] == 0x0D { end -= 1 }
        let line = Array(bytes[range.lowerBound..<end])[...]
        if line.contains(0x0D) { throw RequestError.badRequest("bare CR in the request head") }
        return line
    }

    // MARK: - Request line (RFC 9112 §3)

    static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(RequestError) -> (String, String, Int) {
        // method SP request-target SP HTTP-version, single spaces (§3: other whitespace is invalid here).
        let parts = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, parts[0].allSatisfy(isTokenByte) else {
            throw RequestError.badRequest("invalid request line")
        }
        let versionBytes = Array(parts[2])
        let prefix = Array("HTTP/".utf8)
        guard versionBytes.count == 8, Array(versionBytes[0..<5]) == prefix, versionBytes[6] == UInt8(ascii: "."),
              let major = digit(versionBytes[5]), let minor = digit(versionBytes[7])
        else {
            throw RequestError.badRequest("invalid HTTP version")
        }
        guard major == 1 else {
            throw RequestError(505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served")
        }
        // A higher minor version is answered as HTTP/1.1 (RFC 9110 §6.2).
        return (String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self), min(minor, 1))
    }

    // MARK: - Fields (RFC 9112 §5, RFC 9110 §5.5)

    static func parseField(_ line: ArraySlice<UInt8>) throws(RequestError) -> (String, String) {
        // obs-fold (a line starting with whitespace) may be rejected with 400 (RFC 9112 §5.2).
        guard let first = line.first, first != 0x20, first != 0x09 else {
            throw RequestError.badRequest("folded or indented header line")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw RequestError.badRequest("header line without a colon")
        }
        let name = line[line.startIndex..<colon]
        // No whitespace between name and colon: a server MUST reject that with 400 (RFC 9112 §5.1).
        guard !name.isEmpty, name.allSatisfy(isTokenByte) else {
            throw RequestError.badRequest("invalid header name")
        }
        var value = line[(colon + 1)...]
        while let byte = value.first, byte == 0x20 || byte == 0x09 { value = value.dropFirst() }
        while let byte = value.last, byte == 0x20 || byte == 0x09 { value = value.dropLast() }
        // field-vchar = VCHAR / obs-text, with SP and HTAB inside; NUL and other controls are invalid.
        guard value.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else {
            throw RequestError.badRequest("invalid character in header value")
        }
        let text = String(validating: value, as: UTF8.self) ?? String(value.map { Character(Unicode.Scalar($0)) })
        return (String(decoding: name, as: UTF8.self), text)
    }

    /// An HTTP/1.1 request without exactly one Host field gets 400 (RFC 9112 §3.2).
    static func validateHost(_ headers: HTTPHeaders, minorVersion: Int) throws(RequestError) {
        let hosts = headers.values(for: "Host")
        if hosts.count > 1 || (minorVersion >= 1 && hosts.isEmpty) {
            throw RequestError.badRequest(hosts.isEmpty ? "missing Host header" : "more than one Host header")
        }
    }

    /// tchar (RFC 9110 §5.6.2).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
