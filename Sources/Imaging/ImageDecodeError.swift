/// Why an image file could not be turned into an `RGBImage`, naming the file.
///
/// The `description` is meant for the user: it says what is wrong and what would fix it.
public struct ImageDecodeError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The file has no bytes at all.
        case empty
        /// The data ends before the image does (interrupted download or copy).
        case truncated
        /// The decoder rejected the data (bad checksum, bad marker, invalid header...).
        case corrupt
        /// Not PNG or JPEG, or a PNG/JPEG variant the decoder cannot read (e.g. 12-bit JPEG).
        case unsupportedFormat
        /// Width × height exceeds `ImageDecoder.maxPixels`; refused before decoding.
        case tooManyPixels
        /// The file could not be read from disk.
        case unreadable
    }

    /// The file name as given to the decoder, or `"<memory>"`.
    public let file: String
    public let kind: Kind
    /// The specific problem, e.g. the decoding library's message.
    public let detail: String

    public init(file: String, kind: Kind, detail: String) {
        self.file = file
        self.kind = kind
        self.detail = detail
    }

    public var description: String {
        switch kind {
        case .empty:
            return "\(file): empty file (0 bytes); expected a PNG or JPEG image"
        case .truncated:
            return "\(file): truncated image (\(detail)); the file ends early, copy or download it again"
        case .corrupt:
            return "\(file): corrupt image (\(detail))"
        case .unsupportedFormat:
            return "\(file): unsupported format (\(detail)); supported formats: PNG, JPEG"
        case .tooManyPixels:
            return "\(file): too many pixels (\(detail)); the limit is \(ImageDecoder.maxPixels) pixels"
                + " (Pillow's decompression-bomb threshold), downscale the image first"
        case .unreadable:
            return "\(file): cannot read file (\(detail))"
        }
    }
}
