import Checksums
import Foundation

/// Fetches one blob into the cache: streams into `blobs/{etag}.incomplete`, resumes with `Range` after a
/// cut connection (or in a later run), checks the size and, for LFS files, the sha256, and only then
/// renames it to `blobs/{etag}`. A failed check deletes the partial file, so no bad blob is ever named.
struct BlobDownload {
    let session: HubSession
    let metadata: FileMetadata
    /// Headers for the GET: without `authorization` when the bytes come from another host.
    let headers: [(name: String, value: String)]
    let destination: URL
    /// The path in the repository, for messages and progress.
    let file: String
    let progress: TransferProgressHandler?

    /// How often a transfer may fail in a row without receiving a byte (`http_get`'s `_nb_retries`).
    static let maxAttemptsWithoutProgress = 5
    static let retryDelay: TimeInterval = 0.2

    func run() throws {
        let partial = URL(fileURLWithPath: destination.path + ".incomplete")
        if !FileManager.default.fileExists(atPath: partial.path) {
            guard FileManager.default.createFile(atPath: partial.path, contents: nil) else {
                throw HubError.fileSystem(path: partial.path, detail: "cannot create the download file")
            }
        }
        let handle: FileHandle
        do { handle = try FileHandle(forUpdating: partial) } catch {
            throw HubError.fileSystem(path: partial.path, detail: "cannot open: \(error.localizedDescription)")
        }
        defer { try? handle.close() }

        do {
            try fetch(into: handle, partial: partial)
            try? handle.synchronize()
        } catch let error as HubError {
            // A wrong size or hash cannot be fixed by resuming: start clean next time.
            switch error {
            case .sizeMismatch, .hashMismatch: try? FileManager.default.removeItem(at: partial)
            default: break
            }
            throw error
        }
        try HubCache.rename(partial, to: destination)
    }

    private func fetch(into handle: FileHandle, partial: URL) throws {
        let expected = metadata.size
        var have = Int64(try handle.seekToEnd())
        if have > expected {
            try handle.truncate(atOffset: 0)
            have = 0
        }
        var hasher = metadata.isSHA256 ? SHA256Hasher() : nil
        if let hasher, have > 0 { try Self.hash(prefixOf: partial, count: have, into: hasher) }
        report(have)

        var failures = 0
        var firstAttempt = true
        while firstAttempt || have < expected {
            firstAttempt = false
            let startedWith = have
            var request = HTTPRequest("GET", metadata.location, headers: headers)
            request.followRedirects = true
            if have > 0 { request.headers.append(("range", "bytes=\(have)-")) }
            let response: HTTPResponse
            do {
                response = try session.client.perform(request, onResponse: { status, headers in
                    guard (200..<300).contains(status), have > 0, !(status == 206 && Self.rangeStart(headers) == have) else { return }
                    // The server ignored our Range (200: the whole file follows) or answered another one.
                    try handle.truncate(atOffset: 0)
                    have = 0
                    hasher = metadata.isSHA256 ? SHA256Hasher() : nil
                    report(0)
                    if status == 206 { throw Restart() }
                }, onBody: { chunk in
                    guard have + Int64(chunk.count) <= expected else {
                        throw HubError.sizeMismatch(file: file, expected: expected, actual: have + Int64(chunk.count))
                    }
                    try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: chunk.baseAddress!),
                                                      count: chunk.count, deallocator: .none))
                    hasher?.update(chunk)
                    have += Int64(chunk.count)
                    report(have)
                })
            } catch is Restart {
                failures += 1
                guard failures < Self.maxAttemptsWithoutProgress else {
                    throw HubError.invalidResponse(url: metadata.location, problem: "206 answers that do not start where the Range asked")
                }
                continue
            } catch let error as TransportError {
                // A dropped connection or a stall: resume from what arrived, as long as bytes keep coming.
                failures = have > startedWith ? 1 : failures + 1
                guard failures < Self.maxAttemptsWithoutProgress else {
                    throw HubError.network(url: metadata.location, detail: error.message)
                }
                Thread.sleep(forTimeInterval: Self.retryDelay)
                firstAttempt = have == 0 && expected == 0
                continue
            }
            if response.status == 416 {
                // Our partial file does not fit the server's; throw it away and fetch all.
                try handle.truncate(atOffset: 0)
                have = 0
                hasher = metadata.isSHA256 ? SHA256Hasher() : nil
                failures += 1
                guard failures < Self.maxAttemptsWithoutProgress else {
                    throw HubError.http(status: 416, url: metadata.location, message: "range not satisfiable")
                }
                continue
            }
            try session.check(response, session.context(repo: nil, path: file))
            guard response.isSuccess else {
                throw HubError.http(status: response.status, url: metadata.location, message: nil)
            }
            // A complete 2xx answer that is still short: the server's body disagrees with the Hub's size.
            guard have == expected else { throw HubError.sizeMismatch(file: file, expected: expected, actual: have) }
        }
        if let hasher {
            let actual = hasher.finalizeHex()
            guard actual == metadata.etag else { throw HubError.hashMismatch(file: file, expected: metadata.etag, actual: actual) }
        }
    }

    /// Stops a transfer whose bytes cannot be appended, to fetch the file from the start instead.
    private struct Restart: Error {}

    private func report(_ bytes: Int64) {
        progress?(TransferProgress(direction: .download, file: file, completedBytes: bytes, totalBytes: metadata.size))
    }

    /// The first byte of a 206 answer's `Content-Range: bytes FIRST-LAST/TOTAL`.
    static func rangeStart(_ headers: [(name: String, value: String)]) -> Int64? {
        guard let value = headers.last(where: { $0.name.lowercased() == "content-range" })?.value,
              let range = value.split(separator: " ").last, let first = range.split(separator: "-").first else { return nil }
        return Int64(first)
    }

    /// Feeds the first `count` bytes of a partial download to `hasher` before resuming it.
    static func hash(prefixOf url: URL, count: Int64, into hasher: SHA256Hasher) throws {
        let reader = try FileHandle(forReadingFrom: url)
        defer { try? reader.close() }
        var left = count
        while left > 0, let block = try reader.read(upToCount: Int(min(left, 1 << 20))), !block.isEmpty {
            hasher.update(block)
            left -= Int64(block.count)
        }
    }
}
