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
        var notices: [String] = []
        let seed = UInt64(options.seed)

        var trainImages: [LabeledImage]
        var validationImages: [LabeledImage]?
        var testImages: [LabeledImage]
        if let test = dataset.images(in: .test), let train = dataset.images(in: .train) {
            trainImages = train
            testImages = test
            validationImages = dataset.images(in: .validation)
            notices.append("using the dataset's own train/\(validationImages == nil ? "" : "validation/")test folders")
        } else {
            let all = dataset.splits.flatMap(\.images)
            let parts = try ImageFolderDataset.stratifiedSplit(labels: all.map(\.label), testSize: options.testSize, seed: seed, labelNames: labels)
            trainImages = parts.train.map { all[$0] }
            testImages = parts.test.map { all[$0] }
            notices.append("stratified split: \(trainImages.count) train, \(testImages.count) test (test_size \(options.testSize), seed \(options.seed))")
        }
        if validationImages == nil && options.validationSize > 0 {
            let parts = try ImageFolderDataset.validationSplit(trainIndices: Array(trainImages.indices), labels: trainImages.map(\.label),
                                                               validationSize: options.validationSize, seed: seed, labelNames: labels)
            validationImages = parts.validation.map { trainImages[$0] }
            trainImages = parts.train.map { trainImages[$0] }
        }
        if options.balance == .oversample {
            // After the split, on the training part only: the recipe oversampled before splitting, which
            // copies images into the test split (a leak). RandomOverSampler keeps the original rows in order
            // and appends the bootstrap rows class by class (REFERENCE.md 5.1).
            let before = trainImages.count
            trainImages = randomOverSampleIndices(labels: trainImages.map(\.label), seed: oversamplingSeed).map { trainImages[$0] }
            if trainImages.count > before {
                notices.append("oversampled the training split from \(before) to \(trainImages.count) images (balance: oversample, after splitting)")
            }
        }

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
        let splits = TrainingSplits(labels: labels, train: load(trainImages), validation: validationImages.map(load), test: load(testImages))
        var counts = ["train": splits.train.count, "test": splits.test.count]
        if let validation = splits.validation { counts["validation"] = validation.count }
        return (splits, Summary(labels: labels, counts: counts, skipped: skipped, notices: notices))
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
