import Foundation
import TestSupport
import XCTest
@testable import Hub

/// `sigtune download`, `sigtune predict --model ID` and `sigtune push` as a user runs them, against the
/// stand-in Hub (the child process gets the HF_* variables; ours stays untouched).
final class CommandLineHubTests: HubTestCase {
    var executable: URL {
        var directory = Bundle(for: CommandLineHubTests.self).bundleURL.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: directory.appendingPathComponent("sigtune").path) {
            directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        }
        return directory.appendingPathComponent("sigtune")
    }

    func run(_ arguments: [String], offline: Bool = false) throws -> (status: Int32, stdout: String, stderr: String) {
        var variables = ["HF_ENDPOINT": hub.endpoint, "HF_HUB_CACHE": cache.path, "HF_HOME": scratch.appendingPathComponent("home").path,
                         "HF_TOKEN": StandInHub.validToken, "PATH": "/usr/bin:/bin"]
        if offline { variables["HF_HUB_OFFLINE"] = "1" }
        let result = try runProcess(executable, arguments, environment: variables)
        return (result.status, result.stdout, result.stderr)
    }

    func testDownloadThenPredictWithAHubIDOffline() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: executable.path), "sigtune is not built")
        let commit = hub.publish("acme/tiny", files: try Self.fixtureFiles("tiny32"))
        let download = try run(["download", "acme/tiny"])
        XCTAssertEqual(download.status, 0, download.stderr)
        XCTAssertEqual(download.stdout, cache.appendingPathComponent("models--acme--tiny/snapshots/\(commit)").path + "\n")
        XCTAssertTrue(download.stderr.contains("downloaded model.safetensors"), download.stderr)

        hub.resetLog()
        let image = Fixtures.url("images/png_rgb8.png").path
        let predict = try run(["predict", "--model", "acme/tiny", image, "--top-k", "1"], offline: true)
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let line = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(predict.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(line["image"] as? String, image)
        XCTAssertEqual(hub.requests.count, 0)
    }

    func testPushPrintsTheCommitURL() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: executable.path), "sigtune is not built")
        let push = try run(["push", Fixtures.url("models/tiny32").path, "acme/cli-push", "--public", "--base-model", "google/siglip-base-patch16-224"])
        XCTAssertEqual(push.status, 0, push.stderr)
        XCTAssertTrue(push.stdout.hasPrefix("\(hub.endpoint)/acme/cli-push/commit/"), push.stdout)
        let card = String(decoding: try XCTUnwrap(hub.files("acme/cli-push")?["README.md"]), as: UTF8.self)
        XCTAssertTrue(card.contains("base_model: google/siglip-base-patch16-224\n"))
        XCTAssertEqual(hub.createdRepos.first?["visibility"] as? String, "public")
    }
}
