import Foundation
import XCTest
@testable import HTTPServer

final class ResponseHeadTests: XCTestCase {
    func testServerOwnsFramingAndValuesCannotInjectLines() {
        let headers: HTTPHeaders = ["Content-Length": "999", "Connection": "upgrade", "X-Name": "a\r\nX-Injected: 1",
                                    "Bad Name": "x"]
        let head = String(decoding: ResponseHead.serialize(status: 200, headers: headers, framing: .contentLength(3),
                                                           keepAlive: true, clientMinorVersion: 1), as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        XCTAssertEqual(lines[0], "HTTP/1.1 200 OK")
        XCTAssertTrue(lines.contains("Content-Length: 3"))
        XCTAssertFalse(lines.contains("Content-Length: 999"))
        XCTAssertFalse(lines.contains { $0.hasPrefix("Connection") })
        XCTAssertFalse(lines.contains { $0.hasPrefix("X-Injected") })
        XCTAssertFalse(lines.contains { $0.hasPrefix("Bad Name") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("Date: ") && $0.hasSuffix(" GMT") })
        XCTAssertTrue(head.hasSuffix("\r\n\r\n"))
    }

    func testServerSentEventFormatting() {
        let stream = ResponseStream(bufferLimit: 1 << 20) {}
        stream.writeEvent(data: "a\r\nb\rc\nd", event: "x\ny", id: "7")
        let text = stream.takePending().chunks.map { String(decoding: $0, as: UTF8.self) }.joined()
        XCTAssertEqual(text, "event: xy\nid: 7\ndata: a\ndata: b\ndata: c\ndata: d\n\n")
    }

    func testHTTPDate() {
        XCTAssertEqual(ResponseHead.httpDate(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    func testNoContentAndInvalidStatuses() throws {
        let server = try TestServer { request in
            request.path == "/none" ? HTTPResponse(status: 204, body: .data(Data("ignored".utf8)))
                                    : HTTPResponse(status: 101)
        }
        defer { server.stop() }
        let client = try server.client()
        let none = try client.get("/none")
        XCTAssertEqual(none.status, 204)
        XCTAssertNil(none.headers["Content-Length"])
        let invalid = try client.get("/upgrade")
        XCTAssertEqual(invalid.status, 500, "a handler cannot send an interim response as its answer")
    }
}
