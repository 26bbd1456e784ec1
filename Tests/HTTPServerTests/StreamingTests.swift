import Foundation
import XCTest
@testable import HTTPServer

final class StreamingTests: XCTestCase {
    /// Events arrive one by one while the producer is still running.
    func testServerSentEventsArriveIncrementally() throws {
        let firstEventRead = DispatchSemaphore(value: 0)
        let server = try TestServer { request in
            guard request.path == "/events" else { return echoHandler(request) }
            return .serverSentEvents { stream in
                stream.writeEvent(data: "first", event: "progress", id: "1")
                // Wait until the client has the first event: proof it was sent before the stream ended.
                _ = firstEventRead.wait(timeout: .now() + 5)
                stream.writeEvent(data: "second\nline")
            }
        }
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        let (status, headers) = try client.readHead()
        XCTAssertEqual(status, 200)
        XCTAssertEqual(headers["Content-Type"], "text/event-stream")
        XCTAssertEqual(headers["Transfer-Encoding"], "chunked")
        XCTAssertNil(headers["Content-Length"])
        let first = try client.readChunk()
        XCTAssertEqual(first.map { String(decoding: $0, as: UTF8.self) }, "event: progress\nid: 1\ndata: first\n\n")
        firstEventRead.signal()
        let second = try client.readChunk()
        XCTAssertEqual(second.map { String(decoding: $0, as: UTF8.self) }, "data: second\ndata: line\n\n")
        XCTAssertNil(try client.readChunk(), "terminating chunk")
        XCTAssertEqual(try client.get("/after").status, 200, "keep-alive after a stream")
    }

    /// Three open streams with two handler threads: a plain request is still answered.
    func testStreamsDoNotPinTheHandlerPool() throws {
        let release = DispatchSemaphore(value: 0)
        let server = try TestServer(configure: { $0.handlerThreads = 2 }) { request in
            guard request.path == "/stream" else { return .json(200, ["plain": true]) }
            return .serverSentEvents { stream in
                stream.write("data: open\n\n")
                _ = release.wait(timeout: .now() + 10)
            }
        }
        defer { server.stop() }
        let streams = try (0..<3).map { _ -> RawHTTPClient in
            let client = try server.client()
            try client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try client.readHead().0, 200)
            XCTAssertNotNil(try client.readChunk())
            return client
        }
        let plain = try server.client()
        XCTAssertEqual(try plain.get("/plain").json["plain"] as? Bool, true)
        for _ in streams { release.signal() }
        for stream in streams { XCTAssertNil(try stream.readChunk()) }
    }

    /// A producer learns that its client left, without having to write.
    func testProducerNoticesClientGone() throws {
        let producerSawClose = expectation(description: "producer saw the close")
        let server = try TestServer { _ in
            .serverSentEvents { stream in
                stream.write(": hello\n\n")
                if stream.waitUntilClosed(timeout: 5) {
                    XCTAssertFalse(stream.write("data: too late\n\n"))
                    producerSawClose.fulfill()
                }
            }
        }
        defer { server.stop() }
        var client: RawHTTPClient? = try server.client()
        try client?.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try client?.readHead()
        _ = try client?.readChunk()
        client = nil  // closes the socket
        wait(for: [producerSawClose], timeout: 5)
    }

    func testBackpressureAndLargeStream() throws {
        // 8 MiB through a 64 KiB stream buffer to a client that reads only after everything was queued.
        let block = Data(repeating: 0x61, count: 1 << 20)
        let server = try TestServer(configure: { $0.streamBufferBytes = 64 << 10 }) { _ in
            HTTPResponse(body: .stream { stream in
                for _ in 0..<8 { guard stream.write(block) else { return } }
            })
        }
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.2)
        let response = try client.readResponse()
        XCTAssertEqual(response.body.count, 8 << 20)
    }

    func testHTTP10StreamEndsWithClose() throws {
        let server = try TestServer { _ in HTTPResponse(body: .stream { $0.write("abc"); $0.write("def") }) }
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /s HTTP/1.0\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertNil(response.headers["Transfer-Encoding"])
        XCTAssertEqual(response.text, "abcdef")
    }

    func testStreamLimitGives503() throws {
        let release = DispatchSemaphore(value: 0)
        let server = try TestServer(configure: { $0.maxStreamingResponses = 1 }) { _ in
            .serverSentEvents { stream in
                stream.write("data: x\n\n")
                _ = release.wait(timeout: .now() + 5)
            }
        }
        defer { server.stop() }
        let first = try server.client()
        try first.send("GET /s HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try first.readHead().0, 200)
        let second = try server.client()
        let refused = try second.get("/s")
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.errorCode, "too_many_streams")
        release.signal()
    }
}
