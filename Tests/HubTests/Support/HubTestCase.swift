import Foundation
import TestSupport
import XCTest
@testable import Hub

/// A test with its own stand-in Hub and an empty cache directory.
class HubTestCase: XCTestCase {
    var hub: StandInHub!
    var scratch: URL!
    var cache: URL { scratch.appendingPathComponent("hub-cache") }

    override func setUpWithError() throws {
        hub = try StandInHub()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sigtune-hub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        hub.stop()
        try? FileManager.default.removeItem(at: scratch)
    }

    func environment(token: String? = StandInHub.validToken, offline: Bool = false) -> HubEnvironment {
        hub.environment(cache: cache, token: token, offline: offline)
    }

    func downloader(token: String? = StandInHub.validToken, offline: Bool = false) -> ModelDownloader {
        ModelDownloader(environment: environment(token: token, offline: offline))
    }

    /// The files of a committed fixture model directory, by name.
    static func fixtureFiles(_ model: String) throws -> [String: Data] {
        let directory = Fixtures.url("models/\(model)")
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            files[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        return files
    }

    /// Runs `body`, which must throw a `HubError`, and returns it.
    func hubError(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) -> HubError? {
        do {
            _ = try body()
            XCTFail("expected a HubError", file: file, line: line)
        } catch let error as HubError {
            return error
        } catch {
            XCTFail("expected a HubError, got \(error)", file: file, line: line)
        }
        return nil
    }

    /// The relative paths of every file, link and directory under `url`, sorted.
    func tree(_ url: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: url.path) else { return [] }
        return (enumerator.allObjects as? [String] ?? []).sorted()
    }
}
