import Datasets
import XCTest

/// Stratified splits: per-class sizes as `datasets`' `train_test_split(stratify_by_column=)` gives them.
/// The expected counts were produced by `datasets` 5.2 (seeds 0–4 all agree unless noted).
final class StratifiedSplitTests: XCTestCase {
    private func labels(counts: [Int]) -> [Int] {
        counts.enumerated().flatMap { Array(repeating: $0.offset, count: $0.element) }
    }

    private func perClass(_ indices: [Int], _ labels: [Int], classCount: Int) -> [Int] {
        var counts = Array(repeating: 0, count: classCount)
        for index in indices { counts[labels[index]] += 1 }
        return counts
    }

    func testPerClassTestCountsMatchDatasets() throws {
        let cases: [(counts: [Int], testSize: Double, test: [Int])] = [
            ([14, 10, 8], 0.4, [6, 4, 3]),
            ([50, 3, 7], 0.2, [10, 1, 1]),
            ([2, 2, 2], 0.5, [1, 1, 1]),
            ([100, 20, 5], 0.1, [10, 2, 1]),
            ([30, 12, 7, 5], 0.3, [9, 4, 2, 2]),
            ([3, 4, 5], 0.34, [1, 2, 2]),
        ]
        for (counts, testSize, expectedTest) in cases {
            let all = labels(counts: counts)
            for seed: UInt64 in [0, 1, 42] {
                let split = try ImageFolderDataset.stratifiedSplit(labels: all, testSize: testSize, seed: seed)
                XCTAssertEqual(perClass(split.test, all, classCount: counts.count), expectedTest, "\(counts) @ \(testSize)")
                XCTAssertEqual(perClass(split.train, all, classCount: counts.count),
                               zip(counts, expectedTest).map { $0 - $1 }, "\(counts) @ \(testSize)")
                XCTAssertEqual(split.train, split.train.sorted(), "train indices ascending")
                XCTAssertEqual(split.test, split.test.sorted(), "test indices ascending")
                XCTAssertEqual((split.train + split.test).sorted(), Array(all.indices), "a partition of every index")
            }
        }
    }

    /// n_test = ceil(test_size · n) on the floating-point product, as Python computes it:
    /// 0.55 · 100 = 55.00000000000001 → 56.
    func testTestSizeIsTheCeilingOfTheFloatingPointProduct() throws {
        let split = try ImageFolderDataset.stratifiedSplit(labels: labels(counts: [50, 50]), testSize: 0.55, seed: 3)
        XCTAssertEqual(split.test.count, 56)
        XCTAssertEqual(split.train.count, 44)
    }

    /// [9, 9] at 0.25 ties: `datasets` gives (3, 2) or (2, 3) depending on its generator; here the seed decides.
    func testTiesAreBrokenBySeed() throws {
        let all = labels(counts: [9, 9])
        var outcomes: Set<[Int]> = []
        for seed: UInt64 in 0..<20 {
            let split = try ImageFolderDataset.stratifiedSplit(labels: all, testSize: 0.25, seed: seed)
            let counts = perClass(split.test, all, classCount: 2)
            XCTAssertTrue(counts == [3, 2] || counts == [2, 3], "\(counts)")
            outcomes.insert(counts)
        }
        XCTAssertEqual(outcomes.count, 2, "both tie outcomes occur across seeds")
    }

    func testSameSeedSameSplitOtherSeedOtherSplit() throws {
        let all = interleaved(labels(counts: [14, 10, 8]))
        let first = try ImageFolderDataset.stratifiedSplit(labels: all, testSize: 0.4, seed: 7)
        let again = try ImageFolderDataset.stratifiedSplit(labels: all, testSize: 0.4, seed: 7)
        let other = try ImageFolderDataset.stratifiedSplit(labels: all, testSize: 0.4, seed: 8)
        XCTAssertEqual(first.train, again.train)
        XCTAssertEqual(first.test, again.test)
        XCTAssertNotEqual(first.test, other.test)
        XCTAssertEqual(perClass(first.test, all, classCount: 3), [6, 4, 3])
        XCTAssertEqual(perClass(other.test, all, classCount: 3), [6, 4, 3])
    }

    /// Within a class every member is equally likely to be held out (a biased shuffle would favour some).
    func testMembersAreChosenUniformly() throws {
        let all = labels(counts: [4, 3, 3])
        var heldOut = Array(repeating: 0, count: all.count)
        for seed: UInt64 in 0..<1200 {
            for index in try ImageFolderDataset.stratifiedSplit(labels: all, testSize: 0.3, seed: seed).test {
                heldOut[index] += 1
            }
        }
        // One per class each time: expected 300 for each of class 0's members, 400 for the others'.
        for (index, count) in heldOut.enumerated() {
            let expected = all[index] == 0 ? 300.0 : 400.0
            XCTAssertEqual(Double(count), expected, accuracy: expected * 0.2, "index \(index): \(heldOut)")
        }
    }

    /// The split is pinned: a change of algorithm (or of SeededRandom) would silently change every
    /// experiment's test set, so it must show up here.
    func testSplitForAFixedSeedIsPinned() throws {
        let split = try ImageFolderDataset.stratifiedSplit(labels: labels(counts: [4, 3, 3]), testSize: 0.3, seed: 42)
        print("pinned split, seed 42: test = \(split.test)")
        XCTAssertEqual(split.test, Self.pinnedTest)
    }

    static let pinnedTest = [1, 4, 7]

    func testValidationIsCarvedFromTrain() throws {
        let all = labels(counts: [14, 10, 8])
        let split = try ImageFolderDataset.stratifiedSplit(labels: all, testSize: 0.25, seed: 1)
        let carved = try ImageFolderDataset.validationSplit(trainIndices: split.train, labels: all,
                                                            validationSize: 0.2, seed: 1)
        XCTAssertEqual((carved.train + carved.validation).sorted(), split.train, "a partition of the train part")
        XCTAssertTrue(Set(carved.validation).isDisjoint(with: split.test))
        XCTAssertEqual(carved.validation, carved.validation.sorted())
        XCTAssertEqual(carved.train, carved.train.sorted())
        // Test: n_test = 8; train allocation of 24 is floor(24·(14,10,8)/32) = (10, 7, 6) + remainders
        // (.5, .5, 0) → (10, 8, 6)... with a tie between classes 0 and 1 for one extra sample.
        let testCounts = perClass(split.test, all, classCount: 3)
        XCTAssertTrue(testCounts == [4, 2, 2] || testCounts == [3, 3, 2], "\(testCounts)")
        XCTAssertEqual(carved.validation.count, 5, "ceil(0.2 · 24)")
        for label in 0..<3 {
            XCTAssertGreaterThan(perClass(carved.validation, all, classCount: 3)[label], 0, "class \(label) in validation")
        }
    }

    func testValidationErrorsNameValidation() {
        XCTAssertThrowsError(try ImageFolderDataset.validationSplit(trainIndices: [0, 1, 2, 3], labels: [0, 0, 1, 1],
                                                                    validationSize: 1.2, seed: 0)) { error in
            XCTAssertEqual(error as? StratifiedSplitError, .fractionOutOfRange(name: "validation_size", value: 1.2))
        }
    }

    // MARK: - Errors

    private func assertSplitFails(_ labels: [Int], testSize: Double, _ expected: StratifiedSplitError,
                                  labelNames: [String] = [], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ImageFolderDataset.stratifiedSplit(labels: labels, testSize: testSize, seed: 0,
                                                                    labelNames: labelNames),
                             file: file, line: line) { error in
            XCTAssertEqual(error as? StratifiedSplitError, expected, file: file, line: line)
            print("message: \(error)")
        }
    }

    func testFractionOutOfRange() {
        for bad in [0.0, 1.0, -0.1, 1.5, .nan] {
            XCTAssertThrowsError(try ImageFolderDataset.stratifiedSplit(labels: [0, 0, 1, 1], testSize: bad, seed: 0)) {
                guard case .fractionOutOfRange(name: "test_size", _)? = $0 as? StratifiedSplitError else {
                    return XCTFail("\($0)")
                }
            }
        }
    }

    func testClassWithOneMemberNamesTheClassAndTheWayOut() {
        assertSplitFails([0, 0, 1, 2, 2], testSize: 0.4, .classTooSmall(className: "class 'dog'", count: 1),
                         labelNames: ["cat", "dog", "fox"])
        let message = StratifiedSplitError.classTooSmall(className: "class 'dog'", count: 1).description
        XCTAssertTrue(message.contains("class 'dog'") && message.contains("train/ and test/ folders"), message)
    }

    func testTestPartSmallerThanTheClassCount() {
        // 3 classes, n = 12, test_size 0.1 → n_test = ceil(1.2) = 2 < 3.
        assertSplitFails(labels(counts: [4, 4, 4]), testSize: 0.1,
                         .partTooSmall(part: "test", size: 2, classCount: 3, total: 12, fractionName: "test_size"))
        let message = StratifiedSplitError.partTooSmall(part: "test", size: 2, classCount: 3, total: 12,
                                                        fractionName: "test_size").description
        XCTAssertTrue(message.contains("raise test_size"), message)
    }

    func testTrainPartSmallerThanTheClassCount() {
        // n = 6, test_size 0.9 → n_test = ceil(5.4) = 6: train empty.
        assertSplitFails(labels(counts: [2, 2, 2]), testSize: 0.9,
                         .partTooSmall(part: "train", size: 0, classCount: 3, total: 6, fractionName: "test_size"))
        // n = 6, test_size 0.6 → n_test = 4, n_train = 2 < 3.
        assertSplitFails(labels(counts: [2, 2, 2]), testSize: 0.6,
                         .partTooSmall(part: "train", size: 2, classCount: 3, total: 6, fractionName: "test_size"))
    }

    /// [100, 2, 2] at 0.1: n_test = 11 ≥ 3 classes, but the train allocation (89.4, 1.79, 1.79 → 89, 2, 2)
    /// takes both members of each small class, leaving them out of test.
    func testClassLeftOutOfTestByTheAllocation() {
        assertSplitFails(labels(counts: [100, 2, 2]), testSize: 0.1,
                         .classMissingFromPart(className: "class 1", part: "test", classSize: 2,
                                               fractionName: "test_size"))
    }

    func testEmptyInputSplitsIntoNothing() throws {
        let split = try ImageFolderDataset.stratifiedSplit(labels: [], testSize: 0.2, seed: 0)
        XCTAssertEqual(split.train, [])
        XCTAssertEqual(split.test, [])
    }

    /// A fixed interleaving, so that class members are not contiguous (the split must not depend on that).
    private func interleaved(_ values: [Int]) -> [Int] {
        let step = 7   // coprime with the 32 elements used
        return values.indices.map { values[($0 * step) % values.count] }
    }
}
