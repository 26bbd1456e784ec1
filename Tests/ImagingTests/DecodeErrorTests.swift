import Foundation
import XCTest
@testable import Imaging

/// Every way a file can fail to decode gives a typed, named, actionable error and never a crash.
final class DecodeErrorTests: XCTestCase {
    private func decodeError(_ data: Data, name: String = "<memory>", file: StaticString = #filePath,
                             line: UInt = #line) -> ImageDecodeError? {
        do {
            let image = try ImageDecoder.decodeRGB(data, name: name)
            XCTFail("decoded a \(image.width)x\(image.height) image, expected an error", file: file, line: line)
            return nil
        } catch let error as ImageDecodeError {
            return error
        } catch {
            XCTFail("unexpected error type \(type(of: error)): \(error)", file: file, line: line)
            return nil
        }
    }

    private func smallPNG() -> Data {
        let width = 16, height = 16
        let samples = (0..<width * height * 3).map { ($0 * 7) % 256 }
        return TestPNGEncoder.encode(width: width, height: height, bitDepth: 8, colorType: .rgb, samples: samples)
    }

    func testEmptyFile() {
        let error = decodeError(Data(), name: "empty.png")
        XCTAssertEqual(error?.kind, .empty)
        XCTAssertTrue(error?.description.hasPrefix("empty.png:") ?? false, "\(String(describing: error))")
    }

    func testRandomGarbageIsAnUnsupportedFormat() {
        var state: UInt32 = 12345
        let garbage = Data((0..<4096).map { _ -> UInt8 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(state >> 24)
        })
        let error = decodeError(garbage, name: "noise.bin")
        XCTAssertEqual(error?.kind, .unsupportedFormat)
        XCTAssertTrue(error?.description.contains("supported formats: PNG, JPEG") ?? false)
        XCTAssertTrue(error?.description.contains("noise.bin") ?? false)
    }

    func testGIFAndBMPAreUnsupportedAndNamed() {
        let gif = Data("GIF89a".utf8) + Data([1, 0, 1, 0, 0x80, 0, 0] + [UInt8](repeating: 0, count: 32))
        let bmp = Data("BM".utf8) + Data([UInt8](repeating: 0, count: 60))
        for (data, format) in [(gif, "GIF"), (bmp, "BMP")] {
            let error = decodeError(data, name: "picture.\(format.lowercased())")
            XCTAssertEqual(error?.kind, .unsupportedFormat)
            let text = error?.description ?? ""
            XCTAssertTrue(text.contains(format), text)
            XCTAssertTrue(text.contains("supported formats: PNG, JPEG"), text)
        }
    }

    func testTruncatedPNG() throws {
        let png = smallPNG()
        XCTAssertNoThrow(try ImageDecoder.decodeRGB(png, name: "full.png"))
        // Cut inside the signature, inside IHDR, just after IHDR, and in the middle of IDAT.
        for length in [4, 20, 33, 60, png.count / 2, png.count - 40] {
            let error = decodeError(png.prefix(length), name: "cut.png")
            XCTAssertEqual(error?.kind, .truncated, "cut at \(length): \(String(describing: error))")
        }
    }

    func testPNGWithoutIENDDecodesAsInPillow() throws {
        // Pillow stops at the end of the image data, so a lost IEND chunk (12 bytes) is harmless.
        let png = smallPNG()
        let full = try ImageDecoder.decodeRGB(png, name: "full.png")
        XCTAssertEqual(try ImageDecoder.decodeRGB(png.prefix(png.count - 12), name: "no-iend.png"), full)
    }

    func testPNGWithBadCRCIsCorrupt() {
        var bytes = [UInt8](smallPNG())
        bytes[8 + 8 + 4] ^= 0x01  // first byte of IHDR data (the width): IHDR CRC no longer matches
        let error = decodeError(Data(bytes), name: "crc.png")
        XCTAssertEqual(error?.kind, .corrupt)
        XCTAssertTrue(error?.description.contains("CRC") ?? false, "\(String(describing: error))")
    }

    func testTruncatedJPEG() throws {
        let jpeg = smallBaselineJPEG
        let full = try ImageDecoder.decodeRGB(jpeg, name: "full.jpg")
        XCTAssertEqual(full.width, 16)
        XCTAssertEqual(full.height, 8)
        // Down to a lost EOI marker (the last 2 bytes): libjpeg needs bits past the last MCU, and
        // Pillow raises "image file is truncated" when its suspending source cannot supply them.
        for length in [2, 100, 300, jpeg.count - 20, jpeg.count - 2] {
            let error = decodeError(jpeg.prefix(length), name: "cut.jpg")
            XCTAssertEqual(error?.kind, .truncated, "cut at \(length): \(String(describing: error))")
            XCTAssertTrue(error?.description.contains("cut.jpg") ?? false)
        }
    }

    private func patchedJPEG(_ patch: (inout [UInt8], _ startOfFrame: Int) -> Void) throws -> Data {
        var bytes = [UInt8](smallBaselineJPEG)
        let sof = try XCTUnwrap((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        patch(&bytes, sof)
        return Data(bytes)
    }

    func testCorruptJPEGHeader() throws {
        // SOF0 segment length 2: too short to hold a frame header.
        let jpeg = try patchedJPEG { bytes, sof in bytes[sof + 2] = 0; bytes[sof + 3] = 2 }
        let error = decodeError(jpeg, name: "bad.jpg")
        XCTAssertEqual(error?.kind, .corrupt, "\(String(describing: error))")
    }

    func testTwelveBitJPEGIsUnsupported() throws {
        let jpeg = try patchedJPEG { bytes, sof in bytes[sof + 4] = 12 }  // sample precision
        let error = decodeError(jpeg, name: "deep.jpg")
        XCTAssertEqual(error?.kind, .unsupportedFormat, "\(String(describing: error))")
        XCTAssertTrue(error?.description.contains("supported formats: PNG, JPEG") ?? false)
    }

    func testPNGDeclaringTooManyPixelsIsRefusedBeforeDecoding() {
        // IHDR says 20000x20000 (4e8 pixels); the only IDAT holds a bare zlib header, so any
        // attempt to decode would fail differently.
        var file = TestPNGEncoder.signature
        file += TestPNGEncoder.chunk("IHDR", TestPNGEncoder.ihdr(width: 20000, height: 20000, bitDepth: 8, colorType: .rgb))
        file += TestPNGEncoder.chunk("IDAT", [0x78, 0x01])
        file += TestPNGEncoder.chunk("IEND", [])
        let error = decodeError(Data(file), name: "bomb.png")
        XCTAssertEqual(error?.kind, .tooManyPixels)
        let text = error?.description ?? ""
        XCTAssertTrue(text.contains("178956970"), text)
        XCTAssertTrue(text.contains("20000x20000"), text)
        XCTAssertTrue(text.hasPrefix("bomb.png:"), text)
    }

    func testJPEGDeclaringTooManyPixelsIsRefusedBeforeDecoding() throws {
        // Height and width 20000 (0x4E20) in the frame header; the scan data is for 16x8.
        let jpeg = try patchedJPEG { bytes, sof in
            for offset in [5, 7] { bytes[sof + offset] = 0x4E; bytes[sof + offset + 1] = 0x20 }
        }
        let error = decodeError(jpeg, name: "huge.jpg")
        XCTAssertEqual(error?.kind, .tooManyPixels)
        XCTAssertTrue(error?.description.contains("20000x20000") ?? false)
        XCTAssertTrue(error?.description.contains("178956970") ?? false)
    }

    func testProbeReadsTheHeaderOnly() throws {
        let png = smallPNG()
        let pngInfo = try XCTUnwrap(ImageDecoder.probe(png.prefix(24)))
        XCTAssertEqual(pngInfo.format, "PNG")
        XCTAssertEqual(pngInfo.width, 16)
        XCTAssertEqual(pngInfo.height, 16)
        let jpegInfo = try XCTUnwrap(ImageDecoder.probe(smallBaselineJPEG.prefix(200)))
        XCTAssertEqual(jpegInfo.format, "JPEG")
        XCTAssertEqual(jpegInfo.width, 16)
        XCTAssertEqual(jpegInfo.height, 8)
        XCTAssertNil(ImageDecoder.probe(Data("GIF89a".utf8)))
        XCTAssertNil(ImageDecoder.probe(Data()))
    }

    func testMissingFileIsUnreadableAndNamed() {
        let url = URL(fileURLWithPath: "/nonexistent/sigtune/photo.png")
        XCTAssertThrowsError(try ImageDecoder.decodeRGB(contentsOf: url)) { error in
            let decodeError = error as? ImageDecodeError
            XCTAssertEqual(decodeError?.kind, .unreadable)
            XCTAssertTrue(decodeError?.description.contains("/nonexistent/sigtune/photo.png") ?? false)
        }
    }
}
