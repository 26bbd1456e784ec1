import CImageCodecs
import Foundation

/// Writes RGB images as PNG files (8-bit RGB) through libpng: generated datasets (the server's demo)
/// and tests. Lossless, so decoding the result gives the same pixels back.
public enum PNGEncoder {
    public struct EncodeError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { "cannot encode PNG: \(message)" }
    }

    public static func encode(_ image: RGBImage) throws -> Data {
        var error = sigtune_codec_error()
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            sigtune_png_encode_rgb(pixels.baseAddress, UInt32(image.width), UInt32(image.height), &output, &size, &error)
        }
        guard status == SIGTUNE_CODEC_OK.rawValue, let output else {
            let message = withUnsafeBytes(of: error.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw EncodeError(message: message)
        }
        defer { sigtune_png_free(output) }
        return Data(bytes: output, count: size)
    }
}
