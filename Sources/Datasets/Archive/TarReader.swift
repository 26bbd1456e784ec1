/// A tar archive read header by header from a stream (a plain file or a gzip stream): ustar, pax
/// extended headers (`path`, `linkpath`, `size`) and GNU long names (`L`, `K`), as GNU tar, bsdtar and
/// Python's tarfile write them. Only one 64 KiB chunk of data is held at a time.
final class TarReader: ArchiveReader {
    private let stream: ByteStream
    private let tracker: LimitTracker
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    /// Largest pax header or GNU long name accepted; they are read into memory.
    static let maxExtendedHeaderBytes = 1 << 20

    init(_ stream: ByteStream, tracker: LimitTracker) {
        self.stream = stream
        self.tracker = tracker
    }

    /// Reads until `buffer` is full or the stream ends; returns the count read.
    private func readFully(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            if n == 0 { break }
            done += n
        }
        return done
    }

    private func readBytes(_ count: Int, entry: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let n = try bytes.withUnsafeMutableBytes { try readFully($0) }
        if n < count { throw IngestError.truncated(entry: entry, detail: "the data ends after \(n) of \(count) bytes") }
        try skipPadding(after: Int64(count), entry: entry)
        return bytes
    }

    private func skipPadding(after size: Int64, entry: String) throws {
        let padding = (512 - size % 512) % 512
        if padding > 0, try stream.skip(padding) < padding {
            throw IngestError.truncated(entry: entry, detail: "the padding after the data is missing")
        }
    }

    func forEachEntry(_ visit: (ArchiveEntry, EntryContent) throws -> Void) throws {
        var header = [UInt8](repeating: 0, count: 512)
        var paxPath: [UInt8]?
        var paxLink: [UInt8]?
        var paxSize: Int64?
        var longName: [UInt8]?
        var longLink: [UInt8]?
        var previous = ""
        while true {
            let n = try header.withUnsafeMutableBytes { try readFully($0) }
            if n == 0 { return }   // no end-of-archive blocks: accepted, as tarfile accepts it
            if n < 512 {
                throw IngestError.truncated(entry: previous, detail: "a header is cut off after \(n) of 512 bytes")
            }
            if header.allSatisfy({ $0 == 0 }) { return }   // end of archive
            guard TarHeader.checksumMatches(header) else {
                throw IngestError.corrupt(entry: previous, detail: "the tar header after it has a wrong checksum")
            }
            let type = header[156]
            let ustarPrefix = TarHeader.isPOSIXUstar(header) ? TarHeader.field(header, 345, 155) : []
            var name = ustarPrefix.isEmpty ? TarHeader.field(header, 0, 100) : ustarPrefix + [0x2F] + TarHeader.field(header, 0, 100)
            var link = TarHeader.field(header, 157, 100)
            guard var size = TarHeader.number(header, 124, 12) else {
                throw IngestError.corrupt(entry: String(decoding: name, as: UTF8.self), detail: "unreadable size field")
            }
            let headerName = String(decoding: name, as: UTF8.self)
            try tracker.countEntry(headerName)
            tracker.currentEntry = headerName

            switch type {
            case UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K"):
                guard size <= Int64(TarReader.maxExtendedHeaderBytes) else {
                    throw IngestError.limitExceeded(entry: headerName, limit: "tar extended header", value: Int64(TarReader.maxExtendedHeaderBytes),
                                                    detail: "an extended header of \(size) bytes")
                }
                let data = try readBytes(Int(size), entry: headerName)
                switch type {
                case UInt8(ascii: "x"):
                    let records = try TarHeader.paxRecords(data, entry: headerName)
                    if let value = records["path"] { paxPath = value }
                    if let value = records["linkpath"] { paxLink = value }
                    if let value = records["size"] {
                        guard let parsed = Int64(String(decoding: value, as: UTF8.self)), parsed >= 0 else {
                            throw IngestError.corrupt(entry: headerName, detail: "pax size '\(String(decoding: value, as: UTF8.self))'")
                        }
                        paxSize = parsed
                    }
                case UInt8(ascii: "L"): longName = Array(data.prefix { $0 != 0 })
                case UInt8(ascii: "K"): longLink = Array(data.prefix { $0 != 0 })
                default: break   // global pax headers set defaults for all entries; none matter here
                }
                continue
            default:
                break
            }

            if let longName { name = longName }
            if let paxPath { name = paxPath }
            if let longLink { link = longLink }
            if let paxLink { link = paxLink }
            if let paxSize { size = paxSize }
            (paxPath, paxLink, paxSize, longName, longLink) = (nil, nil, nil, nil, nil)

            let linkText = String(decoding: link, as: UTF8.self)
            let kind: ArchiveEntryKind
            switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                kind = name.last == 0x2F && size == 0 ? .directory : .file   // v7 tar marks folders by a trailing "/"
            case UInt8(ascii: "5"): kind = .directory
            case UInt8(ascii: "1"): kind = .hardLink(target: linkText)
            case UInt8(ascii: "2"): kind = .symlink(target: linkText)
            case UInt8(ascii: "3"), UInt8(ascii: "4"): kind = .device
            case UInt8(ascii: "6"): kind = .fifo
            case UInt8(ascii: "S"): kind = .other("GNU sparse file")
            case UInt8(ascii: "V"): kind = .other("volume label")
            case UInt8(ascii: "M"): kind = .other("multi-volume continuation")
            case UInt8(ascii: "D"): kind = .other("GNU dump directory")
            default: kind = .other("tar entry type '\(Character(Unicode.Scalar(type)))'")
            }
            let entry = ArchiveEntry(rawName: name, kind: kind, size: size)
            let display = entry.displayName
            tracker.currentEntry = display
            previous = display
            if kind == .file { try tracker.checkEntrySize(size, entry: display) }

            var consumed: Int64 = 0
            let content = EntryContent { sink in
                while consumed < size {
                    let want = Int(min(size - consumed, Int64(self.chunk.count)))
                    let got = try self.chunk.withUnsafeMutableBytes { try self.readFully(UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
                    if got < want {
                        throw IngestError.truncated(entry: display, detail: "the data ends after \(consumed + Int64(got)) of \(size) bytes")
                    }
                    consumed += Int64(got)
                    try self.chunk.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
                }
            }
            try visit(entry, content)
            if consumed < size, try stream.skip(size - consumed) < size - consumed {
                throw IngestError.truncated(entry: display, detail: "the data ends before its declared \(size) bytes")
            }
            try skipPadding(after: size, entry: display)
        }
    }
}

/// Fields of a 512-byte tar header (POSIX.1-2001 ustar layout).
enum TarHeader {
    /// Bytes of a NUL-terminated field.
    static func field(_ header: [UInt8], _ offset: Int, _ length: Int) -> [UInt8] {
        Array(header[offset..<offset + length].prefix { $0 != 0 })
    }

    /// POSIX ustar ("ustar\0" + "00"), whose prefix field extends the name; GNU tar's "ustar  \0" uses those
    /// bytes for other things.
    static func isPOSIXUstar(_ header: [UInt8]) -> Bool {
        Array(header[257..<263]) == Array("ustar\u{0}".utf8)
    }

    /// A numeric field: octal digits (space/NUL padded), or GNU base-256 when the high bit is set.
    static func number(_ header: [UInt8], _ offset: Int, _ length: Int) -> Int64? {
        let bytes = header[offset..<offset + length]
        if bytes.first! & 0x80 != 0 {
            guard bytes.first! == 0x80 else { return nil }   // 0xFF: negative
            var value: Int64 = 0
            for byte in bytes.dropFirst() {
                guard value <= (Int64.max >> 8) else { return nil }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        let digits = bytes.drop { $0 == 0x20 }.prefix { $0 != 0 && $0 != 0x20 }
        if digits.isEmpty { return 0 }
        var value: Int64 = 0
        for digit in digits {
            guard digit >= 0x30, digit <= 0x37, value <= (Int64.max >> 3) else { return nil }
            value = value << 3 | Int64(digit - 0x30)
        }
        return value
    }

    /// The header checksum: the sum of all bytes with the checksum field taken as spaces, unsigned (POSIX)
    /// or signed (some old tars).
    static func checksumMatches(_ header: [UInt8]) -> Bool {
        guard let stored = number(header, 148, 8) else { return false }
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (i, byte) in header.enumerated() {
            let value = (148..<156).contains(i) ? 0x20 : byte
            unsigned += Int64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        return stored == unsigned || stored == signed
    }

    /// Whether `block` looks like a tar header (for recognising a tar by its content).
    static func looksLikeHeader(_ block: [UInt8]) -> Bool {
        guard block.count >= 512, !block.prefix(512).allSatisfy({ $0 == 0 }) else { return false }
        let header = Array(block.prefix(512))
        return checksumMatches(header)
    }

    /// Records "LEN key=value\n" of a pax extended header; values stay bytes (they are checked later).
    static func paxRecords(_ data: [UInt8], entry: String) throws -> [String: [UInt8]] {
        var records: [String: [UInt8]] = [:]
        var i = 0
        while i < data.count {
            if data[i] == 0 { break }   // padding
            guard let space = data[i...].firstIndex(of: 0x20),
                  let length = Int(String(decoding: data[i..<space], as: UTF8.self)), length > space - i,
                  i + length <= data.count, data[i + length - 1] == 0x0A,
                  let equals = data[(space + 1)..<(i + length)].firstIndex(of: 0x3D) else {
                throw IngestError.corrupt(entry: entry, detail: "malformed pax extended header record")
            }
            let key = String(decoding: data[(space + 1)..<equals], as: UTF8.self)
            records[key] = Array(data[(equals + 1)..<(i + length - 1)])
            i += length
        }
        return records
    }
}
