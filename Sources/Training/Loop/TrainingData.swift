import Datasets
import Dispatch
import Foundation
import Imaging
import Inference
import TensorCore

/// Builds a job's splits from an image folder: labels from folder names, the given `train/`,
/// `validation/`, `test/` folders or a stratified seeded split, every image decoded and resized to the
/// model's input once (both cores), and the training split oversampled when asked.
public enum TrainingData {
    /// What preparation found and did, for the user.
    public struct Summary: Sendable {
        public var labels: [String]
        public var counts: [String: Int]
        public var skipped: [(path: String, reason: String)]
        public var notices: [String]
    }

    /// `random_state` of the recipe's `RandomOverSampler(random_state=83)`.
    public static let oversamplingSeed: UInt32 = 83

    public static func prepare(directory: URL, options: TrainingOptions, preprocessor: ImagePreprocessor) throws -> (TrainingSplits, Summary) {
        let dataset = try ImageFolderDataset.scan(directory: directory)
        let labels = dataset.labelNames
        var skipped: [(String, String)] = []
        func load(_ images: [LabeledImage]) -> [TrainingSample] {
            let results = decodeAndResize(images, root: directory, preprocessor: preprocessor)
            var samples: [TrainingSample] = []
            for (image, result) in zip(images, results) {
                switch result {
                case .success(let rgb): samples.append(TrainingSample(image: rgb, target: .classIndex(image.label), source: image.path))
                case .failure(let error): skipped.append((image.path, "\(error)"))
                }
            }
            return samples
        }
        let splits: TrainingSplits
        var notices: [String] = []
        if let test = dataset.images(in: .test), let train = dataset.images(in: .train) {
            let validation = dataset.images(in: .validation)
            notices.append("using the dataset's own train/\(validation == nil ? "" : "validation/")test folders")
            (splits, notices) = try finish(labels: labels, train: load(train), validation: validation.map(load), test: load(test),
                                           options: options, notices: notices)
        } else {
            (splits, notices) = try split(samples: load(dataset.splits.flatMap(\.images)), labels: labels, options: options)
        }
        var counts = ["train": splits.train.count, "test": splits.test.count]
        if let validation = splits.validation { counts["validation"] = validation.count }
        return (splits, Summary(labels: labels, counts: counts, skipped: skipped, notices: notices))
    }

    /// Splits single-label samples (dataset order) into stratified, seeded train/test parts (`test_size`),
    /// then applies `validation_size` and balancing as `finish` does.
    public static func split(samples: [TrainingSample], labels: [String], options: TrainingOptions) throws -> (TrainingSplits, [String]) {
        let classIds = samples.map { sample -> Int in if case .classIndex(let c) = sample.target { return c } else { return -1 } }
        let parts = try ImageFolderDataset.stratifiedSplit(labels: classIds, testSize: options.testSize, seed: UInt64(options.seed), labelNames: labels)
        let notice = "stratified split: \(parts.train.count) train, \(parts.test.count) test (test_size \(options.testSize), seed \(options.seed))"
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

    /// Decodes and resizes each distinct file once (oversampled copies share the work), on all cores.
    static func decodeAndResize(_ images: [LabeledImage], root: URL, preprocessor: ImagePreprocessor) -> [Result<RGBImage, Error>] {
        let paths = Array(Set(images.map(\.path))).sorted()
        let lock = NSLock()
        var decoded: [String: Result<RGBImage, Error>] = [:]
        parallelFor(paths.count) { range in
            for path in paths[range] {
                let result = Result { () throws -> RGBImage in
                    let image = try ImageDecoder.decodeRGB(contentsOf: root.appendingPathComponent(path))
                    return resize(image, width: preprocessor.width, height: preprocessor.height, filter: preprocessor.filter,
                                  passOrder: preprocessor.passOrder)
                }
                lock.lock()
                decoded[path] = result
                lock.unlock()
            }
        }
        return images.map { decoded[$0.path]! }
    }
}
