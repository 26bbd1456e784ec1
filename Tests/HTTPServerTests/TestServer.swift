import Foundation
import XCTest
@testable import HTTPServer

/// A server on an ephemeral 127.0.0.1 port for one test, with short timeouts and its own upload directory.
final class TestServer {
    let server: HTTPServer
    let port: Int
    let uploadDirectory: URL

    init(configure: (inout HTTPServer.Configuration) -> Void = { _ in },
         handler: @escaping (HTTPRequest) -> HTTPResponse) throws {
        uploadDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sigtune-http-tests-\(UUID().uuidString)", isDirectory: true)
        var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0, uploadDirectory: uploadDirectory,
                                                     headerTimeout: 5, idleTimeout: 10, bodyTimeout: 5, writeTimeout: 5,
                                                     handlerThreads: 4)
        configure(&configuration)
        server = HTTPServer(configuration: configuration, handler: handler)
        port = try server.start()
    }

    convenience init(configure: (inout HTTPServer.Configuration) -> Void = { _ in }, router: Router) throws {
        try self.init(configure: configure, handler: router.handle)
    }

    func client(timeout: TimeInterval = 5) throws -> RawHTTPClient {
        try RawHTTPClient(port: port, timeout: timeout)
    }

    /// Files left in the upload directory.
    var uploadFiles: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: uploadDirectory.path)) ?? []
    }

    func stop(deadline: TimeInterval = 5) {
        server.stop(deadline: deadline)
        try? FileManager.default.removeItem(at: uploadDirectory)
    }
}

/// An echo handler: method, path, query, body length and body (when in memory) as JSON.
func echoHandler(_ request: HTTPRequest) -> HTTPResponse {
    var object: [String: Any] = [
        "method": request.method, "path": request.path, "query": request.query,
        "version": request.version, "length": request.body.count,
    ]
    switch request.body {
    case .empty: object["kind"] = "empty"
    case .data(let data):
        object["kind"] = "data"
        object["body"] = String(decoding: data, as: UTF8.self)
    case .file(let url, _):
        object["kind"] = "file"
        object["file"] = url.path
    }
    return .json(200, object)
}
