import Foundation

/// Unpacks an uploaded model archive (a `.zip`, `.tar` or `.tar.gz` of a Hugging Face model directory)
/// into an empty folder, with the same streaming reader, limits and name checks as dataset uploads.
///
/// Only the files a model directory holds are kept, flattened to their file names: `*.json`,
/// `*.safetensors`, `README.md`. A single wrapper folder (`my-model/config.json`) is therefore fine; two
/// entries with the same file name in different folders are refused as ambiguous. Links, devices and
/// unsafe names refuse the whole upload: a model has no use for them.
public enum ModelArchive {
    public static func extract(_ source: URL, into destination: URL, limits: IngestLimits = IngestLimits()) throws {
        let tracker = LimitTracker(limits)
        let (_, reader) = try ContainerKind.open(source, tracker: tracker)
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        var written = Set<String>()
        try reader.forEachEntry { entry, content in
            let components: [String]
            switch EntryPath.components(entry.rawName) {
            case .failure(let refusal): throw IngestError.corrupt(entry: entry.displayName, detail: refusal.reason)
            case .success(let parts): components = parts
            }
            if components.contains(where: { $0.hasPrefix(".") || $0 == "__MACOSX" }) { return }
            switch entry.kind {
            case .directory: return
            case .file: break
            default: throw IngestError.corrupt(entry: entry.displayName, detail: "a model archive may hold regular files only (no links or special files)")
            }
            let name = components.last!
            guard name.hasSuffix(".json") || name.hasSuffix(".safetensors") || name == "README.md" else { return }
            guard written.insert(name).inserted else {
                throw IngestError.corrupt(entry: entry.displayName, detail: "a second file named \(name): the archive must hold one model directory")
            }
            let url = destination.appendingPathComponent(name)
            let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw IngestError.io(path: url.path, detail: String(cString: strerror(errno))) }
            defer { close(fd) }
            try content.stream { chunk in
                var offset = 0
                while offset < chunk.count {
                    let n = write(fd, chunk.baseAddress! + offset, chunk.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw IngestError.io(path: url.path, detail: String(cString: strerror(errno)))
                    }
                    offset += n
                }
            }
        }
        guard written.contains("config.json") else {
            throw IngestError.corrupt(entry: source.lastPathComponent, detail: "no config.json: upload a zip or tar of a Hugging Face model directory (config.json, model.safetensors, preprocessor_config.json)")
        }
    }
}
