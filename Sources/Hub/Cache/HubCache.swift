import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One model repository's folder in the Hugging Face cache, laid out exactly as `huggingface_hub` does so
/// the two share it (`file_download.py`):
///
///     $HF_HUB_CACHE/models--{org}--{name}/
///         blobs/{etag}                        the file contents, named by the Hub's etag
///         snapshots/{commit}/{path}           relative symlinks into blobs
///         refs/{revision}                     the commit a branch or tag pointed to (no newline)
///     $HF_HUB_CACHE/.locks/models--{org}--{name}/{etag}.lock
struct HubCache {
    let root: URL
    let repo: RepoID

    var storage: URL { root.appendingPathComponent(repo.cacheFolderName) }

    func blob(etag: String) -> URL { storage.appendingPathComponent("blobs").appendingPathComponent(etag) }

    func snapshot(commit: String) -> URL { storage.appendingPathComponent("snapshots").appendingPathComponent(commit) }

    func pointer(commit: String, path: String) -> URL { snapshot(commit: commit).appendingPathComponent(path) }

    func ref(revision: String) -> URL { storage.appendingPathComponent("refs").appendingPathComponent(revision) }

    func lock(etag: String) -> URL {
        root.appendingPathComponent(".locks").appendingPathComponent(repo.cacheFolderName).appendingPathComponent("\(etag).lock")
    }

    /// The commit `revision` names: itself when it is a full sha, else what `refs/{revision}` recorded.
    func commit(for revision: String) -> String? {
        if RepoID.isCommitHash(revision) { return revision }
        guard let text = try? String(contentsOf: ref(revision: revision), encoding: .utf8), !text.isEmpty else { return nil }
        return text
    }

    /// Records that `revision` resolved to `commit` (`_cache_commit_hash_for_specific_revision`): only for
    /// a branch or tag, only when it changed, written via a temporary file so a reader never sees half.
    func record(revision: String, commit: String) throws {
        guard revision != commit else { return }
        let url = ref(revision: revision)
        if (try? String(contentsOf: url, encoding: .utf8)) == commit { return }
        try createDirectory(url.deletingLastPathComponent())
        let temporary = url.deletingLastPathComponent().appendingPathComponent("\(url.lastPathComponent).\(UUID().uuidString.prefix(8).lowercased()).tmp")
        do {
            try Data(commit.utf8).write(to: temporary)
            try replace(temporary, with: url)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw HubError.fileSystem(path: url.path, detail: "cannot write the ref: \(error.localizedDescription)")
        }
    }

    /// Points `snapshots/{commit}/{path}` at `blobs/{etag}` with a relative link (`_create_symlink` uses
    /// `os.path.relpath`), so the cache survives being moved or mounted elsewhere.
    func link(commit: String, path: String, etag: String) throws {
        let pointer = pointer(commit: commit, path: path)
        try createDirectory(pointer.deletingLastPathComponent())
        let depth = path.split(separator: "/").count - 1
        let target = String(repeating: "../", count: 2 + depth) + "blobs/" + etag
        try? FileManager.default.removeItem(at: pointer)
        do { try FileManager.default.createSymbolicLink(atPath: pointer.path, withDestinationPath: target) } catch {
            throw HubError.fileSystem(path: pointer.path, detail: "cannot create the snapshot link: \(error.localizedDescription)")
        }
    }

    /// The snapshot folder of `commit` when it holds a loadable model: config.json and the weights
    /// (model.safetensors, or the index and every shard it names). A folder left half-filled by an
    /// interrupted download does not count.
    func completeSnapshot(commit: String) -> URL? {
        let folder = snapshot(commit: commit)
        let fm = FileManager.default
        guard fm.fileExists(atPath: folder.appendingPathComponent(ModelFiles.config).path) else { return nil }
        if fm.fileExists(atPath: folder.appendingPathComponent(ModelFiles.weights).path) { return folder }
        guard let data = fm.contents(atPath: folder.appendingPathComponent(ModelFiles.shardIndex).path),
              let shards = try? ModelFiles.shards(inIndex: data), !shards.isEmpty else { return nil }
        return shards.allSatisfy({ fm.fileExists(atPath: folder.appendingPathComponent($0).path) }) ? folder : nil
    }

    /// Writes `CACHEDIR.TAG` at the cache root (as huggingface_hub ≥ 1.9 does) so backup tools skip it.
    func tagCacheDirectory() {
        let tag = root.appendingPathComponent("CACHEDIR.TAG")
        guard !FileManager.default.fileExists(atPath: tag.path) else { return }
        let content = "Signature: 8a477f597d28d172789f06886806bc55\n"
            + "# This file is a cache directory tag created by huggingface_hub.\n"
            + "# For information about cache directory tags, see:\n"
            + "#\thttps://bford.info/cachedir/\n"
        try? Data(content.utf8).write(to: tag)
    }

    func createDirectory(_ url: URL) throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw HubError.fileSystem(path: url.path, detail: "cannot create the directory: \(error.localizedDescription)")
        }
    }

    func replace(_ source: URL, with destination: URL) throws { try Self.rename(source, to: destination) }

    /// `rename(2)`: atomic, and replaces an existing destination (FileManager.moveItem refuses to).
    static func rename(_ source: URL, to destination: URL) throws {
        guard Glibc.rename(source.path, destination.path) == 0 else {
            throw HubError.fileSystem(path: destination.path, detail: "cannot move \(source.lastPathComponent) into place: \(String(cString: strerror(errno)))")
        }
    }
}
