import Foundation

/// The request-target of a request line split into its path and query (RFC 9112 §3.2).
struct RequestTarget: Equatable {
    /// The path as sent, still percent-encoded ("/v1/jobs/a%20b").
    var rawPath: String
    /// The path percent-decoded ("/v1/jobs/a b"); "*" for the asterisk form.
    var path: String
    /// The query's name/value pairs in order, decoded as `application/x-www-form-urlencoded`.
    var queryItems: [(String, String)]

    static func == (lhs: RequestTarget, rhs: RequestTarget) -> Bool {
        lhs.rawPath == rhs.rawPath && lhs.path == rhs.path
            && lhs.queryItems.map { [$0.0, $0.1] } == rhs.queryItems.map { [$0.0, $0.1] }
    }

    /// Parses origin-form ("/path?query"), absolute-form ("http://host/path?query", RFC 9112 §3.2.2,
    /// which a server must accept) and asterisk-form ("*", only meaningful for OPTIONS, §3.2.4).
    /// Returns nil for anything else, for bytes outside visible ASCII, a fragment, or bad percent-encoding.
    static func parse(_ target: String) -> RequestTarget? {
        guard !target.isEmpty, target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") }) else {
            return nil
        }
        if target == "*" { return RequestTarget(rawPath: "*", path: "*", queryItems: []) }
        var originForm = Substring(target)
        if !target.hasPrefix("/") {
            // absolute-form: scheme "://" authority path-abempty [ "?" query ]
            guard let schemeEnd = target.range(of: "://"),
                  ["http", "https"].contains(where: { String(target[..<schemeEnd.lowerBound]).equalsIgnoringASCIICase($0) })
            else { return nil }
            let afterAuthority = target[schemeEnd.upperBound...]
            guard let pathStart = afterAuthority.firstIndex(where: { $0 == "/" || $0 == "?" }) else {
                return RequestTarget(rawPath: "/", path: "/", queryItems: [])
            }
            originForm = afterAuthority[pathStart...]
            if originForm.hasPrefix("?") { originForm = "/" + originForm }
        }
        let rawPath: Substring
        var queryItems: [(String, String)] = []
        if let questionMark = originForm.firstIndex(of: "?") {
            rawPath = originForm[..<questionMark]
            guard let items = parseQuery(originForm[originForm.index(after: questionMark)...]) else { return nil }
            queryItems = items
        } else {
            rawPath = originForm
        }
        guard let path = PercentDecoding.decode(rawPath) else { return nil }
        return RequestTarget(rawPath: String(rawPath), path: path, queryItems: queryItems)
    }

    /// `name=value` pairs joined by "&"; "+" means a space; a name without "=" gets an empty value.
    static func parseQuery(_ query: Substring) -> [(String, String)]? {
        var items: [(String, String)] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0], plusIsSpace: true),
                  let value = PercentDecoding.decode(parts.count > 1 ? parts[1] : "", plusIsSpace: true)
            else { return nil }
            items.append((name, value))
        }
        return items
    }
}

/// Percent-decoding of URI components (RFC 3986 §2.1) into UTF-8 text.
enum PercentDecoding {
    /// nil when a "%" is not followed by two hex digits or the decoded bytes are not UTF-8.
    static func decode<S: StringProtocol>(_ text: S, plusIsSpace: Bool = false) -> String? {
        let utf8 = Array(text.utf8)
        guard utf8.contains(UInt8(ascii: "%")) || (plusIsSpace && utf8.contains(UInt8(ascii: "+"))) else {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < utf8.count, let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) else {
                    return nil
                }
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
