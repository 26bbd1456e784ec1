import Foundation
import XCTest
@testable import Hub

/// `HubEnvironment` reads the variables as huggingface_hub's constants.py and _auth.py do.
final class EnvironmentTests: XCTestCase {
    func testDefaults() {
        let environment = HubEnvironment(["HOME": "/home/u"])
        XCTAssertEqual(environment.endpoint, "https://huggingface.co")
        XCTAssertEqual(environment.home.path, "/home/u/.cache/huggingface")
        XCTAssertEqual(environment.cacheDirectory.path, "/home/u/.cache/huggingface/hub")
        XCTAssertNil(environment.token)
        XCTAssertFalse(environment.offline)
    }

    func testPrecedence() {
        XCTAssertEqual(HubEnvironment(["HOME": "/h", "XDG_CACHE_HOME": "/x"]).cacheDirectory.path, "/x/huggingface/hub")
        XCTAssertEqual(HubEnvironment(["HOME": "/h", "HF_HOME": "~/hf"]).cacheDirectory.path, "/h/hf/hub")
        XCTAssertEqual(HubEnvironment(["HOME": "/h", "HUGGINGFACE_HUB_CACHE": "/legacy"]).cacheDirectory.path, "/legacy")
        XCTAssertEqual(HubEnvironment(["HOME": "/h", "HUGGINGFACE_HUB_CACHE": "/legacy", "HF_HUB_CACHE": "/new"]).cacheDirectory.path, "/new")
        XCTAssertEqual(HubEnvironment(["HF_ENDPOINT": "http://mirror.local:8080//"]).endpoint, "http://mirror.local:8080")
        XCTAssertEqual(HubEnvironment(["HF_TOKEN": "a", "HUGGING_FACE_HUB_TOKEN": "b"]).token, "a")
        XCTAssertEqual(HubEnvironment(["HUGGING_FACE_HUB_TOKEN": " b\n"]).token, "b")
        for (value, offline) in [("1", true), ("true", true), ("YES", true), ("on", true), ("0", false), ("no", false)] {
            XCTAssertEqual(HubEnvironment(["HF_HUB_OFFLINE": value]).offline, offline, value)
        }
        XCTAssertTrue(HubEnvironment(["TRANSFORMERS_OFFLINE": "1"]).offline)
    }

    func testTokenFile() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("hf-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        try Data("  hf_from_file\n".utf8).write(to: home.appendingPathComponent("token"))
        XCTAssertEqual(HubEnvironment(["HF_HOME": home.path]).token, "hf_from_file")
        XCTAssertEqual(HubEnvironment(["HF_HOME": home.path, "HF_TOKEN": "hf_env"]).token, "hf_env")
        try Data("hf_elsewhere".utf8).write(to: home.appendingPathComponent("other"))
        XCTAssertEqual(HubEnvironment(["HF_HOME": "/nonexistent", "HF_TOKEN_PATH": home.appendingPathComponent("other").path]).token, "hf_elsewhere")
    }

    func testRepoIDs() throws {
        XCTAssertEqual(try RepoID("google/siglip2-base-patch16-224").cacheFolderName, "models--google--siglip2-base-patch16-224")
        XCTAssertEqual(try RepoID("gpt2").cacheFolderName, "models--gpt2")
        XCTAssertThrowsError(try RepoID("gpt2", requireNamespace: true))
        XCTAssertTrue(RepoID.isCommitHash(String(repeating: "a", count: 40)))
        XCTAssertFalse(RepoID.isCommitHash(String(repeating: "A", count: 40)))
        XCTAssertFalse(RepoID.isCommitHash("main"))
    }
}
