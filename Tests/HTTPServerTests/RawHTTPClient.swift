import Foundation
import Glibc
@testable import HTTPServer

/// A deliberately dumb blocking HTTP/1.1 client on a raw socket, so tests can send any bytes (also
/// malformed ones, byte by byte) and read responses exactly as the server wrote them. Every receive
/// is bounded by `timeout`, so a misbehaving server fails a test instead of hanging it.
final class RawHTTPClient {
    struct Response {
        let status: Int
        let headers: HTTPHeaders
        let body: Data

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        /// `error.code` of a JSON error body.
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    }

    enum ClientError: Error, CustomStringConvertible {
        case connect(Int32)
        case send(Int32)
        case timedOut
        case closedByServer
        case malformed(String)

        var description: String {
            switch self {
            case .connect(let code): return "connect: \(String(cString: strerror(code)))"
            case .send(let code): return "send: \(String(cString: strerror(code)))"
            case .timedOut: return "timed out waiting for the server"
            case .closedByServer: return "the server closed the connection"
            case .malformed(let what): return "malformed response: \(what)"
            }
        }
    }

    let descriptor: Int32
    private var buffer: [UInt8] = []

    init(port: Int, host: String = "127.0.0.1", timeout: TimeInterval = 5) throws {
        let isIPv6 = host.contains(":")
        descriptor = socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        let status: Int32
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(port).bigEndian
            inet_pton(AF_INET6, host, &address.sin6_addr)
            status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            inet_pton(AF_INET, host, &address.sin_addr)
            status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        if status != 0 {
            let code = errno
            close(descriptor)
            throw ClientError.connect(code)
        }
    }

    deinit { close(descriptor) }

    func send(_ text: String) throws { try send(Data(text.utf8)) }

    func send(_ data: Data) throws {
        try data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let sent = Glibc.send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0 {
                    if errno == EINTR { continue }
                    throw ClientError.send(errno)
                }
                offset += sent
            }
        }
    }

    /// Sends `text` one byte at a time (the server must cope with any split).
    func sendByteByByte(_ text: String) throws {
        for byte in text.utf8 { try send(Data([byte])) }
    }

    func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// A GET with the given extra header lines.
    func get(_ target: String, headers: String = "") throws -> Response {
        try send("GET \(target) HTTP/1.1\r\nHost: test\r\n\(headers)\r\n")
        return try readResponse()
    }

    /// Reads one response (skipping nothing: a 100 Continue is returned as a response of its own).
    /// `head`: the response to a HEAD request, which has no body whatever its headers say.
    func readResponse(head: Bool = false) throws -> Response {
        let (status, headers) = try readHead()
        if head || (100..<200).contains(status) || status == 204 || status == 304 {
            return Response(status: status, headers: headers, body: Data())
        }
        if headers["Transfer-Encoding"]?.lowercased() == "chunked" {
            var body = Data()
            while let chunk = try readChunk() { body.append(chunk) }
            return Response(status: status, headers: headers, body: body)
        }
        if let length = headers["Content-Length"].flatMap(Int.init) {
            return Response(status: status, headers: headers, body: try readExactly(length))
        }
        return Response(status: status, headers: headers, body: readUntilClosed())
    }

    func readHead() throws -> (Int, HTTPHeaders) {
        let endMarker: [UInt8] = [13, 10, 13, 10]
        while true {
            if let end = find(endMarker) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                var lines = head.components(separatedBy: "\r\n")
                let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
                guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
                    throw ClientError.malformed("status line \(head.prefix(80))")
                }
                var headers = HTTPHeaders()
                for line in lines {
                    guard let colon = line.firstIndex(of: ":") else { throw ClientError.malformed("header \(line)") }
                    headers.add(name: String(line[..<colon]),
                                value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
                }
                return (status, headers)
            }
            try fill()
        }
    }

    /// The next chunk of a chunked body, nil after the last chunk (and its empty trailer section).
    func readChunk() throws -> Data? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
            throw ClientError.malformed("chunk size \(sizeLine)")
        }
        if size == 0 {
            while try !readLine().isEmpty {}
            return nil
        }
        let data = try readExactly(size)
        guard try readLine().isEmpty else { throw ClientError.malformed("chunk not followed by CRLF") }
        return data
    }

    func readExactly(_ count: Int) throws -> Data {
        while buffer.count < count { try fill() }
        let data = Data(buffer[..<count])
        buffer.removeFirst(count)
        return data
    }

    /// Everything until the server closes (or the timeout).
    func readUntilClosed() -> Data {
        while (try? fill()) != nil {}
        defer { buffer.removeAll() }
        return Data(buffer)
    }

    /// Whether the server closed the connection (end of input, or a reset) with nothing more to read.
    func isClosedByServer() -> Bool {
        guard buffer.isEmpty else { return false }
        do {
            try fill()
            return false
        } catch ClientError.closedByServer {
            return true
        } catch {
            return false
        }
    }

    private func readLine() throws -> String {
        while true {
            if let end = find([13, 10]) {
                let line = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 2)
                return line
            }
            try fill()
        }
    }

    private func find(_ marker: [UInt8]) -> Int? {
        guard buffer.count >= marker.count else { return nil }
        for start in 0...(buffer.count - marker.count) where buffer[start] == marker[0] {
            if Array(buffer[start..<start + marker.count]) == marker { return start }
        }
        return nil
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(descriptor, &chunk, chunk.count, 0)
        if count > 0 {
            buffer.append(contentsOf: chunk[..<count])
        } else if count == 0 || errno == ECONNRESET {
            throw ClientError.closedByServer
        } else if errno == EAGAIN || errno == EWOULDBLOCK {
            throw ClientError.timedOut
        } else if errno == EINTR {
            return
        } else {
            throw ClientError.closedByServer
        }
    }
}
