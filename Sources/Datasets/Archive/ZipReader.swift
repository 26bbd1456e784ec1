/// A zip archive read through its central directory (APPNOTE 6.3.10): stored and deflate entries,
/// ZIP64 sizes and offsets, data descriptors (sizes are taken from the central directory, so entries
/// written by streaming zippers read the same). Entry data is read with `pread` in 64 KiB chunks and
/// inflated as it goes; only the entry list is held in memory.
///
/// Before any entry is read, every local header is located and the byte ranges of all entries are
/// checked not to overlap one another or the central directory (overlapping entries are how
/// non-recursive zip bombs reach ratios of millions).
final class ZipReader: ArchiveReader {
    struct Record {
        var rawName: [UInt8]
        var flags: UInt16
        var method: UInt16
        var crc: UInt32
        var compressedSize: Int64
        var size: Int64
        var localOffset: Int64
        var versionMadeBy: UInt16
        var externalAttributes: UInt32
        /// Where the entry's data starts, after its local header (found in the overlap check).
        var dataOffset: Int64 = 0
        var displayName: String { ArchiveEntry(rawName: rawName, kind: .file, size: 0).displayName }
    }

    private let file: FileReader
    private let tracker: LimitTracker
    /// Where the central directory starts; entry data must end before it.
    private var directoryStart: Int64 = 0
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    private var output = [UInt8](repeating: 0, count: 1 << 16)

    init(_ file: FileReader, tracker: LimitTracker) {
        self.file = file
        self.tracker = tracker
    }

    func forEachEntry(_ visit: (ArchiveEntry, EntryContent) throws -> Void) throws {
        let records = try locateEntries(try readCentralDirectory())
        for record in records {
            let kind = entryKind(record)
            let entry = ArchiveEntry(rawName: record.rawName, kind: kind, size: kind == .file ? record.size : 0)
            let name = record.displayName
            tracker.currentEntry = name
            if kind == .file { try tracker.checkEntrySize(record.size, entry: name) }
            try visit(entry, EntryContent { sink in try self.stream(record, into: sink) })
        }
    }

    // MARK: central directory

    private func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private func le32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(le16(b, i)) | UInt32(le16(b, i + 2)) << 16 }
    private func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }

    /// Finds the end-of-central-directory record (and its ZIP64 twin) and reads the central directory.
    func readCentralDirectory() throws -> [Record] {
        let tailLength = Int(min(file.size, 22 + 65_535))
        let tail = try file.bytes(at: file.size - Int64(tailLength), count: tailLength)
        var eocd: Int?
        if tail.count >= 22 {
            for i in stride(from: tail.count - 22, through: 0, by: -1)
            where tail[i] == 0x50 && tail[i + 1] == 0x4B && tail[i + 2] == 5 && tail[i + 3] == 6 {
                if i + 22 + Int(le16(tail, i + 20)) <= tail.count { eocd = i; break }
            }
        }
        guard let e = eocd else {
            throw IngestError.truncated(entry: "", detail: "no end of central directory record: the zip file is cut short")
        }
        let eocdOffset = file.size - Int64(tailLength) + Int64(e)
        var disk = Int64(le16(tail, e + 4))
        var count = Int64(le16(tail, e + 10))
        var directorySize = Int64(le32(tail, e + 12))
        var directoryOffset = Int64(le32(tail, e + 16))
        var directoryEnd = eocdOffset

        // ZIP64: a locator 20 bytes before the record points at the ZIP64 end of central directory.
        if eocdOffset >= 20 {
            let locator = try file.bytes(at: eocdOffset - 20, count: 20)
            if locator.starts(with: [0x50, 0x4B, 6, 7]) {
                let recordOffset = Int64(bitPattern: le64(locator, 8))
                let record = try file.bytes(at: recordOffset, count: 56)
                guard recordOffset >= 0, record.count == 56, record.starts(with: [0x50, 0x4B, 6, 6]) else {
                    throw IngestError.corrupt(entry: "", detail: "the ZIP64 end of central directory record is missing")
                }
                disk = Int64(le32(record, 16))
                count = Int64(bitPattern: le64(record, 32))
                directorySize = Int64(bitPattern: le64(record, 40))
                directoryOffset = Int64(bitPattern: le64(record, 48))
                directoryEnd = recordOffset
            }
        }
        guard disk == 0 else { throw IngestError.unsupportedContainer(path: file.path, detail: "a multi-part (spanned) zip") }
        if count > Int64(tracker.limits.maxEntries) {
            throw IngestError.limitExceeded(entry: "", limit: "max_entries", value: Int64(tracker.limits.maxEntries),
                                            detail: "the zip declares \(count) entries")
        }
        guard directoryOffset >= 0, directorySize >= 0, directoryOffset <= directoryEnd, directorySize <= directoryEnd - directoryOffset else {
            throw IngestError.truncated(entry: "", detail: "the central directory lies outside the file")
        }

        directoryStart = directoryOffset
        var records: [Record] = []
        records.reserveCapacity(Int(min(count, directorySize / 46)))   // a declared count is not trusted for memory
        var cursor = FileCursor(file: file, offset: directoryOffset, end: directoryOffset + directorySize)
        for _ in 0..<count {
            guard let fixed = try cursor.take(46), fixed.starts(with: [0x50, 0x4B, 1, 2]) else {
                throw IngestError.corrupt(entry: records.last?.displayName ?? "", detail: "a central directory record is missing or malformed")
            }
            let nameLength = Int(le16(fixed, 28)), extraLength = Int(le16(fixed, 30)), commentLength = Int(le16(fixed, 32))
            guard let name = try cursor.take(nameLength), let extra = try cursor.take(extraLength),
                  try cursor.take(commentLength) != nil else {
                throw IngestError.corrupt(entry: records.last?.displayName ?? "", detail: "a central directory record runs past its end")
            }
            var record = Record(rawName: name, flags: le16(fixed, 8), method: le16(fixed, 10), crc: le32(fixed, 16),
                                compressedSize: Int64(le32(fixed, 20)), size: Int64(le32(fixed, 24)),
                                localOffset: Int64(le32(fixed, 42)), versionMadeBy: le16(fixed, 4),
                                externalAttributes: le32(fixed, 38))
            try applyZip64Extra(extra, to: &record)
            try tracker.countEntry(record.displayName)
            records.append(record)
        }
        return records
    }

    /// The ZIP64 extended information field (0x0001) holds, in order, each of size, compressed size and
    /// local header offset whose 32-bit field is 0xFFFFFFFF.
    private func applyZip64Extra(_ extra: [UInt8], to record: inout Record) throws {
        var i = 0
        while i + 4 <= extra.count {
            let id = le16(extra, i), length = Int(le16(extra, i + 2))
            guard i + 4 + length <= extra.count else { break }
            if id == 1 {
                var j = i + 4
                func next() throws -> Int64 {
                    guard j + 8 <= i + 4 + length else {
                        throw IngestError.corrupt(entry: record.displayName, detail: "short ZIP64 extra field")
                    }
                    defer { j += 8 }
                    let value = Int64(bitPattern: le64(extra, j))
                    guard value >= 0 else { throw IngestError.corrupt(entry: record.displayName, detail: "negative ZIP64 size") }
                    return value
                }
                if record.size == 0xFFFF_FFFF { record.size = try next() }
                if record.compressedSize == 0xFFFF_FFFF { record.compressedSize = try next() }
                if record.localOffset == 0xFFFF_FFFF { record.localOffset = try next() }
            }
            i += 4 + length
        }
    }

    /// Reads every local header, sets `dataOffset`, and refuses entries whose byte ranges overlap one
    /// another or the central directory. Returns the records in storage order.
    func locateEntries(_ records: [Record]) throws -> [Record] {
        var located = records
        for index in located.indices {
            guard located[index].localOffset <= file.size - 30 else {
                throw IngestError.truncated(entry: located[index].displayName, detail: "the local header lies past the end of the file")
            }
            let header = try file.bytes(at: located[index].localOffset, count: 30)
            guard header.count == 30 else {
                throw IngestError.truncated(entry: located[index].displayName, detail: "the local header lies past the end of the file")
            }
            guard header.starts(with: [0x50, 0x4B, 3, 4]) else {
                throw IngestError.corrupt(entry: located[index].displayName, detail: "no local header where the central directory points")
            }
            located[index].dataOffset = located[index].localOffset + 30 + Int64(le16(header, 26)) + Int64(le16(header, 28))
            if located[index].compressedSize > file.size - located[index].dataOffset {
                throw IngestError.truncated(entry: located[index].displayName, detail: "its data runs past the end of the file")
            }
        }
        located.sort { $0.localOffset < $1.localOffset }
        for (i, record) in located.enumerated() {
            let end = record.dataOffset + record.compressedSize   // both within the file: no overflow
            if i + 1 < located.count, located[i + 1].localOffset < end {
                throw IngestError.overlappingEntries(first: record.displayName, second: located[i + 1].displayName)
            }
            if end > directoryStart {
                throw IngestError.overlappingEntries(first: record.displayName, second: "<central directory>")
            }
        }
        return located
    }

    /// Folders by trailing "/" or DOS attribute; Unix file types from the high half of the external
    /// attributes when the entry was made on Unix (symlinks, devices, fifos are refused later).
    private func entryKind(_ record: Record) -> ArchiveEntryKind {
        let madeOnUnix = record.versionMadeBy >> 8 == 3
        let mode = record.externalAttributes >> 16
        if madeOnUnix && mode != 0 {
            switch mode & 0o170000 {
            case 0o120000: return .symlink(target: "")
            case 0o020000, 0o060000: return .device
            case 0o010000: return .fifo
            case 0o140000: return .other("socket")
            case 0o040000: return .directory
            default: break
            }
        }
        if record.rawName.last == 0x2F || record.rawName.last == 0x5C || record.externalAttributes & 0x10 != 0 { return .directory }
        return .file
    }

    // MARK: entry data

    private func stream(_ record: Record, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let name = record.displayName
        if record.flags & 1 != 0 { throw EntryRefusal(reason: "the entry is encrypted") }
        var crc: UInt32 = 0
        var produced: Int64 = 0
        func emit(_ bytes: UnsafeRawBufferPointer) throws {
            produced += Int64(bytes.count)
            if produced > record.size {
                throw IngestError.corrupt(entry: name, detail: "it expands past its declared size of \(record.size) bytes")
            }
            try tracker.countBytes(bytes.count)
            crc = crc32Update(crc, bytes)
            try sink(bytes)
        }
        var offset = record.dataOffset
        let end = record.dataOffset + record.compressedSize
        switch record.method {
        case 0:
            guard record.compressedSize == record.size else {
                throw IngestError.corrupt(entry: name, detail: "a stored entry with different sizes")
            }
            while offset < end {
                let want = Int(min(end - offset, Int64(chunk.count)))
                let got = try chunk.withUnsafeMutableBytes { try file.read(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
                guard got == want else { throw IngestError.truncated(entry: name, detail: "its data ends early") }
                offset += Int64(got)
                try chunk.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            }
        case 8:
            let inflater = Inflater(.rawDeflate)
            var finished = false
            var consumedTotal: Int64 = 0
            var pendingStart = 0, pendingEnd = 0
            while !finished {
                if pendingStart == pendingEnd {
                    guard offset < end else { throw EntryRefusal(reason: "the deflate data ends before the stream does") }
                    let want = Int(min(end - offset, Int64(chunk.count)))
                    let got = try chunk.withUnsafeMutableBytes { try file.read(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
                    guard got == want else { throw IngestError.truncated(entry: name, detail: "its data ends early") }
                    offset += Int64(got)
                    pendingStart = 0
                    pendingEnd = got
                }
                let step: (consumed: Int, produced: Int, finished: Bool)
                do {
                    step = try chunk.withUnsafeBytes { input in
                        try output.withUnsafeMutableBytes { out in
                            try inflater.inflate(UnsafeRawBufferPointer(rebasing: input[pendingStart..<pendingEnd]), into: out)
                        }
                    }
                } catch let error as InflateError {
                    throw EntryRefusal(reason: "corrupt deflate data (\(error.message))")
                }
                pendingStart += step.consumed
                consumedTotal += Int64(step.consumed)
                finished = step.finished
                if step.produced > 0 {
                    try output.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<step.produced])) }
                    try tracker.checkRatio(output: produced, input: consumedTotal, entry: name, what: "the entry")
                } else if step.consumed == 0 && !finished && pendingStart < pendingEnd {
                    throw EntryRefusal(reason: "corrupt deflate data (no progress)")
                }
            }
        default:
            let names: [UInt16: String] = [12: "bzip2", 14: "LZMA", 93: "zstd", 95: "xz", 98: "PPMd", 9: "deflate64", 99: "AES encryption"]
            throw EntryRefusal(reason: "compression method \(record.method)\(names[record.method].map { " (\($0))" } ?? "") is not supported; store or deflate it")
        }
        if produced != record.size {
            throw EntryRefusal(reason: "the data holds \(produced) bytes, the central directory says \(record.size)")
        }
        if crc != record.crc {
            throw EntryRefusal(reason: String(format: "CRC-32 mismatch (stored %08x, computed %08x): the entry is damaged", record.crc, crc))
        }
    }
}

/// Sequential reads over a byte range of a file, through a 64 KiB buffer.
struct FileCursor {
    let file: FileReader
    var offset: Int64
    let end: Int64
    private var buffer: [UInt8] = []
    private var position = 0

    init(file: FileReader, offset: Int64, end: Int64) {
        self.file = file
        self.offset = offset
        self.end = end
    }

    /// The next `count` bytes, or nil when the range ends first.
    mutating func take(_ count: Int) throws -> [UInt8]? {
        if buffer.count - position < count {
            let keep = Array(buffer[position...])
            let want = Int(min(end - offset, Int64(max(1 << 16, count))))
            let fresh = want > 0 ? try file.bytes(at: offset, count: want) : []
            offset += Int64(fresh.count)
            buffer = keep + fresh
            position = 0
            if buffer.count < count { return nil }
        }
        defer { position += count }
        return Array(buffer[position..<position + count])
    }
}
