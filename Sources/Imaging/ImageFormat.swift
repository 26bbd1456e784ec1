/// Container formats recognised from the first bytes of a file.
enum ImageFormat: Equatable {
    case png
    case jpeg
    /// A known format this package does not decode; the payload is its usual name.
    case other(String)
    case unknown

    /// The name Pillow reports as `Image.format`.
    var name: String {
        switch self {
        case .png: return "PNG"
        case .jpeg: return "JPEG"
        case .other(let name): return name
        case .unknown: return "unrecognised"
        }
    }

    /// Recognises the format from its signature, as Pillow's plugins' `_accept` functions do
    /// (PngImagePlugin: the 8-byte PNG signature; JpegImagePlugin: FF D8 FF).
    init<Bytes: Collection>(sniffing bytes: Bytes) where Bytes.Element == UInt8 {
        let head = Array(bytes.prefix(16))
        func starts(with prefix: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + prefix.count && Array(head[offset..<offset + prefix.count]) == prefix
        }
        // A file shorter than a signature it begins with is that format, cut short: the decoder
        // then reports it as truncated rather than as an unknown format.
        func startsOrIsCutShort(_ signature: [UInt8]) -> Bool {
            !head.isEmpty && (starts(with: signature)
                || (head.count < signature.count && signature.starts(with: head)))
        }
        if startsOrIsCutShort([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if startsOrIsCutShort([0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if starts(with: Array("GIF8".utf8)) {
            self = .other("GIF")
        } else if starts(with: Array("BM".utf8)) {
            self = .other("BMP")
        } else if starts(with: Array("RIFF".utf8)) && starts(with: Array("WEBP".utf8), at: 8) {
            self = .other("WEBP")
        } else if starts(with: [0x49, 0x49, 0x2A, 0x00]) || starts(with: [0x4D, 0x4D, 0x00, 0x2A]) {
            self = .other("TIFF")
        } else if starts(with: Array("ftyp".utf8), at: 4) {
            self = .other("HEIF/AVIF")
        } else if starts(with: [0x00, 0x00, 0x01, 0x00]) {
            self = .other("ICO")
        } else if starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) {
            self = .other("JPEG 2000")
        } else {
            self = .unknown
        }
    }
}
