import Foundation
import Hub

/// `sigtune download`: fetch a Hub model into the Hugging Face cache and print its snapshot directory.
enum DownloadCommand {
    static let usage = """
    Usage: sigtune download ID [--revision R]

    Downloads the files of a SigLIP classifier (config.json, model.safetensors or its shards,
    preprocessor_config.json) from the Hugging Face Hub into the cache that huggingface_hub uses
    ($HF_HUB_CACHE, default ~/.cache/huggingface/hub) and prints the snapshot directory, which
    --model accepts. Files already cached are not fetched again.
      ID              a Hub model id, namespace/name (e.g. google/siglip2-base-patch16-224)
      --revision R    a branch, tag or commit (default main)
    Environment: HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_TOKEN (private or gated models), HF_HUB_OFFLINE.
    """

    static func run(_ words: [String]) throws -> Int32 {
        let args = try Arguments(words, valued: ["revision"], booleans: [])
        guard args.positionals.count == 1 else { throw UsageError(message: "give exactly one model id") }
        let snapshot = try ModelDownloader().download(args.positionals[0], revision: args.string("revision"),
                                                      progress: TransferProgressPrinter().report)
        print(snapshot.path)
        return 0
    }
}

/// Prints transfer progress to standard error: a line per file when it completes, and every 10 % of
/// files large enough for that to matter. Callbacks arrive per chunk, so this prints rarely.
final class TransferProgressPrinter {
    private var lastDecile: [String: Int64] = [:]

    func report(_ progress: TransferProgress) {
        let verb = progress.direction == .download ? "downloaded" : "uploaded"
        let total = max(progress.totalBytes, 1)
        let decile = progress.completedBytes * 10 / total
        guard decile != lastDecile[progress.file] else { return }
        lastDecile[progress.file] = decile
        if progress.completedBytes >= progress.totalBytes {
            printError("\(verb) \(progress.file) (\(Self.size(progress.totalBytes)))")
        } else if progress.totalBytes >= 50 << 20, decile > 0 {
            printError("  \(progress.file): \(decile * 10)% of \(Self.size(progress.totalBytes))")
        }
    }

    static func size(_ bytes: Int64) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MB", Double(bytes) / 1_048_576) : String(format: "%.1f kB", Double(bytes) / 1024)
    }
}
