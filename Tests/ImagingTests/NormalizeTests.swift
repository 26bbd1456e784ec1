import XCTest
@testable import Imaging

/// torchvision ToTensor + Normalize: Float(v) / 255 (true float32 division), then
/// (x − mean) / std in float32, written CHW.
final class NormalizeTests: XCTestCase {
    private func normalized(_ image: RGBImage, mean: [Float], std: [Float]) -> [Float] {
        var out = [Float](repeating: .nan, count: 3 * image.width * image.height)
        out.withUnsafeMutableBufferPointer { writeNormalizedCHW(image, mean: mean, std: std, into: $0.baseAddress!) }
        return out
    }

    /// A 256×1 image whose channels hold v, 255 − v and v.
    private let allBytes = RGBImage(width: 256, height: 1, pixels: (0..<256).flatMap { [UInt8($0), UInt8(255 - $0), UInt8($0)] })

    func testAllByteValuesWithHalfMeanAndStd() {
        let out = normalized(allBytes, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])
        for v in 0..<256 {
            let x = Float(v) / Float(255)
            let expected = (x - Float(0.5)) / Float(0.5)
            XCTAssertEqual(out[v].bitPattern, expected.bitPattern, "v=\(v): \(out[v]) vs \(expected)")
            let mirrored = (Float(255 - v) / Float(255) - Float(0.5)) / Float(0.5)
            XCTAssertEqual(out[256 + v].bitPattern, mirrored.bitPattern, "channel 1, v=\(255 - v)")
            XCTAssertEqual(out[512 + v].bitPattern, expected.bitPattern, "channel 2, v=\(v)")
        }
        XCTAssertEqual(out[0], -1)
        XCTAssertEqual(out[255], 1)
    }

    func testImageNetMeanAndStdPerChannel() {
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        let out = normalized(allBytes, mean: mean, std: std)
        for v in 0..<256 {
            let values = [v, 255 - v, v]
            for c in 0..<3 {
                let expected = (Float(values[c]) / 255 - mean[c]) / std[c]
                XCTAssertEqual(out[c * 256 + v].bitPattern, expected.bitPattern, "channel \(c), v=\(values[c])")
            }
        }
    }

    func testLayoutIsChannelsThenRowsThenColumns() {
        // 2×2 image; pixel (x, y) = (10x + y, 100, 200).
        let image = RGBImage(width: 2, height: 2, pixels: [0, 100, 200, 10, 100, 200, 1, 100, 200, 11, 100, 200])
        let out = normalized(image, mean: [0, 0, 0], std: [1, 1, 1])
        XCTAssertEqual(out.map { ($0 * 255).rounded() }, [0, 10, 1, 11, 100, 100, 100, 100, 200, 200, 200, 200])
    }
}

final class PNGEncoderTests: XCTestCase {
    func testEncodedPNGDecodesToTheSamePixels() throws {
        let pixels = (0..<(7 * 5 * 3)).map { UInt8(($0 * 37) % 256) }
        let image = RGBImage(width: 7, height: 5, pixels: pixels)
        let png = try PNGEncoder.encode(image)
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(try ImageDecoder.decodeRGB(png, name: "generated.png"), image)
    }
}
