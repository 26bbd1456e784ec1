/// Reads an image's size from its header without decoding any pixels.
enum ImageHeader {
    /// PNG: the 8-byte signature, then the IHDR chunk whose data starts with big-endian
    /// width and height (PNG spec 11.2.2). IHDR must be the first chunk.
    static func pngSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        guard bytes.count >= 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
        let width = bigEndian(bytes, at: 16, count: 4)
        let height = bigEndian(bytes, at: 20, count: 4)
        return width > 0 && height > 0 ? (width, height) : nil
    }

    /// JPEG: walks the marker segments to the first start-of-frame (SOF0–SOF15 except the
    /// DHT/JPG/DAC markers C4, C8, CC), whose data is precision, height, width (ITU T.81 B.2.2).
    static func jpegSize<Bytes: RandomAccessCollection>(_ bytes: Bytes) -> (width: Int, height: Int)?
    where Bytes.Element == UInt8, Bytes.Index == Int {
        var i = bytes.startIndex + 2  // after SOI
        let end = bytes.endIndex
        while i + 1 < end {
            guard bytes[i] == 0xFF else { return nil }
            var marker = bytes[i + 1]
            i += 2
            while marker == 0xFF, i < end {  // fill bytes
                marker = bytes[i]
                i += 1
            }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { continue }  // no length field
            if marker == 0xD9 || marker == 0xDA { return nil }  // EOI or scan before any frame
            guard i + 1 < end else { return nil }
            let length = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            guard length >= 2 else { return nil }
            let isFrame = (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker)
            if isFrame {
                guard i + 7 <= end, length >= 7 else { return nil }
                let height = Int(bytes[i + 3]) << 8 | Int(bytes[i + 4])
                let width = Int(bytes[i + 5]) << 8 | Int(bytes[i + 6])
                return width > 0 && height > 0 ? (width, height) : nil
            }
            i += length
        }
        return nil
    }

    private static func bigEndian(_ bytes: [UInt8], at offset: Int, count: Int) -> Int {
        bytes[offset..<offset + count].reduce(0) { $0 << 8 | Int($1) }
    }
}
