import Foundation
import XCTest
@testable import Hub

/// Offline use, an unreachable Hub, and the typed errors for the Hub's refusals.
final class OfflineAndErrorTests: HubTestCase {
    func testOfflineWithoutACachedSnapshotFailsWithoutARequest() throws {
        hub.publish("acme/tiny", files: try Self.fixtureFiles("tiny32"))
        let error = hubError { try self.downloader(offline: true).download("acme/tiny") }
        guard case let .notCached(repo, revision, _, offline, _)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual([repo, revision], ["acme/tiny", "main"])
        XCTAssertTrue(offline)
        XCTAssertTrue(error!.description.contains("HF_HUB_OFFLINE"))
        XCTAssertEqual(hub.requests.count, 0)
    }

    func testOfflineUsesTheCachedSnapshotOfABranchTagOrCommit() throws {
        let commit = hub.publish("acme/tiny", files: try Self.fixtureFiles("tiny32"), tags: ["v1"])
        let online = try downloader().download("acme/tiny")
        _ = try downloader().download("acme/tiny", revision: "v1")
        hub.resetLog()
        XCTAssertEqual(try downloader(offline: true).download("acme/tiny"), online)
        XCTAssertEqual(try downloader(offline: true).download("acme/tiny", revision: "v1"), online)
        XCTAssertEqual(try downloader(offline: true).download("acme/tiny", revision: commit), online)
        XCTAssertEqual(hub.requests.count, 0)
        XCTAssertNotNil(hubError { try self.downloader(offline: true).download("acme/tiny", revision: "v2") })
    }

    func testAPartialSnapshotIsNotUsedOffline() throws {
        hub.publish("acme/tiny", files: try Self.fixtureFiles("tiny32"))
        hub.corruptBlobs = true   // config.json arrives, the weights do not
        _ = hubError { try self.downloader().download("acme/tiny") }
        guard case .notCached? = hubError({ try self.downloader(offline: true).download("acme/tiny") }) else {
            return XCTFail("a snapshot without weights must not count as cached")
        }
    }

    func testUnreachableHubFallsBackToTheCacheOrSaysWhatToDo() throws {
        hub.publish("acme/tiny", files: try Self.fixtureFiles("tiny32"))
        hub.publish("acme/other", files: try Self.fixtureFiles("tiny32"))
        let cached = try downloader().download("acme/tiny")
        let environment = environment()
        hub.stop()   // nothing listens on the port any more

        XCTAssertEqual(try ModelDownloader(environment: environment).download("acme/tiny"), cached)
        let error = hubError { try ModelDownloader(environment: environment).download("acme/other") }
        guard case .network? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(error!.description.contains("HF_HUB_OFFLINE=1"))
        XCTAssertTrue(error!.description.contains("local model directory"))
    }

    func testRepoNotFound() {
        guard case let .repoNotFound(repo, _)? = hubError({ try self.downloader().download("acme/missing") }) else { return XCTFail() }
        XCTAssertEqual(repo, "acme/missing")
    }

    func testPrivateRepoWithoutTokenSaysToSetHFToken() throws {
        hub.publish("acme/secret", files: try Self.fixtureFiles("tiny32"), isPrivate: true)
        let error = hubError { try self.downloader(token: nil).download("acme/secret") }
        guard case .repoNotFound? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(error!.description.contains("HF_TOKEN"))
        XCTAssertNil(hub.requests.first?.headers["authorization"])
        XCTAssertNoThrow(try downloader().download("acme/secret"))
    }

    func testInvalidTokenIsA401ThatNamesHFToken() throws {
        hub.publish("acme/tiny", files: try Self.fixtureFiles("tiny32"))
        let error = hubError { try self.downloader(token: "hf_wrong").download("acme/tiny") }
        guard case let .unauthorized(status, _, message, hasToken)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(status, 401)
        XCTAssertEqual(message, "Invalid credentials in Authorization header")
        XCTAssertTrue(hasToken)
        XCTAssertTrue(error!.description.contains("HF_TOKEN"))
    }

    func testGatedRepo() throws {
        hub.publish("acme/gated", files: try Self.fixtureFiles("tiny32"), gated: true)
        let error = hubError { try self.downloader().download("acme/gated") }
        guard case .gatedRepo? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(error!.description.contains("\(hub.endpoint)/acme/gated"))
        XCTAssertTrue(error!.description.contains("HF_TOKEN"))
    }

    func testRevisionNotFound() throws {
        hub.publish("acme/tiny", files: try Self.fixtureFiles("tiny32"))
        guard case let .revisionNotFound(_, revision)? = hubError({ try self.downloader().download("acme/tiny", revision: "nope") }) else {
            return XCTFail()
        }
        XCTAssertEqual(revision, "nope")
    }

    func testRepoWithoutSafetensorsIsNotAClassifier() {
        hub.publish("acme/pt-only", files: ["config.json": Data("{}".utf8), "pytorch_model.bin": Data(count: 10)])
        let error = hubError { try self.downloader().download("acme/pt-only") }
        guard case .notAClassifierRepo? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(error!.description.contains("pytorch_model.bin"))
    }

    func testInvalidRepoIDMakesNoRequest() {
        for id in ["acme/--x", "acme/x.git", "a/b/c", "-acme/x", "acme/x-", ""] {
            guard case .invalidRepoID? = hubError({ try self.downloader().download(id) }) else { return XCTFail(id) }
        }
        XCTAssertEqual(hub.requests.count, 0)
    }
}
