@testable import Datasets
import Foundation
import TestSupport
import XCTest

/// Shared set-up of the ingest tests: a scratch folder with a store inside, images that differ from one
/// another, and a way to check that nothing but finished datasets sits in the store.
class IngestTestCase: XCTestCase {
    var scratch: URL!
    var store: DatasetStore!
    private var colour = 0

    override func setUpWithError() throws {
        scratch = try makeTemporaryDirectory("sigtune-ingest")
        store = try DatasetStore(root: scratch.appendingPathComponent("store/datasets"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// A distinct small PNG each call (a different colour), 40×40 unless asked otherwise.
    func png(_ width: Int = 40, _ height: Int = 40) -> [UInt8] {
        colour += 1
        let c = colour
        return TestPNG.encode(width: width, height: height) { x, y in (UInt8(c & 0xFF), UInt8((c >> 8) & 0xFF), UInt8((x + y) & 0xFF)) }
    }

    /// Writes `bytes` to a file in the scratch folder and returns its URL.
    func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = scratch.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url
    }

    /// Makes a folder tree from path → bytes.
    func folder(_ name: String, _ files: [String: [UInt8]]) throws -> URL {
        let root = scratch.appendingPathComponent(name)
        for (path, bytes) in files { _ = try write(bytes, "\(name)/\(path)") }
        return root
    }

    /// Small options: a 32×32 cache, the report judging against 32 px.
    func options(_ edit: (inout IngestOptions) -> Void = { _ in }) -> IngestOptions {
        var options = IngestOptions()
        options.cache = CacheSpec(width: 32, height: 32)
        options.threads = 2
        edit(&options)
        return options
    }

    func ingest(_ url: URL, _ edit: (inout IngestOptions) -> Void = { _ in }) throws -> IngestResult {
        try store.ingest(url, options: options(edit))
    }

    /// Everything under the store's parent folder, recursively (to prove a refused upload changed nothing).
    func storeListing() -> [String] {
        let base = store.root.deletingLastPathComponent()
        let enumerator = FileManager.default.enumerator(atPath: base.path)
        return ((enumerator?.allObjects as? [String]) ?? []).sorted()
    }

    /// Ingest must fail with an `IngestError` matching `check`, and leave the store as it was.
    func assertRefused(_ url: URL, _ edit: (inout IngestOptions) -> Void = { _ in }, file: StaticString = #filePath, line: UInt = #line,
                       _ check: (IngestError) -> Bool) {
        let before = storeListing()
        XCTAssertThrowsError(try ingest(url, edit), file: file, line: line) { error in
            guard let error = error as? IngestError else { return XCTFail("not an IngestError: \(error)", file: file, line: line) }
            XCTAssertTrue(check(error), "unexpected: \(error)", file: file, line: line)
            print("refused as expected: \(error)")
        }
        XCTAssertEqual(storeListing(), before, "a refused upload leaves the store unchanged", file: file, line: line)
    }

    func problem(_ result: IngestResult, _ path: String) -> DatasetProblem? {
        result.dataset.manifest.problems.first { $0.path == path }
    }
}
