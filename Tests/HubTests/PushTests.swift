import Checksums
import Foundation
import TestSupport
import XCTest
@testable import Hub

/// Pushing a trained model directory to the stand-in Hub: what is created, announced, uploaded and committed.
final class PushTests: HubTestCase {
    /// A training output directory: the model, sigtune's reports, and things that must stay local.
    func trainedModel(_ fixture: String = "tiny32") throws -> URL {
        let directory = scratch.appendingPathComponent("model")
        let fm = FileManager.default
        try fm.createDirectory(at: directory.appendingPathComponent("checkpoints/checkpoint-4"), withIntermediateDirectories: true)
        for (name, data) in try Self.fixtureFiles(fixture) { try data.write(to: directory.appendingPathComponent(name)) }
        for name in ["checkpoints/checkpoint-4/model.safetensors", "checkpoints/checkpoint-4/optimizer.safetensors",
                     "checkpoints/checkpoint-4/trainer_state.json", "optimizer.pt", "training_args.bin"] {
            try Data(repeating: 1, count: 2000).write(to: directory.appendingPathComponent(name))
        }
        try Data(#"{"final": {"eval_accuracy": 0.5}, "train": {"global_step": 4}}"#.utf8).write(to: directory.appendingPathComponent("metrics.json"))
        try Data(#"{"num_train_epochs": 2, "log_history": []}"#.utf8).write(to: directory.appendingPathComponent("trainer_state.json"))
        return directory
    }

    func testPushUploadsOnlyTheModelWithMultipartLFSAndNDJSONCommit() throws {
        let directory = try trainedModel()
        let weights = try Data(contentsOf: directory.appendingPathComponent("model.safetensors"))
        let oid = SHA256Hasher.hex(weights)
        var reports: [TransferProgress] = []
        let commitURL = try ModelPusher.push(directory: directory, repoId: "acme/pushed", token: nil, private: true,
                                             environment: environment()) { reports.append($0) }

        // The repo now holds exactly the model and its card.
        let stored = try XCTUnwrap(hub.files("acme/pushed"))
        XCTAssertEqual(stored.keys.sorted(), ["README.md", "config.json", "model.safetensors", "preprocessor_config.json"])
        for name in ["config.json", "model.safetensors", "preprocessor_config.json"] {
            XCTAssertEqual(stored[name], try Data(contentsOf: directory.appendingPathComponent(name)), name)
        }
        XCTAssertTrue(commitURL.absoluteString.hasPrefix("\(hub.endpoint)/acme/pushed/commit/"))
        XCTAssertFalse(hub.requests.contains { String(decoding: $0.body.prefix(1 << 20), as: UTF8.self).contains("checkpoint") || $0.target.contains("optimizer") })

        // create (private by default), then preupload with base64 samples.
        XCTAssertEqual(hub.createdRepos.count, 1)
        XCTAssertEqual(hub.createdRepos[0]["name"] as? String, "pushed")
        XCTAssertEqual(hub.createdRepos[0]["organization"] as? String, "acme")
        XCTAssertEqual(hub.createdRepos[0]["type"] as? String, "model")
        XCTAssertEqual(hub.createdRepos[0]["visibility"] as? String, "private")
        XCTAssertEqual(hub.preuploadFiles.compactMap { $0["path"] as? String }.sorted(), stored.keys.sorted())
        for file in hub.preuploadFiles {
            let path = file["path"] as! String
            XCTAssertEqual((file["sample"] as? String).flatMap { Data(base64Encoded: $0) }, stored[path]!.prefix(512), path)
            XCTAssertEqual(file["size"] as? Int, stored[path]!.count, path)
        }

        // LFS batch: one object, multipart in 11 parts PUT in numeric order, completed, verified.
        XCTAssertEqual(hub.lfsBatchRequests.count, 1)
        let batch = hub.lfsBatchRequests[0]
        XCTAssertEqual(batch["operation"] as? String, "upload")
        XCTAssertEqual(batch["transfers"] as? [String], ["basic", "multipart"])
        XCTAssertEqual(batch["hash_algo"] as? String, "sha256")
        XCTAssertEqual((batch["ref"] as? [String: Any])?["name"] as? String, "main")
        XCTAssertEqual((batch["objects"] as? [[String: Any]])?.map { $0["oid"] as? String }, [oid])
        let parts = try XCTUnwrap(hub.partUploads[oid])
        XCTAssertEqual(parts.count, (weights.count + hub.chunkSize - 1) / hub.chunkSize)
        XCTAssertEqual(parts.keys.sorted().map { parts[$0]! }.reduce(Data(), +), weights)
        let partOrder = hub.requests.filter { $0.target.hasPrefix("/part/") }.map { Int($0.segments[2])! }
        XCTAssertEqual(partOrder, Array(1...parts.count))
        XCTAssertEqual((hub.completions.first?["parts"] as? [[String: Any]])?.map { $0["partNumber"] as? Int }, Array(1...parts.count))
        XCTAssertEqual(hub.verifications.map { $0["oid"] as? String }, [oid])
        XCTAssertEqual(hub.cdnAuthorizations, [], "pre-signed storage URLs never get the token")
        XCTAssertNil(hub.requests.first { $0.target.hasPrefix("/lfs-complete/") }?.headers["authorization"])
        XCTAssertEqual(reports.last { $0.file == "model.safetensors" }?.completedBytes, Int64(weights.count))

        // The commit: NDJSON, header first, regular files inline, the weights as an LFS pointer.
        let body = try XCTUnwrap(hub.commitBodies.first)
        XCTAssertEqual(body.last, 0x0A)
        let lines = try String(decoding: body.dropLast(), as: UTF8.self).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(lines.map { $0["key"] as? String }, ["header", "file", "file", "lfsFile", "file"])
        XCTAssertEqual((lines[0]["value"] as? [String: Any])?["summary"] as? String, "Upload SigLIP image classifier with sigtune")
        let lfs = try XCTUnwrap(lines[3]["value"] as? [String: Any])
        XCTAssertEqual(lfs["path"] as? String, "model.safetensors")
        XCTAssertEqual(lfs["algo"] as? String, "sha256")
        XCTAssertEqual(lfs["oid"] as? String, oid)
        XCTAssertEqual(lfs["size"] as? Int, weights.count)
        for line in lines where line["key"] as? String == "file" {
            let value = line["value"] as! [String: Any]
            XCTAssertEqual(value["encoding"] as? String, "base64")
            XCTAssertEqual((value["content"] as? String).flatMap { Data(base64Encoded: $0) }, stored[value["path"] as! String])
        }
        XCTAssertEqual(hub.requests.last?.headers["content-type"], "application/x-ndjson")
    }

    func testShardedModelUsesBasicAndMultipartAndCanBePublic() throws {
        let directory = try trainedModel("tiny48-sharded")
        hub.multipartThreshold = 700_000   // shard 3 (599,204 bytes) goes basic, shards 1 and 2 multipart
        try ModelPusher.push(directory: directory, repoId: "acme/sharded", token: StandInHub.validToken, private: false, environment: environment())
        let stored = try XCTUnwrap(hub.files("acme/sharded"))
        let expected = try Self.fixtureFiles("tiny48-sharded")
        XCTAssertEqual(stored.keys.sorted(), (Array(expected.keys) + ["README.md"]).sorted())
        for (name, data) in expected { XCTAssertEqual(stored[name], data, name) }
        XCTAssertEqual(hub.basicUploads.values.map(\.count), [599_204])
        XCTAssertEqual(hub.partUploads.count, 2)
        XCTAssertEqual(hub.createdRepos.first?["visibility"] as? String, "public")
    }

    func testExistingRepoIsFineAndKnownObjectsAreNotSentAgain() throws {
        let directory = try trainedModel()
        try ModelPusher.push(directory: directory, repoId: "acme/again", environment: environment())
        hub.resetLog()
        try ModelPusher.push(directory: directory, repoId: "acme/again", environment: environment())
        XCTAssertEqual(hub.requests.first?.target, "/api/repos/create")
        XCTAssertFalse(hub.requests.contains { $0.server == "cdn" }, "the Hub already has the weights")
        XCTAssertEqual(hub.commitBodies.count, 2)
    }

    func testAuthProblemsStopBeforeAnyUpload() throws {
        let directory = try trainedModel()
        let error = hubError { try ModelPusher.push(directory: directory, repoId: "acme/x", token: "hf_wrong", environment: self.environment()) }
        guard case .unauthorized(401, _, _, true)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(error!.description.contains("HF_TOKEN"))
        XCTAssertEqual(hub.requests.map(\.target), ["/api/repos/create"])

        hub.resetLog()
        guard case .missingToken? = hubError({ try ModelPusher.push(directory: directory, repoId: "acme/x", environment: self.environment(token: nil)) }) else {
            return XCTFail()
        }
        guard case .offline? = hubError({ try ModelPusher.push(directory: directory, repoId: "acme/x", environment: self.environment(offline: true)) }) else {
            return XCTFail()
        }
        guard case .invalidRepoID? = hubError({ try ModelPusher.push(directory: directory, repoId: "just-a-name", environment: self.environment()) }) else {
            return XCTFail()
        }
        XCTAssertEqual(hub.requests.count, 0)
    }

    func testDirectoryWithoutWeightsIsRejected() throws {
        let directory = try trainedModel()
        try FileManager.default.removeItem(at: directory.appendingPathComponent("model.safetensors"))
        guard case .missingModelFile? = hubError({ try ModelPusher.push(directory: directory, repoId: "acme/x", environment: self.environment()) }) else {
            return XCTFail()
        }
        XCTAssertEqual(hub.requests.count, 0)
    }
}
