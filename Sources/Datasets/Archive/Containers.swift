import Foundation

/// The kinds of upload `DatasetStore.ingest` reads, recognised by content (magic bytes), not by name.
public enum ContainerKind: String, Codable, Sendable {
    case directory
    case zip
    case tar
    case tarGzip = "tar.gz"

    /// Opens `url` as a container, looking at its first bytes.
    static func open(_ url: URL, tracker: LimitTracker) throws -> (ContainerKind, ArchiveReader) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw IngestError.sourceNotFound(path: url.path)
        }
        if isDirectory.boolValue { return (.directory, DirectoryReader(root: url, tracker: tracker)) }
        let file = try FileReader(path: url.path)
        let head = try file.bytes(at: 0, count: 512)
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        if starts([0x50, 0x4B, 3, 4]) || starts([0x50, 0x4B, 5, 6]) || starts([0x50, 0x4B, 7, 8]) {
            return (.zip, ZipReader(file, tracker: tracker))
        }
        if starts([0x1F, 0x8B]) {
            // Look inside: a gzip of a tar is a .tar.gz; anything else is not a dataset container.
            let probe = GzipStream(file, tracker: LimitTracker(tracker.limits))
            var block = [UInt8](repeating: 0, count: 512)
            var got = 0
            while got < 512 {
                let n = try block.withUnsafeMutableBytes { try probe.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[got...])) }
                if n == 0 { break }
                got += n
            }
            guard got == 512, TarHeader.looksLikeHeader(block) else {
                throw IngestError.unsupportedContainer(path: url.path, detail: "a gzip file that does not hold a tar archive")
            }
            return (.tarGzip, TarReader(GzipStream(file, tracker: tracker), tracker: tracker))
        }
        if TarHeader.looksLikeHeader(head) { return (.tar, TarReader(FileStream(file, tracker: tracker), tracker: tracker)) }
        let known: [(magic: [UInt8], offset: Int, name: String)] = [
            (Array("BZh".utf8), 0, "a bzip2 file"), ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], 0, "an xz file"),
            ([0x28, 0xB5, 0x2F, 0xFD], 0, "a zstd file"), ([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], 0, "a 7-Zip archive"),
            (Array("Rar!".utf8), 0, "a RAR archive"), ([0x89, 0x50, 0x4E, 0x47], 0, "a single PNG image"),
            ([0xFF, 0xD8, 0xFF], 0, "a single JPEG image"),
        ]
        if let match = known.first(where: { starts($0.magic, at: $0.offset) }) {
            throw IngestError.unsupportedContainer(path: url.path, detail: "\(match.name)")
        }
        if url.pathExtension.lowercased() == "zip" {
            // A zip with something in front (a self-extractor stub) or cut short: let the reader say which.
            return (.zip, ZipReader(file, tracker: tracker))
        }
        if file.size == 0 { throw IngestError.unsupportedContainer(path: url.path, detail: "an empty file") }
        if head.count < 512, [".tar", ".tgz", ".gz"].contains(where: { url.path.lowercased().hasSuffix($0) }) {
            throw IngestError.truncated(entry: "", detail: "only \(head.count) bytes, less than one tar header")
        }
        throw IngestError.unsupportedContainer(path: url.path, detail: "not a recognised archive (first bytes "
            + head.prefix(8).map { String(format: "%02X", $0) }.joined(separator: " ") + ")")
    }
}

/// A folder on disk walked as if it were an archive: every file and folder, sorted by name. Symbolic
/// links are followed (as `datasets` follows them), with a guard against loops.
final class DirectoryReader: ArchiveReader {
    private let root: URL
    private let tracker: LimitTracker
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    init(root: URL, tracker: LimitTracker) {
        self.root = root
        self.tracker = tracker
    }

    func forEachEntry(_ visit: (ArchiveEntry, EntryContent) throws -> Void) throws {
        var visited: Set<String> = []
        try walk(root, relative: "", visited: &visited, visit)
    }

    private func walk(_ folder: URL, relative: String, visited: inout Set<String>,
                      _ visit: (ArchiveEntry, EntryContent) throws -> Void) throws {
        guard visited.insert(folder.resolvingSymlinksInPath().path).inserted else { return }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw IngestError.io(path: folder.path, detail: "cannot list the folder: \(error.localizedDescription)")
        }
        for name in names.sorted(by: pythonStringLess) {
            let path = relative.isEmpty ? name : relative + "/" + name
            let url = folder.appendingPathComponent(name)
            var info = stat()
            guard stat(url.path, &info) == 0 else { continue }   // a dangling link
            let type = info.st_mode & S_IFMT
            try tracker.countEntry(path)
            tracker.currentEntry = path
            if type == S_IFDIR {
                try visit(ArchiveEntry(rawName: Array(path.utf8), kind: .directory, size: 0), EntryContent { _ in })
                try walk(url, relative: path, visited: &visited, visit)
            } else if type == S_IFREG {
                let size = Int64(info.st_size)
                try tracker.checkEntrySize(size, entry: path)
                try visit(ArchiveEntry(rawName: Array(path.utf8), kind: .file, size: size), EntryContent { sink in
                    let file = try FileReader(path: url.path)
                    var offset: Int64 = 0
                    while true {
                        let n = try self.chunk.withUnsafeMutableBytes { try file.read(at: offset, into: $0) }
                        if n == 0 { break }
                        offset += Int64(n)
                        try self.tracker.countBytes(n)
                        try self.tracker.checkEntrySize(offset, entry: path)
                        try self.chunk.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    }
                })
            } else {
                try visit(ArchiveEntry(rawName: Array(path.utf8), kind: type == S_IFIFO ? .fifo : .device, size: 0), EntryContent { _ in })
            }
        }
    }
}
