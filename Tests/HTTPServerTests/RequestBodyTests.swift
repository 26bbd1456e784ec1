import Foundation
import XCTest
@testable import HTTPServer

final class RequestBodyTests: XCTestCase {
    func testChunkedUploadWithExtensionsAndTrailer() throws {
        let server = try TestServer(handler: echoHandler)
        defer { server.stop() }
        let client = try server.client()
        try client.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        try client.send("5;name=value\r\nhello\r\n")
        try client.send("1\r\n \r\n6\r\nworld!\r\n")
        try client.send("0\r\nX-Checksum: abc\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.json["kind"] as? String, "data")
        XCTAssertEqual(response.json["body"] as? String, "hello world!")
        XCTAssertEqual(try client.get("/after").json["path"] as? String, "/after", "connection still usable")
    }

    func testChunkedUploadSpillsToFileAboveInMemoryLimit() throws {
        let received = LockedBox<Data?>(nil)
        let server = try TestServer(configure: { $0.bodyInMemoryLimit = 4096 }) { request in
            if case .file(let url, let length) = request.body {
                received.value = try? Data(contentsOf: url)
                XCTAssertEqual(length, 100_000)
            }
            return echoHandler(request)
        }
        defer { server.stop() }
        let body = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        let client = try server.client()
        try client.send("POST /spill HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        var offset = 0
        while offset < body.count {
            let size = min(7000, body.count - offset)
            try client.send("\(String(size, radix: 16))\r\n")
            try client.send(body[offset..<offset + size] + Data("\r\n".utf8))
            offset += size
        }
        try client.send("0\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.json["kind"] as? String, "file")
        XCTAssertEqual(received.value, body)
        XCTAssertEqual(server.uploadFiles, [], "the server deletes the upload after the handler")
    }

    func testHandlerMayKeepTheUploadByMovingIt() throws {
        let kept = FileManager.default.temporaryDirectory.appendingPathComponent("kept-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: kept) }
        let server = try TestServer(configure: { $0.bodyInMemoryLimit = 10 }) { request in
            if case .file(let url, _) = request.body { try? FileManager.default.moveItem(at: url, to: kept) }
            return .json(200, ["ok": true])
        }
        defer { server.stop() }
        let client = try server.client()
        try client.send("POST /keep HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n01234567890123456789")
        XCTAssertEqual(try client.readResponse().status, 200)
        XCTAssertEqual(try Data(contentsOf: kept), Data("01234567890123456789".utf8))
    }

    /// 200 MB through a 64 KiB in-memory limit: the handler gets a file with exactly the bytes sent,
    /// and the process's peak memory does not grow by anything like the body's size.
    func testLargeUploadIsStreamedToAFile() throws {
        let blockSize = 1 << 20
        let blockCount = 200
        var block = Data(count: blockSize)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        block.withUnsafeMutableBytes { bytes in
            let words = bytes.bindMemory(to: UInt64.self)
            for index in 0..<words.count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                words[index] = state
            }
        }
        // Each block starts with its index, so a lost, doubled or reordered block shows.
        func numbered(_ index: Int) -> Data {
            var copy = block
            copy.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(index).littleEndian) { Data($0) })
            return copy
        }
        let server = try TestServer(configure: {
            $0.bodyInMemoryLimit = 64 << 10
            $0.maxBodyBytes = 1 << 30
        }) { request in
            guard case .file(let url, let length) = request.body else { return .json(200, ["kind": "not a file"]) }
            guard let handle = try? FileHandle(forReadingFrom: url) else { return .json(500, ["kind": "unreadable"]) }
            defer { try? handle.close() }
            var matching = 0
            while let read = try? handle.read(upToCount: blockSize), !read.isEmpty {
                if read == numbered(matching) { matching += 1 } else { break }
            }
            return .json(200, ["kind": "file", "length": length, "matchingBlocks": matching,
                               "inUploadDirectory": url.path.hasPrefix(request.headers["X-Upload-Dir"] ?? "?")])
        }
        defer { server.stop() }
        let peakBefore = peakResidentBytes()
        let client = try server.client(timeout: 20)
        try client.send("POST /big HTTP/1.1\r\nHost: t\r\nX-Upload-Dir: \(server.uploadDirectory.path)\r\n"
            + "Content-Length: \(blockSize * blockCount)\r\n\r\n")
        for index in 0..<blockCount { try client.send(numbered(index)) }
        let response = try client.readResponse()
        let peakGrowth = peakResidentBytes() - peakBefore
        XCTAssertEqual(response.json["kind"] as? String, "file")
        XCTAssertEqual(response.json["length"] as? Int, blockSize * blockCount)
        XCTAssertEqual(response.json["matchingBlocks"] as? Int, blockCount)
        XCTAssertEqual(response.json["inUploadDirectory"] as? Bool, true)
        XCTAssertLessThan(peakGrowth, 64 << 20, "peak RSS grew by \(peakGrowth >> 20) MiB for a \(blockCount) MiB upload")
        XCTAssertEqual(server.uploadFiles, [])
    }

    func testExpectContinue() throws {
        let server = try TestServer(configure: { $0.maxBodyBytes = 100 }, handler: echoHandler)
        defer { server.stop() }
        let client = try server.client()
        try client.send("POST /c HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 100)
        try client.send("hello")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.json["body"] as? String, "hello")

        let tooLarge = try server.client()
        try tooLarge.send("POST /c HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\nExpect: 100-continue\r\n\r\n")
        let refused = try tooLarge.readResponse()
        XCTAssertEqual(refused.status, 413, "no 100 Continue first")
        XCTAssertEqual(refused.errorCode, "body_too_large")
        XCTAssertTrue(tooLarge.isClosedByServer())

        let unknown = try server.client()
        try unknown.send("POST /c HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nExpect: something-else\r\n\r\n")
        XCTAssertEqual(try unknown.readResponse().status, 417)
    }

    /// Peak resident set size of this process (VmHWM), in bytes.
    private func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ")[1])
        else { return 0 }
        return kilobytes * 1024
    }
}

/// A value shared between a handler thread and the test.
final class LockedBox<Value> {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
