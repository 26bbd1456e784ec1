import Datasets
import Foundation
import TestSupport
import XCTest

/// The dataset of the reference Trainer run (reference/trainer/dataset/, 14 circles, 10 squares, 8 triangles)
/// against what `datasets` 5.2 made of it (reference/trainer/split.json, written by
/// Tests/Fixtures/make_training_reference.py).
final class TrainerFixtureTests: XCTestCase {
    static let splitFixture = "reference/trainer/split.json"
    static let datasetFixture = "reference/trainer/dataset"

    struct SplitReference: Decodable {
        let labelNames: [String]
        let filesInDatasetOrder: [String]
        let labelsInDatasetOrder: [Int]
        let trainLabels: [Int]
        let testLabels: [Int]

        enum CodingKeys: String, CodingKey {
            case labelNames = "label_names", filesInDatasetOrder = "files_in_dataset_order"
            case labelsInDatasetOrder = "labels_in_dataset_order", trainLabels = "train_labels", testLabels = "test_labels"
        }
    }

    private func requireFixture(_ relativePath: String, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        let url = Fixtures.url(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            XCTFail("missing fixture Tests/Fixtures/\(relativePath); generate it with"
                    + " Tests/Fixtures/make_training_reference.py (see Tests/Fixtures/README.md)", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return url
    }

    private func loadReference() throws -> SplitReference {
        try JSONDecoder().decode(SplitReference.self, from: Data(contentsOf: requireFixture(Self.splitFixture)))
    }

    func testScanMatchesDatasetsLabelsAndOrder() throws {
        let reference = try loadReference()
        let dataset = try ImageFolderDataset.scan(directory: requireFixture(Self.datasetFixture))
        XCTAssertEqual(dataset.layout, .classFolders)
        XCTAssertEqual(dataset.labelNames, reference.labelNames)
        let images = try XCTUnwrap(dataset.images(in: .train))
        XCTAssertEqual(images.map(\.path), reference.filesInDatasetOrder)
        XCTAssertEqual(images.map(\.label), reference.labelsInDatasetOrder)
        XCTAssertEqual(dataset.ignoredFiles, [])
        XCTAssertEqual(dataset.emptyClassFolders, [])
    }

    /// `train_test_split(test_size=0.4, stratify_by_column="label", seed=0)`: the same number of each class in
    /// each part (the members differ: numpy's generator is not reproduced).
    func testStratifiedSplitCountsMatchDatasets() throws {
        let reference = try loadReference()
        let classCount = reference.labelNames.count
        let count = { (labels: [Int]) in (0..<classCount).map { c in labels.filter { $0 == c }.count } }
        for seed: UInt64 in [0, 1, 2] {
            let split = try ImageFolderDataset.stratifiedSplit(labels: reference.labelsInDatasetOrder, testSize: 0.4,
                                                               seed: seed)
            XCTAssertEqual(count(split.test.map { reference.labelsInDatasetOrder[$0] }), count(reference.testLabels))
            XCTAssertEqual(count(split.train.map { reference.labelsInDatasetOrder[$0] }), count(reference.trainLabels))
        }
        print("datasets' split: train \(count(reference.trainLabels)), test \(count(reference.testLabels))")
    }
}
