import Checksums
import Foundation
import XCTest
@testable import Hub

/// Snapshot downloads against the stand-in Hub: what lands in the cache, byte for byte.
final class DownloadTests: HubTestCase {
    func testCacheLayoutMatchesHuggingFaceHub() throws {
        var files = try Self.fixtureFiles("tiny32")
        files["pytorch_model.bin"] = Data(repeating: 7, count: 1000)   // present on the Hub, not needed
        files["README.md"] = Data("# tiny\n".utf8)
        let commit = hub.publish("acme/tiny", files: files)

        var reports: [TransferProgress] = []
        let snapshot = try downloader().download("acme/tiny") { reports.append($0) }

        let storage = cache.appendingPathComponent("models--acme--tiny")
        XCTAssertEqual(snapshot.path, storage.appendingPathComponent("snapshots/\(commit)").path)
        XCTAssertEqual(tree(snapshot), ["config.json", "model.safetensors", "preprocessor_config.json"])

        let weightsSHA = SHA256Hasher.hex(files["model.safetensors"]!)
        let etags = ["config.json": StandInHub.StoredFile(data: files["config.json"]!, isLFS: false).gitOID,
                     "preprocessor_config.json": StandInHub.StoredFile(data: files["preprocessor_config.json"]!, isLFS: false).gitOID,
                     "model.safetensors": weightsSHA]
        for (name, etag) in etags {
            let link = try FileManager.default.destinationOfSymbolicLink(atPath: snapshot.appendingPathComponent(name).path)
            XCTAssertEqual(link, "../../blobs/\(etag)", name)
            XCTAssertEqual(try Data(contentsOf: storage.appendingPathComponent("blobs/\(etag)")), files[name], name)
            XCTAssertEqual(try Data(contentsOf: snapshot.appendingPathComponent(name)), files[name], name)
            XCTAssertTrue(FileManager.default.fileExists(atPath: cache.appendingPathComponent(".locks/models--acme--tiny/\(etag).lock").path))
        }
        XCTAssertEqual(tree(storage.appendingPathComponent("blobs")), etags.values.sorted(), "no .incomplete left, nothing extra")
        XCTAssertEqual(try Data(contentsOf: storage.appendingPathComponent("refs/main")), Data(commit.utf8), "the sha, no newline")
        XCTAssertTrue(FileManager.default.fileExists(atPath: cache.appendingPathComponent("CACHEDIR.TAG").path))

        // The token goes to the Hub, never to the CDN; HEADs ask for the identity encoding.
        let requests = hub.requests
        XCTAssertEqual(hub.cdnAuthorizations, [])
        XCTAssertEqual(requests.filter { $0.server == "cdn" }.map(\.path), ["/blobs/\(weightsSHA)"])
        let heads = requests.filter { $0.method == "HEAD" }
        XCTAssertEqual(heads.count, 3)
        XCTAssertTrue(heads.allSatisfy { $0.headers["authorization"] == "Bearer \(StandInHub.validToken)" && $0.headers["accept-encoding"] == "identity" })
        XCTAssertTrue(heads.allSatisfy { $0.path.hasPrefix("/acme/tiny/resolve/\(commit)/") }, "files are fetched at the listed commit")
        XCTAssertFalse(requests.contains { $0.path.contains("pytorch_model.bin") || $0.path.contains("README.md") })
        XCTAssertEqual(reports.last { $0.file == "model.safetensors" }?.completedBytes, Int64(files["model.safetensors"]!.count))
    }

    func testSecondCallUsesTheCache() throws {
        let commit = hub.publish("acme/tiny", files: try Self.fixtureFiles("tiny32"))
        let first = try downloader().download("acme/tiny")
        hub.resetLog()

        XCTAssertEqual(try downloader().download("acme/tiny", revision: commit), first)
        XCTAssertEqual(hub.requests.count, 0, "a cached commit needs no request at all")

        XCTAssertEqual(try downloader().download("acme/tiny"), first)
        XCTAssertEqual(hub.requests.map(\.path), ["/api/models/acme/tiny/revision/main"],
                       "a branch is re-resolved (it may have moved), but no file is fetched again")
    }

    func testRefsOnlyForBranchesAndTags() throws {
        let commit = hub.publish("acme/tiny", files: try Self.fixtureFiles("tiny32"), tags: ["v1.0"])
        _ = try downloader().download("acme/tiny", revision: commit)
        let storage = cache.appendingPathComponent("models--acme--tiny")
        XCTAssertFalse(FileManager.default.fileExists(atPath: storage.appendingPathComponent("refs").path))

        _ = try downloader().download("acme/tiny", revision: "v1.0")
        XCTAssertEqual(tree(storage.appendingPathComponent("refs")), ["v1.0"])
        XCTAssertEqual(try String(contentsOf: storage.appendingPathComponent("refs/v1.0"), encoding: .utf8), commit)
    }

    func testShardedWeights() throws {
        let files = try Self.fixtureFiles("tiny48-sharded")
        hub.publish("acme/sharded", files: files)
        let snapshot = try downloader().download("acme/sharded")
        XCTAssertEqual(tree(snapshot), files.keys.sorted())
        for (name, data) in files { XCTAssertEqual(try Data(contentsOf: snapshot.appendingPathComponent(name)), data, name) }
    }

    func testRelativeRedirectOfARenamedRepoIsFollowed() throws {
        let files = try Self.fixtureFiles("tiny32")
        hub.publish("acme/tiny", files: files)
        hub.renamedRepos["acme/old-name"] = "acme/tiny"
        let snapshot = try downloader().download("acme/old-name")
        XCTAssertTrue(snapshot.path.contains("/models--acme--old-name/snapshots/"), "cached under the id asked for, as huggingface_hub does")
        XCTAssertEqual(try Data(contentsOf: snapshot.appendingPathComponent("model.safetensors")), files["model.safetensors"])
        XCTAssertEqual(hub.cdnAuthorizations, [])
    }

    func testResumesAfterTheConnectionIsCut() throws {
        let files = try Self.fixtureFiles("tiny32")
        hub.publish("acme/tiny", files: files)
        hub.cutNextDownloadAfter = 100_000
        let snapshot = try downloader().download("acme/tiny")
        XCTAssertEqual(try Data(contentsOf: snapshot.appendingPathComponent("model.safetensors")), files["model.safetensors"])
        let gets = hub.requests.filter { $0.server == "cdn" }
        XCTAssertEqual(gets.count, 2)
        XCTAssertNil(gets[0].headers["range"])
        XCTAssertEqual(gets[1].headers["range"], "bytes=100000-")
    }

    func testResumesALeftoverPartialFileAndRestartsWhenTheRangeIsIgnored() throws {
        let files = try Self.fixtureFiles("tiny32")
        let weights = files["model.safetensors"]!
        let sha = SHA256Hasher.hex(weights)
        hub.publish("acme/tiny", files: files)
        let blobs = cache.appendingPathComponent("models--acme--tiny/blobs")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        let partial = blobs.appendingPathComponent("\(sha).incomplete")

        // A previous run got 5000 bytes: only the rest is requested.
        try weights.prefix(5000).write(to: partial)
        var snapshot = try downloader().download("acme/tiny")
        XCTAssertEqual(try Data(contentsOf: snapshot.appendingPathComponent("model.safetensors")), weights)
        XCTAssertEqual(hub.requests.filter { $0.server == "cdn" }.map { $0.headers["range"] }, ["bytes=5000-"])

        // A server that answers 200 to a Range sends the whole file: the partial bytes must be dropped.
        try FileManager.default.removeItem(at: cache)
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        try Data(repeating: 0xAB, count: 5000).write(to: partial)
        hub.ignoreRange = true
        hub.resetLog()
        snapshot = try downloader().download("acme/tiny")
        XCTAssertEqual(try Data(contentsOf: snapshot.appendingPathComponent("model.safetensors")), weights)
        XCTAssertEqual(hub.requests.filter { $0.server == "cdn" }.map { $0.headers["range"] }, ["bytes=5000-"])
    }

    func testCorruptDownloadIsRejectedAndNotKept() throws {
        hub.publish("acme/tiny", files: try Self.fixtureFiles("tiny32"))
        hub.corruptBlobs = true
        guard case let .hashMismatch(file, expected, actual)? = hubError({ try self.downloader().download("acme/tiny") }) else {
            return XCTFail("expected a hash mismatch")
        }
        XCTAssertEqual(file, "model.safetensors")
        XCTAssertNotEqual(expected, actual)
        let storage = cache.appendingPathComponent("models--acme--tiny")
        XCTAssertFalse(tree(storage.appendingPathComponent("blobs")).contains { $0.hasPrefix(expected) }, "neither the blob nor a partial file")
        XCTAssertFalse(tree(storage.appendingPathComponent("snapshots")).contains { $0.hasSuffix("model.safetensors") })
    }

    func testShortDownloadIsASizeMismatchAndNotKept() throws {
        let files = try Self.fixtureFiles("tiny32")
        hub.publish("acme/tiny", files: files)
        hub.truncateBlobs = true
        guard case let .sizeMismatch(file, expected, actual)? = hubError({ try self.downloader().download("acme/tiny") }) else {
            return XCTFail("expected a size mismatch")
        }
        XCTAssertEqual(file, "model.safetensors")
        XCTAssertEqual(expected, Int64(files["model.safetensors"]!.count))
        XCTAssertEqual(actual, expected - 10)
        let blobs = tree(cache.appendingPathComponent("models--acme--tiny/blobs"))
        XCTAssertFalse(blobs.contains { $0.hasPrefix(SHA256Hasher.hex(files["model.safetensors"]!)) }, "\(blobs)")
    }
}
