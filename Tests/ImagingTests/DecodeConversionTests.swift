import Foundation
import XCTest
@testable import Imaging

/// Pillow's per-colour-type conversion to RGB, on hand-built PNGs with hand-computed results.
final class DecodeConversionTests: XCTestCase {
    /// Decodes a `count`×1 PNG and returns one gray value per pixel (checking R = G = B).
    private func grayRow(bitDepth: Int, colorType: TestPNGEncoder.ColorType, samples: [Int],
                         line: UInt = #line) throws -> [UInt8] {
        let width = samples.count / colorType.channels
        let png = TestPNGEncoder.encode(width: width, height: 1, bitDepth: bitDepth, colorType: colorType, samples: samples)
        let image = try ImageDecoder.decodeRGB(png, name: "test.png")
        var gray: [UInt8] = []
        for x in 0..<width {
            let rgb = Array(image.pixels[x * 3..<x * 3 + 3])
            XCTAssertEqual(rgb[0], rgb[1], line: line)
            XCTAssertEqual(rgb[0], rgb[2], line: line)
            gray.append(rgb[0])
        }
        return gray
    }

    func testLowBitGrayIsScaledToFullRange() throws {
        // Unpack.c: "1" -> 0/255, "L;2" -> v*0x55, "L;4" -> v*0x11.
        XCTAssertEqual(try grayRow(bitDepth: 1, colorType: .gray, samples: [0, 1, 1, 0, 1, 0, 0, 1, 1]),
                       [0, 255, 255, 0, 255, 0, 0, 255, 255])
        XCTAssertEqual(try grayRow(bitDepth: 2, colorType: .gray, samples: [0, 1, 2, 3, 3]), [0, 85, 170, 255, 255])
        XCTAssertEqual(try grayRow(bitDepth: 4, colorType: .gray, samples: Array(0..<16)), (0..<16).map { UInt8($0 * 17) })
    }

    func testGray16IsClampedNotRescaled() throws {
        // Convert.c I16_RGB: high byte 0 -> low byte, otherwise 255.
        XCTAssertEqual(try grayRow(bitDepth: 16, colorType: .gray, samples: [0, 1, 200, 255, 256, 1023, 65535]),
                       [0, 1, 200, 255, 255, 255, 255])
    }

    func testGrayAlphaDropsAlpha() throws {
        XCTAssertEqual(try grayRow(bitDepth: 8, colorType: .grayAlpha, samples: [10, 0, 200, 128, 255, 255]), [10, 200, 255])
        // 16-bit LA: Pillow keeps the high byte of L.
        XCTAssertEqual(try grayRow(bitDepth: 16, colorType: .grayAlpha, samples: [0x12FF, 0, 0xAB00, 0xFFFF]), [0x12, 0xAB])
    }

    func testRGB16AndRGBAKeepHighBytesAndDropAlpha() throws {
        let rgb16 = TestPNGEncoder.encode(width: 1, height: 1, bitDepth: 16, colorType: .rgb, samples: [0x1234, 0xABFF, 0x00FF])
        XCTAssertEqual(try ImageDecoder.decodeRGB(rgb16, name: "rgb16.png").pixels, [0x12, 0xAB, 0x00])
        // No compositing: a fully transparent pixel keeps its colour.
        let rgba8 = TestPNGEncoder.encode(width: 2, height: 1, bitDepth: 8, colorType: .rgba, samples: [10, 20, 30, 0, 40, 50, 60, 255])
        XCTAssertEqual(try ImageDecoder.decodeRGB(rgba8, name: "rgba8.png").pixels, [10, 20, 30, 40, 50, 60])
        let rgba16 = TestPNGEncoder.encode(width: 1, height: 1, bitDepth: 16, colorType: .rgba, samples: [0x0102, 0x0304, 0x0506, 0])
        XCTAssertEqual(try ImageDecoder.decodeRGB(rgba16, name: "rgba16.png").pixels, [1, 3, 5])
    }

    func testPaletteLookupIgnoresTransparencyAndBlackensMissingEntries() throws {
        let palette: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255]]
        // Index 3 is past the 3-entry PLTE: Pillow 13's palette is zero-filled there.
        let png = TestPNGEncoder.encode(width: 4, height: 1, bitDepth: 2, colorType: .palette, samples: [2, 1, 0, 3],
                                        palette: palette, transparency: [0, 128])
        XCTAssertEqual(try ImageDecoder.decodeRGB(png, name: "pal.png").pixels,
                       [0, 0, 255, 0, 255, 0, 255, 0, 0, 0, 0, 0])
    }

    func testGrayAndRGBTransparencyKeysAreIgnored() throws {
        let png = TestPNGEncoder.encode(width: 2, height: 1, bitDepth: 8, colorType: .gray, samples: [7, 238], transparency: [0, 238])
        XCTAssertEqual(try ImageDecoder.decodeRGB(png, name: "trns.png").pixels, [7, 7, 7, 238, 238, 238])
    }

    func testJPEGDecodesCloseToItsSource() throws {
        // A sanity check of the JPEG path (exactness is checked against Pillow in PillowFixtureTests):
        // pixel (x, y) was encoded as (16x, 32y, 128) at quality 75.
        let image = try ImageDecoder.decodeRGB(smallBaselineJPEG, name: "small.jpg")
        var worst = 0
        for y in 0..<8 {
            for x in 0..<16 {
                let expected = [16 * x, 32 * y, 128]
                for c in 0..<3 {
                    worst = max(worst, abs(Int(image.pixels[(y * 16 + x) * 3 + c]) - expected[c]))
                }
            }
        }
        XCTAssertLessThan(worst, 40)
    }
}
