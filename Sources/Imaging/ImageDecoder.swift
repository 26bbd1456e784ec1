import CImageCodecs
import Foundation

/// Decodes PNG and JPEG files into `RGBImage`s exactly as Pillow's
/// `Image.open(f).convert("RGB")` does (Pillow 13 with libjpeg-turbo): same bytes, no EXIF
/// rotation, alpha dropped without compositing, 16-bit samples reduced the way Pillow does.
public enum ImageDecoder {
    /// Largest accepted width × height. Pillow raises `DecompressionBombError` above
    /// `2 * Image.MAX_IMAGE_PIXELS` = 2 × 89_478_485 (Image.py `_decompression_bomb_check`).
    public static let maxPixels = 178_956_970

    /// Decodes `data` to RGB. `name` (a path, or `"<memory>"`) only appears in errors.
    /// - Throws: `ImageDecodeError`; the size limit is checked from the header, before any
    ///   pixel memory is allocated.
    public static func decodeRGB(_ data: Data, name: String) throws -> RGBImage {
        func failure(_ kind: ImageDecodeError.Kind, _ detail: String) -> ImageDecodeError {
            ImageDecodeError(file: name, kind: kind, detail: detail)
        }
        if data.isEmpty { throw failure(.empty, "0 bytes") }
        let format = ImageFormat(sniffing: data.prefix(16))
        let codecFormat: sigtune_image_format
        switch format {
        case .png: codecFormat = SIGTUNE_FORMAT_PNG
        case .jpeg: codecFormat = SIGTUNE_FORMAT_JPEG
        case .other(let formatName): throw failure(.unsupportedFormat, "the file is \(formatName)")
        case .unknown:
            let head = data.prefix(8).map { String(format: "%02X", $0) }.joined(separator: " ")
            throw failure(.unsupportedFormat, "unrecognised signature \(head)")
        }

        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> RGBImage in
            let bytes = raw.bindMemory(to: UInt8.self)
            var codecError = sigtune_codec_error()
            var width: UInt32 = 0
            var height: UInt32 = 0
            guard let reader = sigtune_reader_open(
                codecFormat, bytes.baseAddress, bytes.count, &width, &height, &codecError)
            else {
                throw failure(kind(of: codecError.status), message(of: &codecError))
            }
            defer { sigtune_reader_close(reader) }

            let pixelCount = Int(width) * Int(height)
            if pixelCount > maxPixels {
                throw failure(.tooManyPixels, "\(width)x\(height) = \(pixelCount) pixels")
            }
            if pixelCount == 0 { throw failure(.corrupt, "\(format.name) header declares \(width)x\(height)") }

            var status = SIGTUNE_CODEC_OK.rawValue
            let pixels = [UInt8](unsafeUninitializedCapacity: pixelCount * 3) { buffer, count in
                status = UInt32(bitPattern: sigtune_reader_read_rgb(reader, buffer.baseAddress, &codecError))
                count = buffer.count  // bytes are plain values; on failure the array is dropped
            }
            if status != SIGTUNE_CODEC_OK.rawValue {
                throw failure(kind(of: codecError.status), message(of: &codecError))
            }
            return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
        }
    }

    /// Reads the file and decodes it; errors name the file's path.
    public static func decodeRGB(contentsOf url: URL) throws -> RGBImage {
        let name = url.isFileURL ? url.path : url.absoluteString
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ImageDecodeError(file: name, kind: .unreadable, detail: error.localizedDescription)
        }
        return try decodeRGB(data, name: name)
    }

    /// Format name (`"PNG"` or `"JPEG"`, as Pillow's `Image.format`) and size from the header
    /// alone, without decoding. Returns nil for other formats or an unreadable header.
    public static func probe(_ data: Data) -> (format: String, width: Int, height: Int)? {
        let format = ImageFormat(sniffing: data.prefix(16))
        switch format {
        case .png:
            guard let size = ImageHeader.pngSize(Array(data.prefix(24))) else { return nil }
            return (format.name, size.width, size.height)
        case .jpeg:
            let size = data.withUnsafeBytes { ImageHeader.jpegSize($0) }
            guard let size else { return nil }
            return (format.name, size.width, size.height)
        case .other, .unknown:
            return nil
        }
    }

    private static func kind(of status: Int32) -> ImageDecodeError.Kind {
        switch UInt32(bitPattern: status) {
        case SIGTUNE_CODEC_TRUNCATED.rawValue: return .truncated
        case SIGTUNE_CODEC_UNSUPPORTED.rawValue: return .unsupportedFormat
        default: return .corrupt
        }
    }

    private static func message(of error: inout sigtune_codec_error) -> String {
        withUnsafeBytes(of: &error.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
