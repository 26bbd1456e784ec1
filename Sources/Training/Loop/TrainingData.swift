import Datasets
import Foundation
import Imaging
import Inference
import TensorCore

/// Builds a job's splits from a dataset: a folder or a .zip/.tar/.tar.gz upload is ingested (validated,
/// every image decoded once on all cores into a cache resized to the model's input), labels come from
/// class folders or metadata (multi-label metadata gives multi-hot targets), the given `train/`,
/// `validation/`, `test/` splits are used or a stratified seeded split is made, and the training split is
/// oversampled when asked.
public enum TrainingData {
    /// What preparation found and did, for the user.
    public struct Summary: Sendable {
        public var labels: [String]
        public var counts: [String: Int]
        public var skipped: [(path: String, reason: String)]
        public var notices: [String]
        /// The dataset's health report (nil for in-memory samples).
        public var report: HealthReport?
    }

    /// `random_state` of the recipe's `RandomOverSampler(random_state=83)`.
    public static let oversamplingSeed: UInt32 = 83

    /// Prepares the dataset at `directory` (a folder or an archive) in a temporary store removed afterwards.
    public static func prepare(directory: URL, options: TrainingOptions, preprocessor: ImagePreprocessor) throws -> (TrainingSplits, Summary) {
        try prepare(source: directory, options: options, preprocessor: preprocessor)
    }

    /// Ingests `source` (a folder, .zip, .tar, .tar.gz) into `store` (or a temporary store, removed after
    /// loading), then prepares its splits.
    public static func prepare(source: URL, options: TrainingOptions, preprocessor: ImagePreprocessor,
                               ingest: IngestOptions = IngestOptions(), store: DatasetStore? = nil) throws -> (TrainingSplits, Summary) {
        var ingestOptions = ingest
        ingestOptions.cache = cacheSpec(preprocessor)
        var temporaryRoot: URL?
        defer { if let temporaryRoot { try? FileManager.default.removeItem(at: temporaryRoot) } }
        let target: DatasetStore
        if let store {
            target = store
        } else {
            temporaryRoot = FileManager.default.temporaryDirectory.appendingPathComponent("sigtune-data-\(UUID().uuidString)")
            target = try DatasetStore(root: temporaryRoot!)
        }
        let result = try target.ingest(source, options: ingestOptions)
        return try prepare(dataset: result.dataset, options: options, preprocessor: preprocessor, report: result.report)
    }

    /// The cache a preprocessor reads: its size, filter and pass order.
    public static func cacheSpec(_ preprocessor: ImagePreprocessor) -> CacheSpec {
        CacheSpec(width: preprocessor.width, height: preprocessor.height, filter: preprocessor.filter, passOrder: preprocessor.passOrder)
    }

    /// Prepares the splits of a stored dataset from its preprocessed cache (built first when missing).
    public static func prepare(dataset: StoredDataset, options: TrainingOptions, preprocessor: ImagePreprocessor,
                               report: HealthReport? = nil) throws -> (TrainingSplits, Summary) {
        let manifest = dataset.manifest
        let labels = manifest.labelNames
        let cache = try dataset.openCache(cacheSpec(preprocessor))
        var samplesBySplit: [SplitName: [TrainingSample]] = [:]
        for (index, image) in manifest.images.enumerated() {
            let target: SampleTarget
            if manifest.multiLabel {
                var hot = [Float](repeating: 0, count: labels.count)
                for label in image.labels { hot[label] = 1 }
                target = .multiHot(hot)
            } else {
                target = .classIndex(image.labels[0])
            }
            samplesBySplit[image.split, default: []].append(TrainingSample(image: try cache.image(at: index), target: target, source: image.path))
        }
        let skipped = manifest.problems.map { (path: $0.path, reason: $0.reason) }
        let splits: TrainingSplits
        var notices: [String] = manifest.notices
        if let test = samplesBySplit[.test], let train = samplesBySplit[.train] {
            let validation = samplesBySplit[.validation]
            notices.append("using the dataset's own train/\(validation == nil ? "" : "validation/")test splits")
            (splits, notices) = try finish(labels: labels, train: train, validation: validation, test: test,
                                           options: options, notices: notices)
        } else {
            let all = SplitName.allCases.flatMap { samplesBySplit[$0] ?? [] }
            let (made, splitNotices) = try split(samples: all, labels: labels, options: options)
            splits = made
            notices += splitNotices
        }
        if let report { notices += report.warnings.map { "dataset: \($0)" } }
        var counts = ["train": splits.train.count, "test": splits.test.count]
        if let validation = splits.validation { counts["validation"] = validation.count }
        return (splits, Summary(labels: labels, counts: counts, skipped: skipped, notices: notices, report: report))
    }

    /// Splits single-label samples (dataset order) into stratified, seeded train/test parts (`test_size`),
    /// then applies `validation_size` and balancing as `finish` does.
    public static func split(samples: [TrainingSample], labels: [String], options: TrainingOptions) throws -> (TrainingSplits, [String]) {
        let classIds = samples.map { sample -> Int in if case .classIndex(let c) = sample.target { return c } else { return -1 } }
        let parts = try ImageFolderDataset.stratifiedSplit(labels: classIds, testSize: options.testSize, seed: UInt64(options.seed), labelNames: labels)
        let how = classIds.contains(-1) ? "seeded random split (multi-label targets are not stratified)" : "stratified split"
        let notice = "\(how): \(parts.train.count) train, \(parts.test.count) test (test_size \(options.testSize), seed \(options.seed))"
        return try finish(labels: labels, train: parts.train.map { samples[$0] }, validation: nil, test: parts.test.map { samples[$0] },
                          options: options, notices: [notice])
    }

    /// Carves the validation split from train when asked (`validation_size`) and none is given, then
    /// oversamples the training split when `balance` is `oversample`.
    static func finish(labels: [String], train: [TrainingSample], validation: [TrainingSample]?, test: [TrainingSample],
                       options: TrainingOptions, notices: [String]) throws -> (TrainingSplits, [String]) {
        var notices = notices
        var train = train
        var validation = validation
        let classOf = { (sample: TrainingSample) -> Int in if case .classIndex(let c) = sample.target { return c } else { return -1 } }
        if validation == nil && options.validationSize > 0 {
            let parts = try ImageFolderDataset.validationSplit(trainIndices: Array(train.indices), labels: train.map(classOf),
                                                               validationSize: options.validationSize, seed: UInt64(options.seed), labelNames: labels)
            validation = parts.validation.map { train[$0] }
            train = parts.train.map { train[$0] }
            notices.append("validation split: \(validation!.count) images held out of training to choose the best model")
        }
        if options.balance == .oversample {
            // After the split, on the training part only: the recipe oversampled before splitting, which
            // copies images into the test split (a leak). RandomOverSampler keeps the original rows in order
            // and appends the bootstrap rows class by class (REFERENCE.md 5.1).
            let before = train.count
            train = randomOverSampleIndices(labels: train.map(classOf), seed: oversamplingSeed).map { train[$0] }
            if train.count > before {
                notices.append("oversampled the training split from \(before) to \(train.count) images (balance: oversample, after splitting)")
            }
        }
        return (TrainingSplits(labels: labels, train: train, validation: validation, test: test), notices)
    }
}
