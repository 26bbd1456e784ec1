import Datasets
import Foundation
import Imaging
import TensorCore

/// `sigtune dataset check|ingest`: validate an upload and print its health report.
enum DatasetCommand {
    static let usage = """
    Usage: sigtune dataset check PATH [--json] [--image-size 224] [OPTIONS]
           sigtune dataset ingest PATH --store DIR [--json] [--image-size 224] [OPTIONS]

    Reads a dataset the way training does and prints its health report: counts per class and split,
    imbalance, files that do not decode, duplicates and duplicates across splits, classes too small to
    split, images far smaller than the model input, labels that look like typos.
    PATH is a folder or an archive (.zip, .tar, .tar.gz/.tgz, recognised by content) laid out as
    <class>/<image>, train/ validation/ test/ folders of those, metadata.csv/metadata.jsonl with
    file_name and a label column, or a root table of path,label rows.
      check             validate only, in a temporary store that is removed (exit 1 when refused)
      ingest            store the dataset in DIR/<id>/ with its manifest and the preprocessed cache
      --json            print the report as JSON
      --image-size N    the model input side the report judges against and the cache is built for (224)
      --resample NAME   the cache's resize filter: bilinear (default), bicubic, nearest
      --store DIR       the dataset store (e.g. sigtune-data/datasets); leftovers of crashed ingests are removed
      --label-column NAME      the label column of metadata / label tables (default label)
      --label-separator SEP    multi-label separator in table cells (default: ';' or '|' when present; '' never)
      --threads N              decoding threads (default: all cores)
    Limits, checked while the archive streams (an upload over one is refused as a whole):
      --max-total-bytes N --max-entries N --max-entry-bytes N --max-compression-ratio N --max-pixels N
    """

    static func run(_ words: [String]) throws -> Int32 {
        let limitFlags = ["max-total-bytes", "max-entries", "max-entry-bytes", "max-compression-ratio", "max-pixels"]
        let args = try Arguments(words, valued: Set(["image-size", "resample", "store", "label-column", "label-separator", "threads"] + limitFlags),
                                 booleans: ["json"])
        guard let action = args.positionals.first, ["check", "ingest"].contains(action) else {
            throw UsageError(message: "expected 'check' or 'ingest'")
        }
        guard args.positionals.count == 2 else { throw UsageError(message: "name one dataset folder or archive") }
        let source = URL(fileURLWithPath: args.positionals[1])
        let imageSize = try args.int("image-size", default: 224, range: 1...4096)
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...512)
        ComputeThreads.count = threads

        var options = IngestOptions()
        options.threads = threads
        options.inputSize = imageSize
        let filters: [String: ResampleFilter] = ["bilinear": .bilinear, "bicubic": .bicubic, "nearest": .nearest]
        guard let filter = filters[args.string("resample") ?? "bilinear"] else {
            throw UsageError(message: "--resample must be bilinear, bicubic or nearest")
        }
        options.cache = action == "ingest" ? CacheSpec(width: imageSize, height: imageSize, filter: filter) : nil
        if let column = args.string("label-column") { options.labelColumn = column }
        options.labelSeparator = args.string("label-separator")
        options.limits.maxTotalBytes = Int64(try args.int("max-total-bytes", default: Int(options.limits.maxTotalBytes)))
        options.limits.maxEntries = try args.int("max-entries", default: options.limits.maxEntries)
        options.limits.maxEntryBytes = Int64(try args.int("max-entry-bytes", default: Int(options.limits.maxEntryBytes)))
        options.limits.maxCompressionRatio = try args.int("max-compression-ratio", default: options.limits.maxCompressionRatio)
        options.limits.maxPixels = try args.int("max-pixels", default: options.limits.maxPixels)

        var temporaryStore: URL?
        defer { if let temporaryStore { try? FileManager.default.removeItem(at: temporaryStore) } }
        let store: DatasetStore
        if let path = args.string("store") {
            store = try DatasetStore(root: URL(fileURLWithPath: path))
            for removed in store.removeLeftovers() { printError("removed leftover \(removed)") }
        } else {
            guard action == "check" else { throw UsageError(message: "ingest needs --store DIR") }
            temporaryStore = FileManager.default.temporaryDirectory.appendingPathComponent("sigtune-check-\(UUID().uuidString)")
            store = try DatasetStore(root: temporaryStore!)
            options.durable = false
        }

        let result: IngestResult
        do {
            result = try store.ingest(source, options: options)
        } catch let error as IngestError {
            if args.has("json") {
                let object = ["error": error.description]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            } else {
                printError("sigtune dataset \(action): refused: \(error)")
            }
            return 1
        }
        let t = result.timings
        if !result.reused {
            printError(String(format: "read %.0f MB in %.1f s; decoded %d images in %.1f s on %d threads",
                              Double(t.bytesRead) / 1e6, t.extractSeconds, t.decodedImages, t.decodeSeconds, t.decodeThreads))
        }
        if args.has("json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(result.report), as: UTF8.self))
        } else {
            print(result.report.text)
            if action == "ingest" {
                print("\(result.reused ? "already stored" : "stored") as \(result.dataset.directory.path)")
            }
        }
        return 0
    }
}
