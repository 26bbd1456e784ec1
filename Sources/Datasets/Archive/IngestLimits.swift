/// The bounds an upload must stay within. Each is checked while the archive streams (as bytes are
/// decompressed, as entries are met), so a bomb is stopped at the limit rather than discovered afterwards.
/// The JSON names (`max_total_bytes`, ...) are the option names of the CLI and the server.
public struct IngestLimits: Codable, Equatable, Sendable {
    /// Total bytes decompressed or copied out of the container, skipped entries included.
    public var maxTotalBytes: Int64 = 32 << 30
    /// Entries of any kind (files, folders, links) in the container.
    public var maxEntries: Int = 2_000_000
    /// Bytes of one file.
    public var maxEntryBytes: Int64 = 1 << 30
    /// Decompressed bytes per compressed byte, per zip entry and per gzip stream. Real images barely
    /// compress; a deflate bomb reaches about 1000.
    public var maxCompressionRatio: Int = 100
    /// The ratio is only judged once this many bytes came out, so a tiny, very compressible file
    /// (an empty CSV, a blank PNG) is never taken for a bomb.
    public var ratioGraceBytes: Int64 = 1 << 20
    /// Width × height an image header may declare; checked before decoding (Pillow's bomb threshold).
    public var maxPixels: Int = 178_956_970
    /// Bytes of one metadata / label table, which is parsed in memory.
    public var maxTableBytes: Int64 = 256 << 20

    public init() {}

    enum CodingKeys: String, CodingKey {
        case maxTotalBytes = "max_total_bytes", maxEntries = "max_entries", maxEntryBytes = "max_entry_bytes"
        case maxCompressionRatio = "max_compression_ratio", ratioGraceBytes = "ratio_grace_bytes"
        case maxPixels = "max_pixels", maxTableBytes = "max_table_bytes"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = IngestLimits()
        maxTotalBytes = try c.decodeIfPresent(Int64.self, forKey: .maxTotalBytes) ?? d.maxTotalBytes
        maxEntries = try c.decodeIfPresent(Int.self, forKey: .maxEntries) ?? d.maxEntries
        maxEntryBytes = try c.decodeIfPresent(Int64.self, forKey: .maxEntryBytes) ?? d.maxEntryBytes
        maxCompressionRatio = try c.decodeIfPresent(Int.self, forKey: .maxCompressionRatio) ?? d.maxCompressionRatio
        ratioGraceBytes = try c.decodeIfPresent(Int64.self, forKey: .ratioGraceBytes) ?? d.ratioGraceBytes
        maxPixels = try c.decodeIfPresent(Int.self, forKey: .maxPixels) ?? d.maxPixels
        maxTableBytes = try c.decodeIfPresent(Int64.self, forKey: .maxTableBytes) ?? d.maxTableBytes
    }
}

/// Counts what an archive has produced so far against the limits; every reader reports to one tracker.
final class LimitTracker {
    let limits: IngestLimits
    private(set) var entries = 0
    private(set) var totalBytes: Int64 = 0
    /// The entry being read, for error messages from layers that do not know it (the gzip stream).
    var currentEntry = ""

    init(_ limits: IngestLimits) { self.limits = limits }

    /// One more entry of any kind.
    func countEntry(_ name: String) throws {
        entries += 1
        if entries > limits.maxEntries {
            throw IngestError.limitExceeded(entry: name, limit: "max_entries", value: Int64(limits.maxEntries),
                                            detail: "the archive holds more than \(limits.maxEntries) entries")
        }
    }

    /// `count` more bytes decompressed or copied out.
    func countBytes(_ count: Int) throws {
        totalBytes += Int64(count)
        if totalBytes > limits.maxTotalBytes {
            throw IngestError.limitExceeded(entry: currentEntry, limit: "max_total_bytes", value: limits.maxTotalBytes,
                                            detail: "more than \(limits.maxTotalBytes) bytes come out of the archive")
        }
    }

    /// Refuses an entry whose size (declared, or reached while reading) is over the per-file limit.
    func checkEntrySize(_ size: Int64, entry: String) throws {
        if size > limits.maxEntryBytes {
            throw IngestError.limitExceeded(entry: entry, limit: "max_entry_bytes", value: limits.maxEntryBytes,
                                            detail: "the file holds more than \(limits.maxEntryBytes) bytes")
        }
    }

    /// Refuses `output` bytes made from `input` compressed bytes when the ratio is over the limit.
    func checkRatio(output: Int64, input: Int64, entry: String, what: String) throws {
        guard output > limits.ratioGraceBytes else { return }
        if output > max(input, 1) * Int64(limits.maxCompressionRatio) {
            throw IngestError.limitExceeded(
                entry: entry, limit: "max_compression_ratio", value: Int64(limits.maxCompressionRatio),
                detail: "\(what) expands \(input) compressed bytes to \(output) bytes"
                    + " (over \(limits.maxCompressionRatio):1), a compression bomb")
        }
    }
}
