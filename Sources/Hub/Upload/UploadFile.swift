import Checksums
import Foundation

/// One file of a commit with what the Hub asks about it before the upload (`UploadInfo`): size,
/// sha256 (the LFS object id) and the first 512 bytes (from which the Hub tells text from binary).
struct UploadFile {
    enum Source {
        case file(URL)
        case data(Data)
    }

    /// The path in the repository, `/`-separated.
    let path: String
    let source: Source
    let size: Int64
    let sha256: String
    let sample: Data

    static func file(_ url: URL, as path: String) throws -> UploadFile {
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value ?? 0
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            let sample = try handle.read(upToCount: 512) ?? Data()
            return UploadFile(path: path, source: .file(url), size: size, sha256: try SHA256Hasher.hex(fileAt: url), sample: sample)
        } catch {
            throw HubError.fileSystem(path: url.path, detail: "cannot read for upload: \(error.localizedDescription)")
        }
    }

    static func data(_ data: Data, as path: String) -> UploadFile {
        UploadFile(path: path, source: .data(data), size: Int64(data.count), sha256: SHA256Hasher.hex(data), sample: data.prefix(512))
    }

    /// `length` bytes from `offset`, as a request body streamed from disk for files.
    func body(offset: Int64 = 0, length: Int64? = nil) -> HTTPRequest.Body {
        let length = length ?? size - offset
        switch source {
        case let .file(url): return .file(url, offset: offset, length: length)
        case let .data(data): return .data(data.subdata(in: Int(offset)..<Int(offset + length)))
        }
    }

    /// The whole content base64-encoded, for a regular (non-LFS) file in the commit payload.
    func base64Content() throws -> String {
        switch source {
        case let .data(data): return data.base64EncodedString()
        case let .file(url):
            do { return try Data(contentsOf: url).base64EncodedString() } catch {
                throw HubError.fileSystem(path: url.path, detail: "cannot read for upload: \(error.localizedDescription)")
            }
        }
    }
}
