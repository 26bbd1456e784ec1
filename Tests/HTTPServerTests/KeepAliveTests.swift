import Foundation
import XCTest
@testable import HTTPServer

final class KeepAliveTests: XCTestCase {
    func testSeveralRequestsOnOneConnection() throws {
        let completed = NSLock()
        var statuses: [Int] = []
        let server = try TestServer(handler: echoHandler)
        server.server.onRequestCompleted = { _, status, seconds in
            XCTAssertGreaterThanOrEqual(seconds, 0)
            completed.lock(); statuses.append(status); completed.unlock()
        }
        defer { server.stop() }
        let client = try server.client()
        for index in 0..<5 {
            let response = try client.get("/item/\(index)?n=\(index)")
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.json["path"] as? String, "/item/\(index)")
            XCTAssertEqual((response.json["query"] as? [String: String])?["n"], "\(index)")
            XCTAssertNil(response.headers["Connection"])
            XCTAssertNotNil(response.headers["Date"])
            XCTAssertEqual(response.headers["Content-Type"], "application/json")
        }
        // The callback runs after the last byte is sent, so possibly just after the client read it.
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline, (completed.withLock { statuses.count }) < 5 { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(completed.withLock { statuses }, [200, 200, 200, 200, 200])
    }

    func testPipelinedRequestsAnswerInOrder() throws {
        let server = try TestServer(handler: echoHandler)
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /one HTTP/1.1\r\nHost: t\r\n\r\n"
            + "POST /two HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
            + "POST /three HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            + "GET /four HTTP/1.1\r\nHost: t\r\n\r\n")
        let responses = try (0..<4).map { _ in try client.readResponse() }
        XCTAssertEqual(responses.map { $0.json["path"] as? String }, ["/one", "/two", "/three", "/four"])
        XCTAssertEqual(responses[1].json["body"] as? String, "hello")
        XCTAssertEqual(responses[2].json["body"] as? String, "abc")
    }

    func testNextRequestArrivingDuringHandlingWaitsItsTurn() throws {
        let server = try TestServer { request in
            if request.path == "/slow" { Thread.sleep(forTimeInterval: 0.2) }
            return echoHandler(request)
        }
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.05)
        try client.send("GET /next HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().json["path"] as? String, "/slow")
        XCTAssertEqual(try client.readResponse().json["path"] as? String, "/next")
    }

    func testRequestSentByteByByte() throws {
        let server = try TestServer(handler: echoHandler)
        defer { server.stop() }
        let client = try server.client()
        try client.sendByteByByte("POST /slowly?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc")
        let response = try client.readResponse()
        XCTAssertEqual(response.json["body"] as? String, "abc")
    }

    func testHTTP10ClosesUnlessAskedToKeepAlive() throws {
        let server = try TestServer(handler: echoHandler)
        defer { server.stop() }
        let plain = try server.client()
        try plain.send("GET /old HTTP/1.0\r\n\r\n")
        let response = try plain.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.json["version"] as? String, "HTTP/1.0")
        XCTAssertEqual(response.headers["Connection"], "close")
        XCTAssertTrue(plain.isClosedByServer())

        let keepAlive = try server.client()
        for _ in 0..<2 {
            try keepAlive.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let kept = try keepAlive.readResponse()
            XCTAssertEqual(kept.headers["Connection"], "keep-alive")
        }
    }

    func testConnectionCloseIsHonoured() throws {
        let server = try TestServer(handler: echoHandler)
        defer { server.stop() }
        let client = try server.client()
        let response = try client.get("/bye", headers: "Connection: close\r\n")
        XCTAssertEqual(response.headers["Connection"], "close")
        XCTAssertTrue(client.isClosedByServer())
    }

    func testHeadHasLengthButNoBody() throws {
        var router = Router()
        router.add("GET", "/doc") { _, _ in .text(200, "twelve bytes") }
        let server = try TestServer(router: router)
        defer { server.stop() }
        let client = try server.client()
        try client.send("HEAD /doc HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readResponse(head: true)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers["Content-Length"], "12")
        // The next response starts right after the head: no body bytes were sent.
        XCTAssertEqual(try client.get("/doc").text, "twelve bytes")
    }

    func testFileResponse() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("http-file-\(UUID().uuidString).bin")
        let content = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try content.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let server = try TestServer { request in
            request.path == "/missing" ? HTTPResponse(body: .file(URL(fileURLWithPath: "/nonexistent/x")))
                                       : HTTPResponse(headers: ["Content-Type": "application/octet-stream"], body: .file(file))
        }
        defer { server.stop() }
        let client = try server.client()
        let response = try client.get("/file")
        XCTAssertEqual(response.headers["Content-Length"], "300000")
        XCTAssertEqual(response.body, content)
        let missing = try client.get("/missing")
        XCTAssertEqual(missing.status, 500)
        XCTAssertEqual(missing.errorCode, "internal_error")
    }

    func testBindErrorNamesAddressAndReason() throws {
        let server = try TestServer(handler: echoHandler)
        defer { server.stop() }
        let second = HTTPServer(configuration: .init(host: "127.0.0.1", port: server.port), handler: echoHandler)
        XCTAssertThrowsError(try second.start()) { error in
            guard case HTTPServerError.cannotListen(_, _, _, let code, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(code, EADDRINUSE)
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(server.port)"), "\(error)")
            XCTAssertTrue("\(error)".contains("Address already in use"), "\(error)")
        }
    }

    func testIPv6Loopback() throws {
        let server = HTTPServer(configuration: .init(host: "::1", port: 0), handler: echoHandler)
        let port: Int
        do { port = try server.start() } catch { throw XCTSkip("no IPv6 loopback here: \(error)") }
        defer { server.stop() }
        let client = try RawHTTPClient(port: port, host: "::1")
        let response = try client.get("/six")
        XCTAssertEqual(response.json["path"] as? String, "/six")
    }
}
