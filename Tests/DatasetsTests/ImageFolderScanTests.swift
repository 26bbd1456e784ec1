import Datasets
import Foundation
import TestSupport
import XCTest

/// Scanning ImageFolder trees. The expected orders were produced by `datasets` 5.2
/// (`load_dataset("imagefolder", data_dir=...)`) on the same trees.
final class ImageFolderScanTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = try makeTemporaryDirectory("sigtune-scan")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// Creates one-byte files (and their folders) under the test root; the scan never opens them.
    private func makeFiles(_ paths: [String]) throws {
        for path in paths {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: Data([0x78])), path)
        }
    }

    private func assertScanFails(_ expected: DatasetScanError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ImageFolderDataset.scan(directory: root), file: file, line: line) { error in
            XCTAssertEqual(error as? DatasetScanError, expected, file: file, line: line)
            print("message: \(error)")
        }
    }

    /// Exact comparison by code points (Swift's == would take "é" and "e" + U+0301 as equal).
    private func assertSameScalars(_ actual: [String], _ expected: [String],
                                   file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.map { $0.unicodeScalars.map(\.value) }, expected.map { $0.unicodeScalars.map(\.value) },
                       "\(actual) vs \(expected)", file: file, line: line)
    }

    func testClassFoldersGiveLabelsAndOrderOfDatasets() throws {
        try makeFiles([
            "cat/b.png", "cat/A.PNG", "cat/a_2.jpg", "cat-2/z.jpeg", "Dog/1.png", "dog/10.png", "dog/9.png",
            "émile/x.png", "e\u{301}mile/y.png",                      // two folders, two classes for Python
            "dog/.hidden.png", ".hid/x.png", "__MACOSX/cat/._b.png", "dog/.DS_Store", "dog/Thumbs.db", // skipped
            "dog/notes.txt",                                         // listed as ignored
        ])
        try FileManager.default.createDirectory(at: root.appendingPathComponent("empty-class"),
                                                withIntermediateDirectories: true)

        let dataset = try ImageFolderDataset.scan(directory: root)
        XCTAssertEqual(dataset.layout, .classFolders)
        // Code point order: uppercase first, "-" (0x2D) before "/", "e" + U+0301 before "é" (U+00E9).
        assertSameScalars(dataset.labelNames, ["Dog", "cat", "cat-2", "dog", "e\u{301}mile", "émile"])
        XCTAssertEqual(dataset.splits.map(\.name), [.train])
        let images = try XCTUnwrap(dataset.images(in: .train))
        assertSameScalars(images.map(\.path), ["Dog/1.png", "cat-2/z.jpeg", "cat/A.PNG", "cat/a_2.jpg", "cat/b.png",
                                               "dog/10.png", "dog/9.png", "e\u{301}mile/y.png", "émile/x.png"])
        XCTAssertEqual(images.map(\.label), [0, 2, 1, 1, 1, 3, 3, 4, 5])
        XCTAssertEqual(dataset.emptyClassFolders, ["empty-class"])
        XCTAssertEqual(dataset.ignoredFiles, ["dog/notes.txt"])
        XCTAssertNil(dataset.images(in: .test))
    }

    func testSplitFoldersAreHonouredAsDatasetsDoes() throws {
        try makeFiles([
            "train/cat/1.png", "train/dog/2.png", "training/cat/0.png",
            "val/cat/3.png", "val/dog/4.png", "valid/dog/8.png",
            "test/bird/5.png", "test/cat/6.png",
            "other/cat/7.png",                                       // outside every split: ignored
        ])
        let dataset = try ImageFolderDataset.scan(directory: root)
        XCTAssertEqual(dataset.layout, .splitFolders)
        XCTAssertEqual(dataset.labelNames, ["bird", "cat", "dog"], "the union over all splits")
        XCTAssertEqual(dataset.splits.map(\.name), [.train, .validation, .test])
        // One pattern per folder name, in keyword order (train before training, valid before val).
        XCTAssertEqual(dataset.images(in: .train), [LabeledImage(path: "train/cat/1.png", label: 1),
                                                     LabeledImage(path: "train/dog/2.png", label: 2),
                                                     LabeledImage(path: "training/cat/0.png", label: 1)])
        XCTAssertEqual(dataset.images(in: .validation), [LabeledImage(path: "valid/dog/8.png", label: 2),
                                                          LabeledImage(path: "val/cat/3.png", label: 1),
                                                          LabeledImage(path: "val/dog/4.png", label: 2)])
        XCTAssertEqual(dataset.images(in: .test), [LabeledImage(path: "test/bird/5.png", label: 0),
                                                    LabeledImage(path: "test/cat/6.png", label: 1)])
        XCTAssertEqual(dataset.ignoredFiles, ["other/cat/7.png"])
    }

    func testEmptyClassFolderInsideSplitIsReported() throws {
        try makeFiles(["train/cat/1.png", "train/dog/2.png", "test/cat/3.png", "test/dog/4.png"])
        try FileManager.default.createDirectory(at: root.appendingPathComponent("test/fox"),
                                                withIntermediateDirectories: true)
        let dataset = try ImageFolderDataset.scan(directory: root)
        XCTAssertEqual(dataset.labelNames, ["cat", "dog"], "an empty folder is not a class")
        XCTAssertEqual(dataset.emptyClassFolders, ["test/fox"])
    }

    func testDatasetRoundTripsThroughJSON() throws {
        try makeFiles(["a/1.png", "b/2.jpg"])
        let dataset = try ImageFolderDataset.scan(directory: root)
        let decoded = try JSONDecoder().decode(ImageFolderDataset.self, from: JSONEncoder().encode(dataset))
        XCTAssertEqual(decoded, dataset)
    }

    // MARK: - Errors

    func testNoImages() throws {
        try makeFiles(["cat/readme.txt", "cat/.hidden.png"])
        assertScanFails(.noImages(path: root.path, otherFiles: ["cat/readme.txt"]))
    }

    func testImagesAtTheRootHaveNoClassFolder() throws {
        try makeFiles(["cat/1.png", "dog/2.png", "stray.jpg"])
        assertScanFails(.imagesWithoutClassFolder(examples: ["stray.jpg"], count: 1))
    }

    func testImagesDirectlyInASplitFolderHaveNoClassFolder() throws {
        try makeFiles(["train/cat/1.png", "train/2.png", "test/cat/3.png"])
        assertScanFails(.imagesWithoutClassFolder(examples: ["train/2.png"], count: 1))
    }

    func testMixedDepths() throws {
        try makeFiles(["cat/1.png", "dog/puppies/2.png"])
        assertScanFails(.mixedDepths(shallower: "cat/1.png", deeper: "dog/puppies/2.png"))
    }

    func testSingleClass() throws {
        try makeFiles(["cat/1.png", "cat/2.png"])
        assertScanFails(.singleClass(name: "cat"))
    }

    func testNotADirectory() throws {
        try makeFiles(["file.png"])
        let file = root.appendingPathComponent("file.png")
        XCTAssertThrowsError(try ImageFolderDataset.scan(directory: file)) { error in
            XCTAssertEqual(error as? DatasetScanError, .notADirectory(path: file.path))
        }
        XCTAssertThrowsError(try ImageFolderDataset.scan(directory: root.appendingPathComponent("missing")))
    }

    func testErrorMessagesSayWhatToDo() {
        let noImages = DatasetScanError.noImages(path: "/d", otherFiles: []).description
        let unlabelled = DatasetScanError.imagesWithoutClassFolder(examples: ["x.png"], count: 3).description
        let mixed = DatasetScanError.mixedDepths(shallower: "a/1.png", deeper: "b/c/2.png").description
        let single = DatasetScanError.singleClass(name: "cat").description
        XCTAssertTrue(noImages.contains("<class>/<image>"), noImages)
        XCTAssertTrue(unlabelled.contains("x.png") && unlabelled.contains("2 more") && unlabelled.contains("move"), unlabelled)
        XCTAssertTrue(mixed.contains("b/c/2.png"), mixed)
        XCTAssertTrue(single.contains("two class folders"), single)
    }
}
