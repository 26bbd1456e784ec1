import Checksums
import Foundation

/// A file taken out of the upload into the staging folder.
struct StagedFile {
    enum Role { case image, table }
    /// Path components as stored in the upload (checked: no `..`, no absolute path).
    var components: [String]
    var role: Role
    var sha256: String
    var bytes: Int64
    var path: String { components.joined(separator: "/") }
}

/// Takes entries out of a container one at a time into `<staging>/`, hashing them as they stream.
/// Only images and tables are written; every name is checked first, links and special files are refused,
/// and files are created with O_EXCL | O_NOFOLLOW under folders this code made, so nothing lands
/// outside the staging folder.
final class Extractor {
    /// File name extensions read as images (as `ImageFolderDataset.imageExtensions`).
    static let imageExtensions = ImageFolderDataset.imageExtensions
    /// Image formats recognised by name but not decoded: listed as unsupported, per file.
    static let unsupportedImageExtensions: Set<String> = [
        "gif", "bmp", "webp", "tif", "tiff", "heic", "heif", "avif", "ico", "jp2", "j2k", "jxl", "svg", "psd",
        "dng", "cr2", "nef", "arw", "raw", "pgm", "ppm", "pbm", "pnm", "tga", "exr", "hdr", "qoi", "pcx", "dds",
        "jfif", "jpe",
    ]
    static let tableExtensions: Set<String> = ["csv", "jsonl"]
    /// Visible files operating systems leave behind: skipped silently.
    static let systemFileNames: Set<String> = ["Thumbs.db", "desktop.ini", "Desktop.ini", "ehthumbs.db"]

    let staging: URL
    let limits: IngestLimits
    private(set) var files: [StagedFile] = []
    private(set) var problems: [DatasetProblem] = []
    private(set) var ignoredFiles: [String] = []
    private var seen: Set<[Unicode.Scalar]> = []
    private var madeFolders: Set<String> = []

    init(staging: URL, limits: IngestLimits) {
        self.staging = staging
        self.limits = limits
    }

    func extract(_ reader: ArchiveReader) throws {
        try reader.forEachEntry { entry, content in
            let components: [String]
            switch EntryPath.components(entry.rawName) {
            case .failure(let refusal):
                problems.append(DatasetProblem(path: entry.displayName, kind: .refusedEntry, reason: refusal.reason))
                return
            case .success(let parts):
                components = parts
            }
            if Extractor.isSkipped(components, isDirectory: entry.kind == .directory) { return }
            let path = components.joined(separator: "/")
            let refused = { (reason: String) in
                self.problems.append(DatasetProblem(path: path, kind: .refusedEntry, reason: reason))
            }
            switch entry.kind {
            case .directory: return
            case .symlink(let target):
                return refused("a symbolic link\(target.isEmpty ? "" : " to '\(target)'"): links in uploads are not followed")
            case .hardLink(let target):
                return refused("a hard link to '\(target)': links in uploads are not followed")
            case .device: return refused("a device file")
            case .fifo: return refused("a FIFO (named pipe)")
            case .other(let what): return refused("\(what): not a regular file")
            case .file: break
            }
            let ext = (components.last! as NSString).pathExtension.lowercased()
            let role: StagedFile.Role
            if Extractor.imageExtensions.contains(ext) {
                role = .image
            } else if Extractor.tableExtensions.contains(ext) {
                guard entry.size <= limits.maxTableBytes else {
                    problems.append(DatasetProblem(path: path, kind: .badTable,
                                                   reason: "\(entry.size) bytes, over max_table_bytes = \(limits.maxTableBytes)"))
                    return
                }
                role = .table
            } else if Extractor.unsupportedImageExtensions.contains(ext) {
                problems.append(DatasetProblem(path: path, kind: .unsupportedFormat,
                                               reason: "\(ext.uppercased()) images are not supported; convert to PNG or JPEG"))
                return
            } else {
                ignoredFiles.append(path)
                return
            }
            guard seen.insert(Array(path.unicodeScalars)).inserted else {
                problems.append(DatasetProblem(path: path, kind: .duplicateEntry, reason: "a second entry of this name; the first is kept"))
                return
            }
            do {
                let (sha, bytes) = role == .table
                    ? try write(components, content: content, maxBytes: limits.maxTableBytes, limitName: "max_table_bytes")
                    : try write(components, content: content, maxBytes: limits.maxEntryBytes, limitName: "max_entry_bytes")
                files.append(StagedFile(components: components, role: role, sha256: sha, bytes: bytes))
            } catch let refusal as EntryRefusal {
                problems.append(DatasetProblem(path: path, kind: .refusedEntry, reason: refusal.reason))
            }
        }
    }

    /// Hidden names (a leading "."), folders starting with "__" (`__MACOSX`) and system files, as
    /// `datasets` skips them.
    static func isSkipped(_ components: [String], isDirectory: Bool) -> Bool {
        for (i, name) in components.enumerated() {
            let folder = isDirectory || i < components.count - 1
            if FolderTree.isHidden(name, isDirectory: folder) { return true }
        }
        return !isDirectory && systemFileNames.contains(components.last!)
    }

    /// Creates the folders (refusing a clash with a file) and the file, streams the content into it.
    private func write(_ components: [String], content: EntryContent, maxBytes: Int64, limitName: String) throws -> (String, Int64) {
        var folder = staging.path
        for (i, name) in components.dropLast().enumerated() {
            folder += "/" + name
            let key = components[0...i].joined(separator: "/")
            if madeFolders.contains(key) { continue }
            if mkdir(folder, 0o755) != 0 {
                throw EntryRefusal(reason: errno == EEXIST ? "its folder '\(key)' clashes with a file of that name"
                                                            : "cannot create folder '\(key)': \(String(cString: strerror(errno)))")
            }
            madeFolders.insert(key)
        }
        let target = folder + "/" + components.last!
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw EntryRefusal(reason: errno == EEXIST ? "clashes with a folder of the same name"
                                                        : "cannot create the file: \(String(cString: strerror(errno)))")
        }
        let hasher = SHA256Hasher()
        var total: Int64 = 0
        do {
            try content.stream { chunk in
                total += Int64(chunk.count)
                if total > maxBytes {
                    throw IngestError.limitExceeded(entry: components.joined(separator: "/"), limit: limitName, value: maxBytes,
                                                    detail: "the file holds more than \(maxBytes) bytes")
                }
                hasher.update(chunk)
                var written = 0
                while written < chunk.count {
                    let n = Glibc.write(fd, chunk.baseAddress! + written, chunk.count - written)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw IngestError.io(path: target, detail: "write failed: \(String(cString: strerror(errno)))")
                    }
                    written += n
                }
            }
        } catch {
            close(fd)
            unlink(target)
            throw error
        }
        close(fd)
        return (hasher.finalizeHex(), total)
    }
}
