import Foundation

/// What a dataset looks like before anyone trains on it: counts, balance, and everything that would hurt
/// training or evaluation. Built from a manifest and the model's input size, so the same stored dataset
/// can be judged for another model.
public struct HealthReport: Codable, Sendable {
    public struct DuplicateGroup: Codable, Equatable, Sendable {
        public var sha256: String
        public var paths: [String]
        /// The splits the copies are in; more than one is a leak between splits.
        public var splits: [SplitName]
    }

    public struct SmallImage: Codable, Equatable, Sendable {
        public var path: String
        public var width: Int
        public var height: Int
    }

    public var datasetId: String
    public var source: String
    public var container: ContainerKind
    public var layout: DatasetLayout
    public var multiLabel: Bool
    public var splitsGiven: Bool
    public var labelNames: [String]
    public var imageCount: Int
    /// Images per split ("train", "validation", "test").
    public var splitCounts: [String: Int]
    /// Images per class (for multi-label: images carrying the label).
    public var classCounts: [String: Int]
    /// Split → class → images.
    public var classCountsBySplit: [String: [String: Int]]
    /// Largest class count over the smallest; nil with fewer than two classes.
    public var imbalanceRatio: Double?
    /// Files that were not decoded (corrupt, truncated, unsupported format, too many pixels), with the reason.
    public var skippedFiles: [DatasetProblem]
    /// Archive entries refused (links, devices, `..`, bad names, damaged entries).
    public var refusedEntries: [DatasetProblem]
    /// Other files not used: unlabelled images, metadata rows without a file, table problems.
    public var otherProblems: [DatasetProblem]
    public var ignoredFiles: [String]
    /// Groups of byte-identical images (same SHA-256).
    public var duplicates: [DuplicateGroup]
    /// The duplicate groups whose copies sit in different splits: test images seen in training.
    public var crossSplitDuplicates: [DuplicateGroup]
    /// Classes with fewer than 2 images: a stratified split cannot put one in each part.
    public var classesTooSmallToSplit: [String: Int]
    /// The model input side the small-image check used.
    public var inputSize: Int
    /// Images whose width or height is below half the input side: upscaled more than 2×.
    public var smallImageCount: Int
    /// The first 100 of them.
    public var smallImages: [SmallImage]
    /// Label groups that are equal after case folding and removing spaces, "-" and "_" (likely typos).
    public var similarLabels: [[String]]
    public var notices: [String]
    /// Every finding above in one sentence each; empty when the dataset looks healthy.
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case datasetId = "dataset_id", source, container, layout, multiLabel = "multi_label", splitsGiven = "splits_given"
        case labelNames = "label_names", imageCount = "image_count", splitCounts = "split_counts", classCounts = "class_counts"
        case classCountsBySplit = "class_counts_by_split", imbalanceRatio = "imbalance_ratio", skippedFiles = "skipped_files"
        case refusedEntries = "refused_entries", otherProblems = "other_problems", ignoredFiles = "ignored_files"
        case duplicates, crossSplitDuplicates = "cross_split_duplicates", classesTooSmallToSplit = "classes_too_small_to_split"
        case inputSize = "input_size", smallImageCount = "small_image_count", smallImages = "small_images"
        case similarLabels = "similar_labels", notices, warnings
    }

    /// - Parameters:
    ///   - manifest: the stored dataset.
    ///   - inputSize: the model's input side (e.g. 224); images below half of it are reported.
    public init(manifest m: DatasetManifest, inputSize: Int) {
        datasetId = m.id
        source = m.source
        container = m.container
        layout = m.layout
        multiLabel = m.multiLabel
        splitsGiven = m.splitsGiven
        labelNames = m.labelNames
        imageCount = m.images.count
        self.inputSize = inputSize
        notices = m.notices
        ignoredFiles = m.ignoredFiles

        var splitCounts: [String: Int] = [:]
        var classCounts = Dictionary(uniqueKeysWithValues: m.labelNames.map { ($0, 0) })
        var bySplit: [String: [String: Int]] = [:]
        for image in m.images {
            splitCounts[image.split.rawValue, default: 0] += 1
            for label in image.labels {
                classCounts[m.labelNames[label], default: 0] += 1
                bySplit[image.split.rawValue, default: [:]][m.labelNames[label], default: 0] += 1
            }
        }
        self.splitCounts = splitCounts
        self.classCounts = classCounts
        classCountsBySplit = bySplit
        let counts = classCounts.values
        imbalanceRatio = counts.count >= 2 && counts.min()! > 0 ? Double(counts.max()!) / Double(counts.min()!) : nil
        classesTooSmallToSplit = classCounts.filter { $0.value < 2 }

        skippedFiles = m.problems.filter { [.undecodable, .unsupportedFormat, .tooManyPixels].contains($0.kind) }
        refusedEntries = m.problems.filter { $0.kind == .refusedEntry }
        otherProblems = m.problems.filter { ![.undecodable, .unsupportedFormat, .tooManyPixels, .refusedEntry].contains($0.kind) }

        var bySHA: [String: [ManifestImage]] = [:]
        for image in m.images { bySHA[image.sha256, default: []].append(image) }
        duplicates = bySHA.filter { $0.value.count > 1 }.map { sha, images in
            DuplicateGroup(sha256: sha, paths: images.map(\.path),
                           splits: SplitName.allCases.filter { split in images.contains { $0.split == split } })
        }.sorted { pythonStringLess($0.paths[0], $1.paths[0]) }
        crossSplitDuplicates = duplicates.filter { $0.splits.count > 1 }

        let threshold = inputSize / 2
        let small = m.images.filter { $0.width < threshold || $0.height < threshold }
        smallImageCount = small.count
        smallImages = small.prefix(100).map { SmallImage(path: $0.path, width: $0.width, height: $0.height) }

        var groups: [String: [String]] = [:]
        for name in m.labelNames {
            let key = String(name.lowercased().unicodeScalars.filter { !CharacterSet.whitespaces.contains($0) && $0 != "-" && $0 != "_" })
            groups[key, default: []].append(name)
        }
        similarLabels = groups.values.filter { $0.count > 1 }.sorted { pythonStringLess($0[0], $1[0]) }

        warnings = []
        warnings = makeWarnings()
    }

    private func makeWarnings() -> [String] {
        var w: [String] = []
        func list(_ items: [String], _ limit: Int = 5) -> String {
            items.prefix(limit).joined(separator: ", ") + (items.count > limit ? " and \(items.count - limit) more" : "")
        }
        if !skippedFiles.isEmpty {
            w.append("\(skippedFiles.count) file(s) could not be decoded and are skipped: \(list(skippedFiles.map(\.path)))")
        }
        if !refusedEntries.isEmpty {
            w.append("\(refusedEntries.count) archive entr\(refusedEntries.count == 1 ? "y was" : "ies were") refused: \(list(refusedEntries.map { "\($0.path) (\($0.reason))" }, 3))")
        }
        let unlabelled = otherProblems.filter { $0.kind == .unlabelled || $0.kind == .notInMetadata }
        if !unlabelled.isEmpty { w.append("\(unlabelled.count) image(s) have no label and are not used: \(list(unlabelled.map(\.path)))") }
        let missing = otherProblems.filter { $0.kind == .missingFile }
        if !missing.isEmpty { w.append("\(missing.count) metadata row(s) name files that are not in the upload: \(list(missing.map(\.path)))") }
        if let ratio = imbalanceRatio, ratio >= 3 {
            let sorted = classCounts.sorted { $0.value > $1.value }
            w.append(String(format: "classes are imbalanced %.1f:1 (largest '%@' %d, smallest '%@' %d); consider balance: oversample",
                            ratio, sorted.first!.key, sorted.first!.value, sorted.last!.key, sorted.last!.value))
        }
        if !classesTooSmallToSplit.isEmpty && !multiLabel {
            let names = classesTooSmallToSplit.keys.sorted(by: pythonStringLess).map { "'\($0)' (\(classCounts[$0]!))" }
            w.append("class(es) with fewer than 2 images: \(list(names)); a stratified split needs 2 per class, so training"
                     + (splitsGiven ? " relies on the given splits" : " will fail unless the dataset gives train/ and test/ splits"))
        }
        if !duplicates.isEmpty {
            let copies = duplicates.reduce(0) { $0 + $1.paths.count - 1 }
            w.append("\(copies) exact duplicate image(s) in \(duplicates.count) group(s): \(list(duplicates.map { $0.paths.joined(separator: " = ") }, 3))")
        }
        if !crossSplitDuplicates.isEmpty {
            w.append("\(crossSplitDuplicates.count) group(s) of identical images span more than one split (a leak: evaluation images seen in training): \(list(crossSplitDuplicates.map { $0.paths.joined(separator: " = ") }, 3))")
        }
        if smallImageCount > 0 {
            w.append("\(smallImageCount) image(s) are smaller than half the model input (\(inputSize / 2) px side for \(inputSize)), e.g. \(list(smallImages.map { "\($0.path) \($0.width)x\($0.height)" }, 3))")
        }
        if !similarLabels.isEmpty {
            w.append("labels that look like typos of one another: \(list(similarLabels.map { $0.map { "'\($0)'" }.joined(separator: " ~ ") }))")
        }
        return w
    }

    /// The report for people: a summary, per-split counts, then the warnings.
    public var text: String {
        var lines: [String] = []
        lines.append("dataset \(datasetId) (\(source), \(container.rawValue), layout \(layout.rawValue)\(multiLabel ? ", multi-label" : ""))")
        for notice in notices { lines.append("  note: \(notice)") }
        let splits = SplitName.allCases.map(\.rawValue).filter { splitCounts[$0] != nil }
        lines.append("\(imageCount) images, \(labelNames.count) classes; " + splits.map { "\($0) \(splitCounts[$0]!)" }.joined(separator: ", "))
        let width = min(30, labelNames.map(\.count).max() ?? 5)
        let header = "  " + "class".padding(toLength: width, withPad: " ", startingAt: 0) + splits.map { $0.leftPadded(11) }.joined() + "total".leftPadded(9)
        lines.append(header)
        for name in labelNames {
            var row = "  " + String(name.prefix(width)).padding(toLength: width, withPad: " ", startingAt: 0)
            for split in splits { row += String(classCountsBySplit[split]?[name] ?? 0).leftPadded(11) }
            lines.append(row + String(classCounts[name] ?? 0).leftPadded(9))
        }
        if let imbalanceRatio { lines.append(String(format: "imbalance ratio (largest / smallest class): %.2f", imbalanceRatio)) }
        if warnings.isEmpty {
            lines.append("no problems found")
        } else {
            lines.append("warnings:")
            for warning in warnings { lines.append("  - \(warning)") }
        }
        return lines.joined(separator: "\n")
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? " " + self : String(repeating: " ", count: width - count) + self }
}
