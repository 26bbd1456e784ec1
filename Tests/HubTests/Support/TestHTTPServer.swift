import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A request as the test server read it.
struct TestRequest {
    let method: String
    /// The request target: path and query, percent-encoding kept.
    let target: String
    /// Header names lowercased.
    let headers: [String: String]
    let body: Data
    /// Which server received it ("hub" or "cdn").
    let server: String

    var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }
    /// The path with percent-escapes decoded, split at `/`.
    var segments: [String] { path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) } }
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
}

/// What the handler answers.
struct TestResponse {
    var status: Int
    var headers: [(String, String)] = []
    var body = Data()
    /// Send only this many body bytes, then drop the connection (a network cut mid-download).
    var cutAfter: Int?

    static func json(_ status: Int, _ object: Any, headers: [(String, String)] = []) -> TestResponse {
        TestResponse(status: status, headers: [("Content-Type", "application/json")] + headers,
                     body: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    static func error(_ status: Int, code: String?, message: String) -> TestResponse {
        var response = json(status, ["error": message])
        if let code { response.headers.append(("X-Error-Code", code)) }
        response.headers.append(("X-Error-Message", message))
        return response
    }
}

/// A small threaded HTTP/1.1 server on 127.0.0.1 over POSIX sockets: one thread per connection, one request
/// per connection (`Connection: close`). Enough for libcurl; written here so the Hub tests depend on
/// nothing but the code under test.
final class TestHTTPServer {
    let port: UInt16
    let name: String
    private let listener: Int32
    private let handler: (TestRequest) -> TestResponse
    private let group = DispatchGroup()
    private var stopped = false

    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(name: String, handler: @escaping (TestRequest) -> TestResponse) throws {
        self.name = name
        self.handler = handler
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else { close(listener); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        self.listener = listener
        let thread = Thread { [listener, weak self] in
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                guard let self else { close(connection); return }
                self.group.enter()
                Thread { self.serve(connection); self.group.leave() }.start()
            }
        }
        thread.start()
    }

    /// Stops accepting and waits for open connections to finish.
    func stop() {
        // Twice would close a descriptor number another socket may have been given since.
        guard !stopped else { return }
        stopped = true
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        _ = group.wait(timeout: .now() + 5)
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = readRequest(connection) else { return }
        let response = handler(request)
        write(response, for: request, to: connection)
    }

    private func readRequest(_ connection: Int32) -> TestRequest? {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        let terminator = Data("\r\n\r\n".utf8)
        var headerEnd: Range<Data.Index>?
        while headerEnd == nil {
            let count = recv(connection, &chunk, chunk.count, 0)
            guard count > 0 else { return nil }
            buffer.append(contentsOf: chunk[0..<count])
            headerEnd = buffer.range(of: terminator)
        }
        let head = String(decoding: buffer[..<headerEnd!.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(buffer[headerEnd!.upperBound...])
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while body.count < length {
            let count = recv(connection, &chunk, min(chunk.count, length - body.count), 0)
            guard count > 0 else { return nil }
            body.append(contentsOf: chunk[0..<count])
        }
        return TestRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body, server: name)
    }

    private func write(_ response: TestResponse, for request: TestRequest, to connection: Int32) {
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        var headers = response.headers
        if !headers.contains(where: { $0.0.lowercased() == "content-length" }) {
            headers.append(("Content-Length", String(response.body.count)))
        }
        headers.append(("Connection", "close"))
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        guard sendAll(Data(head.utf8), to: connection), request.method != "HEAD" else { return }
        let body = response.cutAfter.map { response.body.prefix($0) } ?? response.body
        _ = sendAll(body, to: connection)
        if response.cutAfter != nil { shutdown(connection, Int32(SHUT_RDWR)) }
    }

    private func sendAll(_ data: Data, to connection: Int32) -> Bool {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let sent = send(connection, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }
    }

    private static func reason(_ status: Int) -> String {
        [200: "OK", 206: "Partial Content", 302: "Found", 307: "Temporary Redirect", 401: "Unauthorized", 403: "Forbidden",
         404: "Not Found", 409: "Conflict", 416: "Range Not Satisfiable", 500: "Internal Server Error"][status] ?? "Status"
    }
}
