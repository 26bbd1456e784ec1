import Foundation
import XCTest
@testable import HTTPServer

final class ConcurrencyTests: XCTestCase {
    /// 300 idle keep-alive connections take no handler threads: other requests are still answered,
    /// and the idle connections still work afterwards.
    func testManyIdleKeepAliveConnections() throws {
        let server = try TestServer(configure: { $0.handlerThreads = 2 }, handler: echoHandler)
        defer { server.stop() }
        let idle = try (0..<300).map { index -> RawHTTPClient in
            let client = try server.client()
            XCTAssertEqual(try client.get("/idle/\(index)").status, 200)
            return client
        }
        let active = try server.client()
        for index in 0..<50 {
            XCTAssertEqual(try active.get("/active/\(index)").json["path"] as? String, "/active/\(index)")
        }
        for index in stride(from: 0, to: 300, by: 37) {
            XCTAssertEqual(try idle[index].get("/again").status, 200)
        }
    }

    /// Slow handlers occupy the pool; requests queue and are all answered.
    func testRequestsQueueForBusyHandlers() throws {
        let server = try TestServer(configure: { $0.handlerThreads = 2 }) { request in
            Thread.sleep(forTimeInterval: 0.05)
            return echoHandler(request)
        }
        defer { server.stop() }
        let clients = try (0..<8).map { _ in try server.client() }
        for (index, client) in clients.enumerated() { try client.send("GET /q/\(index) HTTP/1.1\r\nHost: t\r\n\r\n") }
        for (index, client) in clients.enumerated() {
            XCTAssertEqual(try client.readResponse().json["path"] as? String, "/q/\(index)")
        }
    }

    /// stop() waits for the request in flight, which completes; idle connections are closed; nothing
    /// new is accepted.
    func testGracefulStopLetsTheSlowRequestFinish() throws {
        let handlerStarted = DispatchSemaphore(value: 0)
        let streamEnded = expectation(description: "stream producer returned")
        let server = try TestServer { request in
            switch request.path {
            case "/slow":
                handlerStarted.signal()
                Thread.sleep(forTimeInterval: 0.5)
                return .json(200, ["slow": "done"])
            case "/events":
                return .serverSentEvents { stream in
                    while stream.write("data: tick\n\n") { _ = stream.waitUntilClosed(timeout: 0.05) }
                    streamEnded.fulfill()
                }
            default:
                return echoHandler(request)
            }
        }
        let idle = try server.client()
        XCTAssertEqual(try idle.get("/warm").status, 200)
        let events = try server.client()
        try events.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try events.readHead().0, 200)
        let slow = try server.client()
        try slow.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(handlerStarted.wait(timeout: .now() + 5), .success)

        let stopped = expectation(description: "stop returned")
        DispatchQueue.global().async {
            server.stop(deadline: 5)
            stopped.fulfill()
        }
        let response = try slow.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.json["slow"] as? String, "done")
        XCTAssertEqual(response.headers["Connection"], "close")
        wait(for: [stopped, streamEnded], timeout: 5)
        XCTAssertTrue(idle.isClosedByServer())
        // The stream was ended properly: its remaining chunks, then the terminating chunk.
        while let chunk = try events.readChunk() { XCTAssertEqual(String(decoding: chunk, as: UTF8.self), "data: tick\n\n") }
        XCTAssertThrowsError(try RawHTTPClient(port: server.port), "no longer accepting")
    }

    func testStopClosesIdleConnectionsPromptly() throws {
        let server = try TestServer(handler: echoHandler)
        let clients = try (0..<20).map { _ in try server.client() }
        for client in clients { XCTAssertEqual(try client.get("/").status, 200) }
        let start = Date()
        server.stop(deadline: 5)
        XCTAssertLessThan(Date().timeIntervalSince(start), 4, "stop did not wait for the deadline")
        for client in clients { XCTAssertTrue(client.isClosedByServer()) }
    }
}
