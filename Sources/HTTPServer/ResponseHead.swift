import Foundation
import Glibc

/// The status line and header section of a response (RFC 9112 §4, §5), with the framing fields set
/// by the server.
enum ResponseHead {
    enum Framing {
        case contentLength(Int)
        /// Transfer-Encoding: chunked (HTTP/1.1 clients).
        case chunked
        /// Neither: the body ends when the connection closes (streams to HTTP/1.0 clients, RFC 9112 §6.3 rule 8).
        case untilClose
        /// 1xx, 204: no Content-Length at all (RFC 9110 §8.6).
        case noContent
    }

    /// Fields a handler may not set because the server decides them.
    private static let serverOwnedFields = ["Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive"]

    static func serialize(status: Int, headers: HTTPHeaders, framing: Framing, keepAlive: Bool, clientMinorVersion: Int) -> Data {
        var text = "HTTP/1.1 \(status) \(HTTPStatus.reasonPhrase(status))\r\n"
        for (name, value) in headers where !serverOwnedFields.contains(where: { name.equalsIgnoringASCIICase($0) }) {
            // A name that is not a token, or a CR/LF in a value, would let a handler's data (say, an
            // echoed file name) inject header lines: drop the field / blank the characters.
            guard !name.isEmpty, name.utf8.allSatisfy(RequestHeadParser.isTokenByte) else { continue }
            // By scalar: "\r\n" is a single Character, which a Character comparison would miss.
            var safeValue = String.UnicodeScalarView()
            for scalar in value.unicodeScalars {
                safeValue.append(scalar == "\r" || scalar == "\n" || scalar == "\0" ? " " : scalar)
            }
            text += "\(name): \(String(safeValue))\r\n"
        }
        // An origin server with a clock must send Date (RFC 9110 §6.6.1).
        if !headers.contains(name: "Date") { text += "Date: \(httpDate())\r\n" }
        switch framing {
        case .contentLength(let length): text += "Content-Length: \(length)\r\n"
        case .chunked: text += "Transfer-Encoding: chunked\r\n"
        case .untilClose, .noContent: break
        }
        if !keepAlive {
            text += "Connection: close\r\n"
        } else if clientMinorVersion == 0 {
            // An HTTP/1.0 client keeps the connection only if told so (RFC 9112 §9.3).
            text += "Connection: keep-alive\r\n"
        }
        text += "\r\n"
        return Data(text.utf8)
    }

    /// "100 Continue" interim response (RFC 9110 §15.2.1).
    static let continueResponse = Data("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7), written by hand because
    /// strftime would follow the process locale.
    static func httpDate(_ seconds: time_t = time(nil)) -> String {
        var seconds = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(dayNames[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(monthNames[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
