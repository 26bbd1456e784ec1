import Checksums
import Foundation
import Imaging
import TensorCore

/// How to ingest an upload.
public struct IngestOptions: Sendable {
    public var limits = IngestLimits()
    /// The label column of metadata / label tables (default `label`; `labels`, `class`, `category`, `tags`
    /// are tried when the default is absent).
    public var labelColumn = "label"
    /// Multi-label separator in table cells: nil splits on ";" or "|" when some label holds one, "" never splits.
    public var labelSeparator: String?
    /// The preprocessed cache to build while decoding (the model's input); nil validates only.
    public var cache: CacheSpec? = CacheSpec(width: 224, height: 224)
    /// The input side the health report judges image sizes against (defaults to the cache's).
    public var inputSize: Int?
    /// Decoding threads (all cores by default).
    public var threads = ComputeThreads.count
    /// Sync the new dataset to disk before it appears under its id. Off for throw-away stores (`check`).
    public var durable = true

    public init() {}

    var reportInputSize: Int { inputSize ?? cache.map { min($0.width, $0.height) } ?? 224 }
}

/// The outcome of an ingest: the stored dataset and its health report.
public struct IngestResult: Sendable {
    public let dataset: StoredDataset
    public let report: HealthReport
    /// True when the same content was already stored: nothing was written, the stored dataset is returned.
    public let reused: Bool
    /// Where the time went.
    public var timings = IngestTimings()
}

/// Wall-clock seconds of the ingest phases.
public struct IngestTimings: Sendable {
    /// Streaming the container into the staging folder (reading, decompressing, hashing, writing).
    public var extractSeconds = 0.0
    /// Decoding, probing and resizing into the cache, on `decodeThreads` threads.
    public var decodeSeconds = 0.0
    public var decodeThreads = 0
    public var decodedImages = 0
    /// Bytes that came out of the container.
    public var bytesRead: Int64 = 0
}

/// A dataset in the store: `<root>/<id>/manifest.json`, `images/`, `cache/`.
public struct StoredDataset: Sendable {
    public let directory: URL
    public let manifest: DatasetManifest

    public var id: String { manifest.id }

    public func imageURL(_ image: ManifestImage) -> URL {
        directory.appendingPathComponent("images").appendingPathComponent(image.path)
    }

    public func cacheURL(_ spec: CacheSpec) -> URL {
        directory.appendingPathComponent("cache").appendingPathComponent(spec.fileName)
    }

    /// The preprocessed cache for `spec`, built first (from the stored images, on all cores) when this
    /// size and filter were never asked for. Records are in manifest order.
    public func openCache(_ spec: CacheSpec, threads: Int = ComputeThreads.count) throws -> ImageCache {
        let url = cacheURL(spec)
        if !FileManager.default.fileExists(atPath: url.path) {
            let folder = url.deletingLastPathComponent()
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let temporary = URL(fileURLWithPath: url.path + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max))" + AtomicFile.temporarySuffix)
            let fd = try CacheWriter.create(temporary, spec: spec, count: manifest.images.count)
            let outcomes = ImageBatchDecoder.decode(files: manifest.images.map(imageURL), names: manifest.images.map(\.path),
                                                    maxPixels: Int.max, cache: (spec, fd), threads: threads)
            for outcome in outcomes {
                if case .failed(let problem) = outcome {
                    close(fd)
                    unlink(temporary.path)
                    throw IngestError.io(path: problem.path, detail: "a stored image no longer decodes: \(problem.reason)")
                }
            }
            fsync(fd)
            close(fd)
            guard rename(temporary.path, url.path) == 0 else {
                let detail = String(cString: strerror(errno))
                unlink(temporary.path)
                throw IngestError.io(path: url.path, detail: "cannot move the cache into place: \(detail)")
            }
            AtomicFile.syncDirectory(folder.path)
        }
        return try ImageCache(url: url, spec: spec, expectedCount: manifest.images.count)
    }
}

/// The datasets of one data directory: `<root>/<id>/`. Ingest builds a dataset in a temporary folder
/// inside the store (`.tmp-<pid>-<random>`) and renames it into place at the end, so a failed or
/// interrupted ingest never leaves a partial dataset; `removeLeftovers()` clears what a crash left.
public struct DatasetStore: Sendable {
    public let root: URL
    static let temporaryPrefix = ".tmp-"

    /// Opens (creating it when needed) the store at `root`, e.g. `<data dir>/datasets`.
    public init(root: URL) throws {
        self.root = root
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw IngestError.io(path: root.path, detail: "cannot create the dataset store: \(error.localizedDescription)")
        }
    }

    /// Removes temporary folders and files left by ingests and cache builds of processes that are gone
    /// (call at start-up). Returns the paths removed.
    @discardableResult
    public func removeLeftovers() -> [String] {
        var removed: [String] = []
        func ownerIsGone(_ name: String, pidAfter marker: String) -> Bool {
            guard let range = name.range(of: marker) else { return true }
            let digits = name[range.upperBound...].prefix { $0.isNumber }
            guard let pid = Int32(digits), pid > 0 else { return true }
            if pid == getpid() { return false }
            return kill(pid, 0) != 0 && errno == ESRCH
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for name in names {
            let url = root.appendingPathComponent(name)
            if name.hasPrefix(DatasetStore.temporaryPrefix) {
                if ownerIsGone(name, pidAfter: DatasetStore.temporaryPrefix), (try? FileManager.default.removeItem(at: url)) != nil {
                    removed.append(url.path)
                }
                continue
            }
            let cache = url.appendingPathComponent("cache")
            for file in (try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? [] where file.hasSuffix(AtomicFile.temporarySuffix) {
                if ownerIsGone(file, pidAfter: ".u8."), unlink(cache.appendingPathComponent(file).path) == 0 {
                    removed.append(cache.appendingPathComponent(file).path)
                }
            }
        }
        if !removed.isEmpty { AtomicFile.syncDirectory(root.path) }
        return removed
    }

    /// The ids of the stored datasets.
    public func datasetIDs() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && FileManager.default.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("manifest.json").path) }.sorted()
    }

    /// A stored dataset by id.
    public func dataset(id: String) throws -> StoredDataset {
        guard !id.isEmpty, !id.contains("/"), !id.hasPrefix(".") else { throw IngestError.sourceNotFound(path: id) }
        let directory = root.appendingPathComponent(id)
        let manifestURL = directory.appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: manifestURL.path) else { throw IngestError.sourceNotFound(path: manifestURL.path) }
        do {
            return StoredDataset(directory: directory, manifest: try JSONDecoder().decode(DatasetManifest.self, from: data))
        } catch {
            throw IngestError.corrupt(entry: manifestURL.path, detail: "unreadable manifest: \(error)")
        }
    }

    /// Removes a stored dataset (renamed aside first, so it vanishes at once).
    public func remove(id: String) throws {
        let stored = try dataset(id: id)
        let aside = root.appendingPathComponent("\(DatasetStore.temporaryPrefix)\(getpid())-removed-\(id)")
        guard rename(stored.directory.path, aside.path) == 0 else {
            throw IngestError.io(path: stored.directory.path, detail: "cannot remove: \(String(cString: strerror(errno)))")
        }
        AtomicFile.syncDirectory(root.path)
        try? FileManager.default.removeItem(at: aside)
    }

    /// Validates `source` (a folder, .zip, .tar, .tar.gz/.tgz, recognised by content) and stores it.
    ///
    /// Entries are streamed one at a time into a temporary folder inside the store (names checked, links
    /// and devices refused, limits enforced as bytes come), the layout is resolved, every image is decoded
    /// once on all cores (header probed against `max_pixels` first) and resized into the preprocessed
    /// cache, and the manifest is written; then the folder is renamed to `<root>/<id>`. The same content
    /// ingested again returns the stored dataset (`reused`).
    ///
    /// - Throws: `IngestError` when the upload is refused as a whole (a limit, a truncated or damaged
    ///   archive, overlapping zip entries) or nothing trainable remains. The store is then unchanged.
    public func ingest(_ source: URL, options: IngestOptions = IngestOptions()) throws -> IngestResult {
        let temporary = root.appendingPathComponent("\(DatasetStore.temporaryPrefix)\(getpid())-\(UUID().uuidString.prefix(8).lowercased())")
        do {
            try FileManager.default.createDirectory(at: temporary.appendingPathComponent("files"), withIntermediateDirectories: true)
        } catch {
            throw IngestError.io(path: temporary.path, detail: "cannot create the staging folder: \(error.localizedDescription)")
        }
        do {
            let result = try ingest(source, options: options, temporary: temporary)
            if result.reused { try? FileManager.default.removeItem(at: temporary) }
            return result
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    private func ingest(_ source: URL, options: IngestOptions, temporary: URL) throws -> IngestResult {
        let tracker = LimitTracker(options.limits)
        let (container, reader) = try ContainerKind.open(source, tracker: tracker)
        let staging = temporary.appendingPathComponent("files")
        let extractor = Extractor(staging: staging, limits: options.limits)
        var timings = IngestTimings()
        let started = DispatchTime.now().uptimeNanoseconds
        try extractor.extract(reader)
        let extracted = DispatchTime.now().uptimeNanoseconds
        timings.extractSeconds = Double(extracted - started) / 1e9
        timings.bytesRead = tracker.totalBytes

        let resolver = LayoutResolver(staging: staging, labelColumn: options.labelColumn, labelSeparator: options.labelSeparator)
        let resolution = try resolver.resolve(extractor.files)
        var problems = extractor.problems + resolution.problems
        guard !resolution.candidates.isEmpty else {
            throw IngestError.nothingTrainable(reason: DatasetStore.whyNothing(files: extractor.files, problems: problems, ignored: extractor.ignoredFiles))
        }

        let id = DatasetStore.contentID(resolution.candidates)
        if let existing = try? dataset(id: id) {
            if let spec = options.cache { _ = try existing.openCache(spec, threads: options.threads) }
            return IngestResult(dataset: existing, report: HealthReport(manifest: existing.manifest, inputSize: options.reportInputSize), reused: true)
        }

        // The images go to <temporary>/images at their dataset paths (inside the wrapper, if any).
        let images = temporary.appendingPathComponent("images")
        let inner = resolution.unwrapped.map { staging.appendingPathComponent($0) } ?? staging
        guard rename(inner.path, images.path) == 0 else {
            throw IngestError.io(path: inner.path, detail: "cannot move staged files: \(String(cString: strerror(errno)))")
        }
        try? FileManager.default.removeItem(at: staging)
        let used = Set(resolution.candidates.map { Array($0.path.unicodeScalars) })
        let prefixCount = resolution.unwrapped.map { $0.split(separator: "/").count } ?? 0
        for file in extractor.files {
            let path = file.components.dropFirst(prefixCount).joined(separator: "/")
            if !path.isEmpty && !used.contains(Array(path.unicodeScalars)) { unlink(images.appendingPathComponent(path).path) }
        }

        // Decode every image once, on all cores, into the preprocessed cache.
        var cacheFD: Int32?
        var cacheURL: URL?
        if let spec = options.cache {
            let folder = temporary.appendingPathComponent("cache")
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            cacheURL = folder.appendingPathComponent(spec.fileName)
            cacheFD = try CacheWriter.create(cacheURL!, spec: spec, count: resolution.candidates.count)
        }
        defer { if let cacheFD { close(cacheFD) } }
        let outcomes = ImageBatchDecoder.decode(
            files: resolution.candidates.map { images.appendingPathComponent($0.path) }, names: resolution.candidates.map(\.path),
            maxPixels: options.limits.maxPixels, cache: options.cache.map { ($0, cacheFD!) }, threads: options.threads)
        timings.decodeSeconds = Double(DispatchTime.now().uptimeNanoseconds - extracted) / 1e9
        timings.decodeThreads = max(1, min(options.threads, outcomes.count))
        timings.decodedImages = outcomes.count

        var kept: [Int] = []
        var decoded: [(format: String, width: Int, height: Int)] = []
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case let .decoded(format, width, height):
                kept.append(index)
                decoded.append((format, width, height))
            case .failed(let problem):
                problems.append(problem)
                unlink(images.appendingPathComponent(resolution.candidates[index].path).path)
            }
        }
        if let spec = options.cache, kept.count < outcomes.count {
            try CacheWriter.compact(cacheFD!, url: cacheURL!, spec: spec, kept: kept)
        }

        // Labels are those of the images that decoded.
        var labelSet: [[Unicode.Scalar]: String] = [:]
        for index in kept { for label in resolution.candidates[index].labels { labelSet[Array(label.unicodeScalars)] = label } }
        let labelNames = DatasetStore.sortedLabels(Array(labelSet.values))
        let labelIndex = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { (Array($1.unicodeScalars), $0) })
        let manifestImages = zip(kept, decoded).map { index, info -> ManifestImage in
            let candidate = resolution.candidates[index]
            return ManifestImage(path: candidate.path, sha256: candidate.file.sha256, bytes: candidate.file.bytes,
                                 labels: candidate.labels.map { labelIndex[Array($0.unicodeScalars)]! }.sorted(),
                                 split: candidate.split, format: info.format, width: info.width, height: info.height)
        }
        if manifestImages.isEmpty {
            throw IngestError.nothingTrainable(reason: DatasetStore.whyNothing(files: extractor.files, problems: problems, ignored: extractor.ignoredFiles))
        }
        if !resolution.multiLabel && labelNames.count < 2 {
            throw IngestError.nothingTrainable(reason: "every usable image is labelled '\(labelNames[0])' (\(manifestImages.count) images);"
                + " a classifier needs at least two classes (e.g. folders cat/ and dog/)")
        }

        let manifest = DatasetManifest(
            version: DatasetManifest.currentVersion, id: id, source: source.lastPathComponent, container: container,
            layout: resolution.layout, labelNames: labelNames, multiLabel: resolution.multiLabel, splitsGiven: resolution.splitsGiven,
            unwrapped: resolution.unwrapped, labelColumn: resolution.labelColumn, labelSeparator: resolution.labelSeparator,
            images: manifestImages, problems: problems, ignoredFiles: extractor.ignoredFiles + resolution.ignored, notices: resolution.notices)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(manifest), to: temporary.appendingPathComponent("manifest.json"))

        // Everything written so far reaches the disk before the dataset appears under its id: one sync()
        // rather than an fsync per image (Glibc does not export syncfs to Swift).
        if options.durable { sync() }
        let final = root.appendingPathComponent(id)
        if rename(temporary.path, final.path) != 0 {
            if (errno == EEXIST || errno == ENOTEMPTY), let existing = try? dataset(id: id) {   // a concurrent ingest won
                try? FileManager.default.removeItem(at: temporary)
                return IngestResult(dataset: existing, report: HealthReport(manifest: existing.manifest, inputSize: options.reportInputSize), reused: true)
            }
            throw IngestError.io(path: final.path, detail: "cannot move the dataset into place: \(String(cString: strerror(errno)))")
        }
        AtomicFile.syncDirectory(root.path)
        let stored = StoredDataset(directory: final, manifest: manifest)
        return IngestResult(dataset: stored, report: HealthReport(manifest: manifest, inputSize: options.reportInputSize), reused: false,
                            timings: timings)
    }

    /// SHA-256 over the sorted (path, file SHA-256, labels, split) lines, 16 hex digits.
    static func contentID(_ candidates: [Resolution.Candidate]) -> String {
        let lines = candidates.map { c in
            "\(c.path)\t\(c.file.sha256)\t\(c.labels.sorted(by: pythonStringLess).joined(separator: "\u{1F}"))\t\(c.split.rawValue)\n"
        }.sorted(by: pythonStringLess)
        let hasher = SHA256Hasher()
        for line in lines { hasher.update(Data(line.utf8)) }
        return String(hasher.finalizeHex().prefix(16))
    }

    /// Class names in code point order, as `datasets` sorts them; numerically when every name is an integer.
    static func sortedLabels(_ names: [String]) -> [String] {
        if !names.isEmpty, names.allSatisfy({ Int($0) != nil }) { return names.sorted { Int($0)! < Int($1)! } }
        return names.sorted(by: pythonStringLess)
    }

    /// The sentence of a `nothingTrainable` error: what the upload held instead.
    static func whyNothing(files: [StagedFile], problems: [DatasetProblem], ignored: [String]) -> String {
        let images = files.filter { $0.role == .image }.count
        var parts: [String] = []
        if images == 0 {
            parts.append("no PNG/JPEG image in the upload" + (ignored.isEmpty ? "" : " (other files: \(ignored.prefix(5).joined(separator: ", ")))"))
        } else {
            parts.append("\(images) image(s) found but none is usable")
        }
        var byKind: [DatasetProblem.Kind: [DatasetProblem]] = [:]
        for problem in problems { byKind[problem.kind, default: []].append(problem) }
        for (kind, list) in byKind.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let examples = list.prefix(3).map { "\($0.path): \($0.reason)" }.joined(separator: "; ")
            parts.append("\(list.count) \(kind.rawValue.replacingOccurrences(of: "_", with: " ")) (\(examples)\(list.count > 3 ? "; ..." : ""))")
        }
        return parts.joined(separator: "; ")
    }
}
