@testable import Datasets
import Foundation
import TestSupport
import XCTest

/// The health report's findings on a dataset crafted to have each problem once.
final class HealthReportTests: IngestTestCase {
    func testEveryFindingOnCraftedData() throws {
        var tar = TestTar()
        for i in 1...6 { tar.file("train/Golden Retriever/\(i).png", png()) }
        tar.file("test/Golden Retriever/7.png", png())
        tar.file("train/golden_retriever/1.png", png())                 // a typo of "Golden Retriever", and alone
        let cat1 = png(), cat2 = png()
        tar.file("train/cat/1.png", cat1)
        tar.file("train/cat/2.png", cat2)
        tar.file("train/cat/dup.png", cat1)                               // duplicate within train
        tar.file("test/cat/leak.png", cat2)                               // the same image in test: a leak
        tar.file("train/cat/small.png", png(8, 12))                       // below half of the 32 px input
        tar.file("train/cat/broken.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("garbage".utf8))
        let jpeg = Array(try Data(contentsOf: Fixtures.url("images/jpeg_444_120x90.jpg")))
        tar.file("train/cat/cut.jpg", Array(jpeg.prefix(jpeg.count / 2)))
        tar.file("train/cat/anim.gif", Array("GIF89a".utf8))
        tar.file("train/cat/fake.jpg", Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 30))
        let result = try ingest(try write(tar.gzipped(), "pets.tar.gz"))
        let report = result.report

        XCTAssertEqual(report.layout, .splitFolders)
        XCTAssertEqual(report.labelNames, ["Golden Retriever", "cat", "golden_retriever"])
        XCTAssertEqual(report.imageCount, 13)
        XCTAssertEqual(report.splitCounts, ["train": 11, "test": 2])
        XCTAssertEqual(report.classCounts, ["Golden Retriever": 7, "cat": 5, "golden_retriever": 1])
        XCTAssertEqual(report.classCountsBySplit["test"], ["Golden Retriever": 1, "cat": 1])
        XCTAssertEqual(report.classCountsBySplit["train"], ["Golden Retriever": 6, "cat": 4, "golden_retriever": 1])
        XCTAssertEqual(report.imbalanceRatio, 7)
        XCTAssertEqual(report.classesTooSmallToSplit, ["golden_retriever": 1])
        XCTAssertEqual(report.similarLabels, [["Golden Retriever", "golden_retriever"]])

        let skipped = Dictionary(uniqueKeysWithValues: report.skippedFiles.map { ($0.path, $0.kind) })
        XCTAssertEqual(skipped, ["train/cat/broken.png": .undecodable, "train/cat/cut.jpg": .undecodable,
                                 "train/cat/anim.gif": .unsupportedFormat, "train/cat/fake.jpg": .unsupportedFormat])
        XCTAssertTrue(report.skippedFiles.first { $0.path == "train/cat/cut.jpg" }!.reason.contains("truncated"))

        XCTAssertEqual(report.duplicates.map(\.paths), [["train/cat/1.png", "train/cat/dup.png"], ["train/cat/2.png", "test/cat/leak.png"]])
        XCTAssertEqual(report.crossSplitDuplicates.map(\.paths), [["train/cat/2.png", "test/cat/leak.png"]])
        XCTAssertEqual(report.crossSplitDuplicates.first?.splits, [.train, .test])
        XCTAssertEqual(report.smallImageCount, 1)
        XCTAssertEqual(report.smallImages, [HealthReport.SmallImage(path: "train/cat/small.png", width: 8, height: 12)])

        XCTAssertEqual(report.warnings.count, 7, report.warnings.joined(separator: "\n"))
        for phrase in ["could not be decoded", "imbalanced 7.0:1", "fewer than 2 images", "relies on the given splits",
                       "exact duplicate", "span more than one split", "smaller than half", "typos"] {
            XCTAssertTrue(report.warnings.contains { $0.contains(phrase) }, phrase)
        }
        print(report.text)
        XCTAssertTrue(report.text.contains("imbalance ratio (largest / smallest class): 7.00"))

        // The JSON uses snake_case names and reads back.
        let json = try JSONEncoder().encode(report)
        let object = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        for key in ["dataset_id", "class_counts_by_split", "imbalance_ratio", "skipped_files", "cross_split_duplicates",
                    "classes_too_small_to_split", "small_images", "similar_labels", "warnings"] {
            XCTAssertNotNil(object[key], key)
        }
        XCTAssertEqual(try JSONDecoder().decode(HealthReport.self, from: json).warnings, report.warnings)

        // Another model size judges the same stored dataset differently.
        let larger = HealthReport(manifest: result.dataset.manifest, inputSize: 224)
        XCTAssertEqual(larger.smallImageCount, 13)
    }

    func testAHealthyDatasetHasNoWarnings() throws {
        let source = try folder("ok", ["a/1.png": png(), "a/2.png": png(), "b/1.png": png(), "b/2.png": png()])
        let report = try ingest(source).report
        XCTAssertEqual(report.warnings, [])
        XCTAssertEqual(report.imbalanceRatio, 1)
        XCTAssertTrue(report.text.contains("no problems found"))
    }

    func testStratificationWarningWithoutGivenSplits() throws {
        let source = try folder("small", ["a/1.png": png(), "a/2.png": png(), "b/1.png": png()])
        let report = try ingest(source).report
        XCTAssertTrue(report.warnings.contains { $0.contains("'b' (1)") && $0.contains("will fail unless") }, "\(report.warnings)")
    }
}
