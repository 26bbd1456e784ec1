@testable import Datasets
import Foundation

// Writers for the tests' own archives and images, built in memory with zlib through the Datasets
// module's internal `Deflater` and `crc32Of` (Datasets is the one module that imports zlib).

/// A minimal PNG encoder: 8-bit RGB, filter 0 on every row, one IDAT.
enum TestPNG {
    static func encode(width: Int, height: Int, pixel: (Int, Int) -> (UInt8, UInt8, UInt8)) -> [UInt8] {
        var raw: [UInt8] = []
        raw.reserveCapacity(height * (1 + width * 3))
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width {
                let (r, g, b) = pixel(x, y)
                raw += [r, g, b]
            }
        }
        return header(width: width, height: height) + chunk("IDAT", Deflater.compress(raw, .zlib)) + chunk("IEND", [])
    }

    /// A flat image of one colour.
    static func solid(_ width: Int, _ height: Int, _ rgb: (UInt8, UInt8, UInt8)) -> [UInt8] {
        encode(width: width, height: height) { _, _ in rgb }
    }

    /// Signature and IHDR only, declaring any size: what a decompression bomb's header looks like.
    static func header(width: Int, height: Int) -> [UInt8] {
        var ihdr = be32(width) + be32(height)
        ihdr += [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr)
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(data.count) + body + be32(Int(crc32Of(body)))
    }

    static func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
}

func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16 & 0xFFFF) }
func le64(_ v: Int) -> [UInt8] { le32(v & 0xFFFF_FFFF) + le32(v >> 32) }

/// A zip writer with the knobs the tests need: stored or deflate, data descriptors, ZIP64 records,
/// Unix modes (symlinks), raw name bytes, and entries that share data (overlap).
struct TestZip {
    struct Entry {
        var name: [UInt8]
        var data: [UInt8]
        var deflate = true
        var dataDescriptor = false
        var zip64 = false
        var unixMode: Int?
        /// Points this entry's central record at another entry's local header (an overlapping bomb).
        var sharesLocalHeaderOf: Int?
        /// Declared uncompressed size, when it should lie.
        var declaredSize: Int?
    }

    var entries: [Entry] = []
    /// Writes the ZIP64 end records even when nothing needs them.
    var zip64End = false

    mutating func add(_ name: String, _ data: [UInt8], deflate: Bool = true, dataDescriptor: Bool = false, zip64: Bool = false, unixMode: Int? = nil) {
        entries.append(Entry(name: Array(name.utf8), data: data, deflate: deflate, dataDescriptor: dataDescriptor, zip64: zip64, unixMode: unixMode))
    }

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        var offsets: [Int] = []
        for entry in entries {
            let crc = Int(crc32Of(entry.data))
            let payload = entry.deflate ? Deflater.compress(entry.data, .rawDeflate) : entry.data
            let size = entry.declaredSize ?? entry.data.count
            let flags = (entry.dataDescriptor ? 8 : 0) | 0x800
            let method = entry.deflate ? 8 : 0
            let offset: Int
            if let shared = entry.sharesLocalHeaderOf {
                offset = offsets[shared]
            } else {
                offset = out.count
                var local = [0x50, 0x4B, 3, 4] + le16(entry.zip64 ? 45 : 20) + le16(flags) + le16(method) + le16(0) + le16(0)
                var localExtra: [UInt8] = []
                if entry.dataDescriptor {
                    local += le32(0) + le32(0) + le32(0)
                } else if entry.zip64 {
                    local += le32(crc) + le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF)
                    localExtra = le16(1) + le16(16) + le64(size) + le64(payload.count)
                } else {
                    local += le32(crc) + le32(payload.count) + le32(size)
                }
                local += le16(entry.name.count) + le16(localExtra.count) + entry.name + localExtra
                out += local + payload
                if entry.dataDescriptor {
                    out += [0x50, 0x4B, 7, 8] + le32(crc) + (entry.zip64 ? le64(payload.count) + le64(size) : le32(payload.count) + le32(size))
                }
            }
            offsets.append(offset)
            var extra: [UInt8] = []
            var record = [0x50, 0x4B, 1, 2] + le16(entry.unixMode == nil ? 20 : 0x0314) + le16(entry.zip64 ? 45 : 20) + le16(flags)
                + le16(method) + le16(0) + le16(0) + le32(crc)
            if entry.zip64 {
                record += le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF)
                extra = le16(1) + le16(24) + le64(size) + le64(payload.count) + le64(offset)
            } else {
                record += le32(payload.count) + le32(size)
            }
            record += le16(entry.name.count) + le16(extra.count) + le16(0) + le16(0) + le16(0)
            record += le32((entry.unixMode ?? 0) << 16) + le32(entry.zip64 ? 0xFFFF_FFFF : offset) + entry.name + extra
            central += record
        }
        let centralOffset = out.count
        out += central
        if zip64End || entries.contains(where: \.zip64) {
            let recordOffset = out.count
            out += [0x50, 0x4B, 6, 6] + le64(44) + le16(45) + le16(45) + le32(0) + le32(0)
                + le64(entries.count) + le64(entries.count) + le64(central.count) + le64(centralOffset)
            out += [0x50, 0x4B, 6, 7] + le32(0) + le64(recordOffset) + le32(1)
            out += [0x50, 0x4B, 5, 6] + le16(0) + le16(0) + le16(0xFFFF) + le16(0xFFFF) + le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF) + le16(0)
        } else {
            out += [0x50, 0x4B, 5, 6] + le16(0) + le16(0) + le16(entries.count) + le16(entries.count)
                + le32(central.count) + le32(centralOffset) + le16(0)
        }
        return out
    }
}

/// A tar writer: ustar headers, pax extended headers and GNU long names, any type flag.
struct TestTar {
    private(set) var bytes: [UInt8] = []

    enum LongNames { case ustarPrefix, pax, gnu }

    static func header(name: [UInt8], type: UInt8, size: Int, link: [UInt8] = [], prefix: [UInt8] = [], gnu: Bool = false) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ value: [UInt8], _ offset: Int, _ length: Int) { for (i, b) in value.prefix(length).enumerated() { h[offset + i] = b } }
        func octal(_ value: Int, _ offset: Int, _ length: Int) { put(Array(String(format: "%0\(length - 1)o", value).utf8), offset, length - 1) }
        put(name, 0, 100)
        octal(0o644, 100, 8)
        octal(0, 108, 8)
        octal(0, 116, 8)
        octal(size, 124, 12)
        octal(0, 136, 12)
        h[156] = type
        put(link, 157, 100)
        if gnu { put(Array("ustar  \u{0}".utf8), 257, 8) } else { put(Array("ustar\u{0}00".utf8), 257, 8) }
        put(prefix, 345, 155)
        put(Array("        ".utf8), 148, 8)
        let sum = h.reduce(0) { $0 + Int($1) }
        put(Array(String(format: "%06o", sum).utf8) + [0, 0x20], 148, 8)
        return h
    }

    private mutating func append(_ header: [UInt8], _ data: [UInt8]) {
        bytes += header + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    mutating func file(_ name: String, _ data: [UInt8], longNames: LongNames = .pax) {
        file(rawName: Array(name.utf8), data, longNames: longNames)
    }

    mutating func file(rawName name: [UInt8], _ data: [UInt8], longNames: LongNames = .pax) {
        if name.count <= 100 {
            append(TestTar.header(name: name, type: UInt8(ascii: "0"), size: data.count), data)
            return
        }
        switch longNames {
        case .ustarPrefix:
            let slash = name[..<min(name.count, 156)].lastIndex(of: 0x2F)!
            append(TestTar.header(name: Array(name[(slash + 1)...]), type: UInt8(ascii: "0"), size: data.count, prefix: Array(name[..<slash])), data)
        case .pax:
            pax(["path": name])
            append(TestTar.header(name: Array(name.prefix(100)), type: UInt8(ascii: "0"), size: data.count), data)
        case .gnu:
            append(TestTar.header(name: Array("././@LongLink".utf8), type: UInt8(ascii: "L"), size: name.count + 1, gnu: true), name + [0])
            append(TestTar.header(name: Array(name.prefix(100)), type: UInt8(ascii: "0"), size: data.count, gnu: true), data)
        }
    }

    /// A pax extended header applying to the next entry.
    mutating func pax(_ records: [String: [UInt8]]) {
        var data: [UInt8] = []
        for (key, value) in records.sorted(by: { $0.key < $1.key }) {
            let body = Array(" \(key)=".utf8) + value + [0x0A]
            var length = body.count + 1
            while String(length).count + body.count != length { length = String(length).count + body.count }
            data += Array(String(length).utf8) + body
        }
        append(TestTar.header(name: Array("PaxHeader".utf8), type: UInt8(ascii: "x"), size: data.count), data)
    }

    mutating func directory(_ name: String) {
        append(TestTar.header(name: Array((name.hasSuffix("/") ? name : name + "/").utf8), type: UInt8(ascii: "5"), size: 0), [])
    }

    /// An entry of any type with no data (symlink "2", hard link "1", device "3"/"4", fifo "6").
    mutating func special(_ name: String, type: Character, link: String = "") {
        append(TestTar.header(name: Array(name.utf8), type: type.asciiValue!, size: 0, link: Array(link.utf8)), [])
    }

    func archive() -> [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }
    func gzipped() -> [UInt8] { Deflater.compress(archive(), .gzip) }
}
