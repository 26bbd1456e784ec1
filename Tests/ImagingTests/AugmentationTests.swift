import Foundation
import TestSupport
import XCTest
@testable import Imaging

/// RandomRotation, RandomAdjustSharpness and horizontal flip against Pillow 13
/// (reference/augment.safetensors and reference/rng.json from Tests/Fixtures/make_training_reference.py),
/// plus small cases worked out by hand.
final class AugmentationTests: XCTestCase {
    private static let generator = "Tests/Fixtures/make_training_reference.py"

    /// reference/augment.safetensors, read with this target's own small reader (ImagingTests does not
    /// depend on TensorCore); fails (never skips) naming the file and its generator when missing.
    private func augmentFixture(file: StaticString = #filePath, line: UInt = #line) throws -> FixtureSafetensors {
        let name = "reference/augment.safetensors"
        guard FileManager.default.fileExists(atPath: Fixtures.url(name).path) else {
            XCTFail("missing fixture \(name); generate it with \(Self.generator)", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return try FixtureSafetensors(files: [Fixtures.url(name)])
    }

    private func image(_ file: FixtureSafetensors, _ name: String) throws -> RGBImage {
        let tensor = try XCTUnwrap(file[name], "no tensor \(name)")
        XCTAssertEqual(tensor.dtype, "U8", name)
        XCTAssertEqual(tensor.shape.count, 3, name)
        return RGBImage(width: tensor.shape[1], height: tensor.shape[0], pixels: [UInt8](tensor.bytes))
    }

    private func floats(_ file: FixtureSafetensors, _ name: String) throws -> [Float] {
        let tensor = try XCTUnwrap(file[name], "no tensor \(name)")
        XCTAssertEqual(tensor.dtype, "F32", name)
        return tensor.bytes.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// Compares byte for byte; on a mismatch names the tensor and shows the first differing
    /// positions (x, y, channel) with both values.
    @discardableResult
    private func assertSameBytes(_ name: String, _ actual: RGBImage, _ expected: RGBImage,
                                 file: StaticString = #filePath, line: UInt = #line) -> Int {
        guard actual.width == expected.width && actual.height == expected.height else {
            XCTFail("\(name): \(actual.width)x\(actual.height), expected \(expected.width)x\(expected.height)",
                    file: file, line: line)
            return -1
        }
        var differing: [Int] = []
        for i in 0..<actual.pixels.count where actual.pixels[i] != expected.pixels[i] { differing.append(i) }
        if !differing.isEmpty {
            let first = differing.prefix(5).map { i -> String in
                let pixel = i / 3
                return "(x \(pixel % actual.width), y \(pixel / actual.width), c \(i % 3)): "
                    + "\(actual.pixels[i]) vs \(expected.pixels[i])"
            }
            XCTFail("\(name): \(differing.count) of \(actual.pixels.count) bytes differ; first \(first.joined(separator: "; "))",
                    file: file, line: line)
        }
        return differing.count
    }

    /// The names of `prefix/<source>/<parameter>` tensors with the source image and the parameter.
    private func cases(_ file: FixtureSafetensors, prefix: String) throws -> [(name: String, source: RGBImage, parameter: String)] {
        try file.names.filter { $0.hasPrefix(prefix + "/") }.map { name in
            let parts = name.split(separator: "/", maxSplits: 2).map(String.init)
            XCTAssertEqual(parts.count, 3, name)
            return (name, try image(file, "source/\(parts[1])"), parts[2])
        }
    }

    // MARK: against Pillow

    func testRotateMatchesPillow() throws {
        let file = try augmentFixture()
        let all = try cases(file, prefix: "rotate")
        XCTAssertEqual(all.count, 75, "3 sources × 25 angles")
        var failed = 0
        for entry in all {
            let degrees = try XCTUnwrap(Double(entry.parameter), "angle in \(entry.name)")  // Python repr
            let actual = rotate(entry.source, degrees: degrees)
            if assertSameBytes(entry.name, actual, try image(file, entry.name)) != 0 { failed += 1 }
        }
        print("rotate: \(all.count - failed) of \(all.count) fixture images identical to Pillow")
    }

    func testSharpnessMatchesPillow() throws {
        let file = try augmentFixture()
        let all = try cases(file, prefix: "sharpen")
        XCTAssertEqual(all.count, 15, "3 sources × 5 factors")
        var failed = 0
        for entry in all {
            let factor = try XCTUnwrap(Double(entry.parameter), "factor in \(entry.name)")
            let actual = adjustSharpness(entry.source, factor: Float(factor))  // _imaging.blend parses "f"
            if assertSameBytes(entry.name, actual, try image(file, entry.name)) != 0 { failed += 1 }
        }
        print("sharpen: \(all.count - failed) of \(all.count) fixture images identical to Pillow")
    }

    func testHorizontalFlipMatchesPillow() throws {
        let file = try augmentFixture()
        let names = file.names.filter { $0.hasPrefix("hflip/") }
        XCTAssertEqual(names.count, 3)
        for name in names {
            let source = try image(file, "source/" + name.dropFirst("hflip/".count))
            assertSameBytes(name, flipHorizontally(source), try image(file, name))
        }
    }

    /// The recipe's whole train transform for 12 samples of the blog's global stream: rotate by the
    /// drawn angle, sharpen ×2 when drawn, ToTensor + Normalize(0.5, 0.5). The draws come from
    /// rng.json (RandomTests checks that TorchGenerator reproduces them).
    func testTrainTransformMatchesTorchvision() throws {
        let file = try augmentFixture()
        let rngURL = Fixtures.url("reference/rng.json")
        guard FileManager.default.fileExists(atPath: rngURL.path) else {
            XCTFail("missing fixture reference/rng.json; generate it with \(Self.generator)")
            return
        }
        let rng = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: rngURL)) as? [String: Any])
        let stream = try XCTUnwrap(rng["dataloader_stream"] as? [String: Any])
        let samples = try XCTUnwrap(stream["samples"] as? [[String: Any]])
        XCTAssertEqual(samples.count, 12)
        let source = try image(file, "source/jpeg32")
        for (i, sample) in samples.enumerated() {
            // repr strings, because JSONSerialization on Linux may misread a double's last digits
            let angle = try XCTUnwrap(Double(try XCTUnwrap(sample["angle_repr"] as? String)))
            var augmented = rotate(source, degrees: angle)
            if try XCTUnwrap(sample["sharpness_applied"] as? Bool) {
                augmented = adjustSharpness(augmented, factor: 2)
            }
            var values = [Float](repeating: 0, count: 3 * source.width * source.height)
            values.withUnsafeMutableBufferPointer {
                writeNormalizedCHW(augmented, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], into: $0.baseAddress!)
            }
            assertTensorsClose("train_transform/\(i)", values, try floats(file, "train_transform/\(i)"), tolerance: 0)
        }
    }

    // MARK: by hand

    /// 3×3, one interior pixel. Red: centre 100, neighbours 13: SMOOTH = (8·13 + 5·100)/13 + 0.5
    /// = 46.96 → 46. Green: all 0 → 0. Blue: centre 255, neighbours 0: 5·255/13 + 0.5 = 98.58 → 98.
    /// Blend with the original (100, 0, 255), `smooth + α·(img − smooth)`:
    ///   α = 2: 46 + 108 = 154, 0, 98 + 314 = 412 → 255
    ///   α = 0.5: 46 + 27 = 73, 0, 98 + 78.5 = 176.5 → 176 (truncated)
    ///   α = 0: the smoothed pixel (46, 0, 98); α = 1: the original
    ///   α = 3.7: 46 + 199.8 = 245.8 → 245, 0, 255 (clamped)
    /// The border pixels are copied by SMOOTH, so every α leaves them alone. (Pillow 13 agrees.)
    func testSharpness3x3ByHand() {
        XCTAssertEqual(smoothEdgeWeight.bitPattern, 0x3D9D_89D9)  // Float(1) / 13, as _imaging.c divides
        XCTAssertEqual(smoothCentreWeight.bitPattern, 0x3EC4_EC4F)  // Float(5) / 13
        var pixels = [UInt8](repeating: 0, count: 27)
        for p in 0..<9 { pixels[p * 3] = 13 }
        pixels[4 * 3] = 100
        pixels[4 * 3 + 2] = 255
        let image = RGBImage(width: 3, height: 3, pixels: pixels)
        let expected: [(Float, [UInt8])] = [
            (2, [154, 0, 255]), (0.5, [73, 0, 176]), (0, [46, 0, 98]), (1, [100, 0, 255]), (3.7, [245, 0, 255]),
        ]
        for (factor, centre) in expected {
            let result = adjustSharpness(image, factor: factor)
            XCTAssertEqual(Array(result.pixels[12..<15]), centre, "factor \(factor)")
            var border = result.pixels
            border.replaceSubrange(12..<15, with: pixels[12..<15])
            XCTAssertEqual(border, pixels, "factor \(factor): the border must be unchanged")
        }
    }

    /// An image smaller than 3×3 is not filtered, so blending it with itself returns it for any factor
    /// (`d + α·0 = d`, even on the clamping path).
    func testSharpness2x2IsUnchanged() {
        let image = RGBImage(width: 2, height: 2, pixels: [0, 255, 7, 200, 1, 2, 3, 4, 5, 250, 128, 64])
        for factor: Float in [2, 0.5, 0, 3.7, -1] {
            XCTAssertEqual(adjustSharpness(image, factor: factor), image, "factor \(factor)")
        }
        let wide = RGBImage(width: 5, height: 2, pixels: (0..<30).map { UInt8($0 * 8) })
        XCTAssertEqual(adjustSharpness(wide, factor: 2), wide)
    }

    private let twoByThree = RGBImage(width: 3, height: 2, pixels: (0..<18).map { UInt8($0 * 10) })

    /// 0 (and any multiple of 360) is a copy; 180 (and −180) is ROTATE_180: pixel (x, y) moves to
    /// (W−1−x, H−1−y), so the rows come out reversed pixel by pixel.
    func testRotateFastPaths() {
        XCTAssertEqual(rotate(twoByThree, degrees: 0), twoByThree)
        XCTAssertEqual(rotate(twoByThree, degrees: 720), twoByThree)
        XCTAssertEqual(rotate(twoByThree, degrees: -360), twoByThree)
        let reversed = stride(from: 5, through: 0, by: -1).flatMap { p in twoByThree.pixels[(p * 3)..<(p * 3 + 3)] }
        XCTAssertEqual(rotate(twoByThree, degrees: 180).pixels, reversed)
        XCTAssertEqual(rotate(twoByThree, degrees: -180).pixels, reversed)
        // Square: 90 is ROTATE_90 (counter-clockwise), −90 wraps to 270 = ROTATE_270.
        let square = RGBImage(width: 2, height: 2, pixels: [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
        // 1 2      90: 2 4     270: 3 1
        // 3 4          1 3          4 2
        XCTAssertEqual(rotate(square, degrees: 90).pixels, [2, 2, 2, 4, 4, 4, 1, 1, 1, 3, 3, 3])
        XCTAssertEqual(rotate(square, degrees: -90).pixels, [3, 3, 3, 1, 1, 1, 4, 4, 4, 2, 2, 2])
        XCTAssertEqual(rotate(square, degrees: 270), rotate(square, degrees: -90))
    }

    /// A non-square image at 90 takes the affine path. θ = −π/2: round(cos θ, 15) = 0 (cos is
    /// 6.1e-17), sin θ = −1, so M = [0, −1, 2.5, 1, 0, −0.5] for W = 3, H = 2 (cx = 1.5, cy = 1).
    /// Fixed point: a0 = 0, a1 = −65536, a3 = 65536, a4 = 0, a2 = FIX(2.5 − 0.5) = 2·65536,
    /// a5 = FIX(−0.5 + 0.5) = 0. So output (x, y) reads input (2 − y, x) when x < 2 and is black
    /// at x = 2. Red channel 0 30 60 / 90 120 150 becomes 60 150 0 / 30 120 0 (Pillow 13 agrees);
    /// 270 gives 0 120 30 / 0 150 60.
    func testRotateNonSquareQuarterTurnUsesTheAffinePath() {
        XCTAssertEqual(rotationMatrix(angle: 90, width: 3, height: 2), [0, -1, 2.5, 1, 0, -0.5])
        XCTAssertEqual(rotate(twoByThree, degrees: 90).pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element),
                       [60, 150, 0, 30, 120, 0])
        XCTAssertEqual(rotate(twoByThree, degrees: 270).pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element),
                       [0, 120, 30, 0, 150, 60])
        // The fill colour shows where the source falls outside.
        let filled = rotate(twoByThree, degrees: 90, fill: (1, 2, 3))
        XCTAssertEqual(Array(filled.pixels[6..<9]), [1, 2, 3])
        XCTAssertEqual(Array(filled.pixels[15..<18]), [1, 2, 3])
    }

    /// −1e-14 % 360 is 360.0 in Python, which is not 0, so Pillow builds the matrix: sin(−2π) rounds
    /// to 0 at 15 places, which selects ImagingScaleAffine with the identity map.
    func testRotateByAFullTurnMinusEpsilonIsTheIdentityThroughScaleAffine() {
        XCTAssertEqual(PythonFloat.modulo(-1e-14, 360), 360)
        let m = rotationMatrix(angle: 360, width: 3, height: 2)
        XCTAssertEqual(m[1], 0)
        XCTAssertEqual(m[3], 0)
        XCTAssertEqual(rotate(twoByThree, degrees: -1e-14), twoByThree)
    }

    func testFlipHorizontallyByHand() {
        let flipped = flipHorizontally(twoByThree)
        XCTAssertEqual(flipped.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element), [60, 30, 0, 150, 120, 90])
        XCTAssertEqual(flipHorizontally(flipped), twoByThree)
    }

    // MARK: Python float semantics

    func testPythonModulo() {
        XCTAssertEqual(PythonFloat.modulo(-30.25, 360), 329.75)
        XCTAssertEqual(PythonFloat.modulo(-90, 360), 270)
        XCTAssertEqual(PythonFloat.modulo(450, 360), 90)
        XCTAssertEqual(PythonFloat.modulo(-0.0, 360).sign, .plus)  // Python: -0.0 % 360.0 == 0.0
        XCTAssertEqual(PythonFloat.modulo(-1e-5, 360), 360 - 1e-5)
    }

    /// Python `round(x, 15)` values (CPython 3.11), and agreement with the `%.15f` route on many values.
    func testRoundTo15Places() {
        XCTAssertEqual(PythonFloat.roundTo15Places(0.7071067811865476), 0.707106781186548)
        XCTAssertEqual(PythonFloat.roundTo15Places(6.123233995736766e-17), 0)
        XCTAssertEqual(PythonFloat.roundTo15Places(1e-16), 0)
        XCTAssertEqual(PythonFloat.roundTo15Places(-1e-14), -1e-14)
        XCTAssertEqual(PythonFloat.roundTo15Places(0.1), 0.1)
        // 2^-16 = 0.0000152587890625 is an exact tie at 15 places: half to even keeps ...062.
        XCTAssertEqual(PythonFloat.roundTo15Places(0x1p-16), 1.5258789062e-05)
        var random = SystemRandomNumberGenerator()
        for i in 0..<20_000 {
            let x = i < 10_000 ? sin(Double(i) * 0.0174532925) : Double.random(in: -8...8, using: &random)
            let viaString = Double(String(format: "%.15f", x))!
            XCTAssertEqual(PythonFloat.roundTo15Places(x), viaString, "round(\(x), 15)")
        }
    }
}
