import Foundation
import TestSupport
import XCTest
@testable import Hub

/// `--model` accepts a directory or a Hub id.
final class ModelLocatorTests: HubTestCase {
    func testLocalDirectoryIsUsedAsIs() throws {
        let directory = Fixtures.url("models/tiny32")
        XCTAssertEqual(try ModelLocator.resolve(directory.path, environment: environment()).standardizedFileURL.path, directory.standardizedFileURL.path)
        XCTAssertEqual(hub.requests.count, 0)
    }

    func testHubIDResolvesToTheSnapshot() throws {
        let commit = hub.publish("acme/tiny", files: try Self.fixtureFiles("tiny32"), tags: ["v1"])
        let snapshot = try ModelLocator.resolve("acme/tiny", revision: "v1", environment: environment())
        XCTAssertEqual(snapshot.lastPathComponent, commit)
        XCTAssertTrue(FileManager.default.fileExists(atPath: snapshot.appendingPathComponent("model.safetensors").path))
    }

    func testNeitherDirectoryNorHubID() {
        for text in ["./missing-model", "/no/such/dir", "a/b/c", "bare-name", Fixtures.url("models/tiny32/config.json").path] {
            guard case .noSuchModel? = hubError({ try ModelLocator.resolve(text, environment: self.environment()) }) else {
                return XCTFail(text)
            }
        }
        XCTAssertEqual(hub.requests.count, 0)
    }
}
