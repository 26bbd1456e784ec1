import Foundation
import XCTest
@testable import HTTPServer

/// Limits, timeouts and framing errors: each answered with the right status and a JSON error body,
/// after which the server closes the connection.
final class LimitTests: XCTestCase {
    private var server: TestServer!

    override func setUpWithError() throws {
        server = try TestServer(configure: {
            $0.maxBodyBytes = 1000
            $0.headerTimeout = 0.3
            $0.bodyTimeout = 0.3
        }, handler: echoHandler)
    }

    override func tearDown() {
        server.stop()
        server = nil
    }

    /// Sends `request` and expects `status` with error `code`, then a closed connection.
    private func expectRefusal(_ request: String, status: Int, code: String? = nil,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let client = try server.client()
        try client.send(request)
        let response = try client.readResponse()
        XCTAssertEqual(response.status, status, response.text, file: file, line: line)
        XCTAssertEqual(response.headers["Content-Type"], "application/json", file: file, line: line)
        XCTAssertEqual(response.headers["Connection"], "close", file: file, line: line)
        XCTAssertNotNil(response.errorCode, response.text, file: file, line: line)
        if let code { XCTAssertEqual(response.errorCode, code, file: file, line: line) }
        XCTAssertTrue(client.isClosedByServer(), "connection closed after the error", file: file, line: line)
    }

    func testRequestLineTooLong() throws {
        try expectRefusal("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: t\r\n\r\n", status: 414,
                          code: "request_line_too_long")
        // Just under the limit is fine.
        let client = try server.client()
        let target = "/" + String(repeating: "b", count: 8192 - 15)
        XCTAssertEqual(try client.get(target).status, 200)
    }

    func testHeaderSectionTooLarge() throws {
        let big = (0..<200).map { "X-Filler-\($0): \(String(repeating: "v", count: 80))\r\n" }.joined()
        try expectRefusal("GET / HTTP/1.1\r\nHost: t\r\n\(big)\r\n", status: 431, code: "header_too_large")
    }

    func testBodyTooLargeByContentLengthBeforeTheBodyIsSent() throws {
        // The body is never sent: the answer must come from the Content-Length alone.
        try expectRefusal("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n", status: 413, code: "body_too_large")
    }

    func testBodyTooLargeByChunkTotal() throws {
        // 0x200 + 0x300 = 1280 > 1000; the second chunk's data is never sent.
        try expectRefusal("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n"
            + String(repeating: "a", count: 0x200) + "\r\n300\r\n", status: 413, code: "body_too_large")
    }

    func testHalfAHeaderThenSilenceTimesOut() throws {
        let client = try server.client()
        try client.send("GET /slow HTTP/1.1\r\nHost: t\r\nX-Partial: ")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 408)
        XCTAssertEqual(response.errorCode, "request_timeout")
        XCTAssertTrue(client.isClosedByServer())
    }

    func testTrickledHeaderStillTimesOut() throws {
        // Bytes keep arriving, but the header deadline runs from the first one.
        let client = try server.client()
        try client.send("GET / HTTP/1.1\r\n")
        for index in 0..<12 {
            Thread.sleep(forTimeInterval: 0.05)
            try? client.send("X-\(index): a\r\n")
        }
        XCTAssertEqual(try client.readResponse().status, 408)
    }

    func testStalledBodyTimesOut() throws {
        let client = try server.client()
        try client.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        XCTAssertEqual(try client.readResponse().status, 408)
        XCTAssertTrue(client.isClosedByServer())
        XCTAssertEqual(server.uploadFiles, [])
    }

    func testSmugglingShapesAreRefused() throws {
        try expectRefusal("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                          status: 400)
        try expectRefusal("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", status: 400)
        try expectRefusal("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 3\r\n\r\nabc", status: 400)
        try expectRefusal("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: +3\r\n\r\nabc", status: 400)
        try expectRefusal("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999\r\n\r\n", status: 400)
        try expectRefusal("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", status: 400)
        try expectRefusal("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", status: 400)
        try expectRefusal("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", status: 501)
        try expectRefusal("POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400)
        try expectRefusal("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\n\r\n", status: 400)
    }

    func testMalformedChunkFraming() throws {
        let start = "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        try expectRefusal(start + "zz\r\nabc\r\n0\r\n\r\n", status: 400)
        try expectRefusal(start + "\r\n", status: 400)
        try expectRefusal(start + "3\r\nabcdef\r\n0\r\n\r\n", status: 400, code: "bad_request")
        try expectRefusal(start + "fffffffffffffffffff\r\n", status: 400)
        try expectRefusal(start + "3 x\r\nabc\r\n0\r\n\r\n", status: 400)
    }

    func testMalformedRequestLinesAndHeaders() throws {
        try expectRefusal("GARBAGE\r\n\r\n", status: 400)
        try expectRefusal("GET  / HTTP/1.1\r\nHost: t\r\n\r\n", status: 400)
        try expectRefusal("GET / HTTP/1.1\r\n\r\n", status: 400, code: "bad_request")  // no Host
        try expectRefusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400)
        try expectRefusal("GET / HTTP/2.0\r\nHost: t\r\n\r\n", status: 505)
        try expectRefusal("GET / HTTX/1.1\r\nHost: t\r\n\r\n", status: 400)
        try expectRefusal("GET /a b HTTP/1.1\r\nHost: t\r\n\r\n", status: 400)
        try expectRefusal("GET /%zz HTTP/1.1\r\nHost: t\r\n\r\n", status: 400)
        try expectRefusal("GET / HTTP/1.1\r\nHost: t\r\nNo-Colon\r\n\r\n", status: 400)
        try expectRefusal("GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n folded\r\n\r\n", status: 400)
        try expectRefusal("GET / HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n", status: 400)
        try expectRefusal("GET / HTTP/1.1\r\nHost: t\r\nX: a\u{0}b\r\n\r\n", status: 400)
    }

    func testBareLineFeedsAreAccepted() throws {
        let client = try server.client()
        try client.send("GET /lf HTTP/1.1\nHost: t\n\n")
        XCTAssertEqual(try client.readResponse().json["path"] as? String, "/lf")
    }

    func testConnectionLimit() throws {
        let limited = try TestServer(configure: { $0.maxConnections = 2 }, handler: echoHandler)
        defer { limited.stop() }
        let first = try limited.client()
        let second = try limited.client()
        XCTAssertEqual(try first.get("/").status, 200)
        XCTAssertEqual(try second.get("/").status, 200)
        let third = try limited.client()
        let refused = try third.readResponse()
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.errorCode, "too_many_connections")
    }
}
