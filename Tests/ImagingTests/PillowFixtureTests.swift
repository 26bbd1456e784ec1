import Foundation
import XCTest
@testable import Imaging

/// Bit-exactness against Pillow 13 / torchvision on the committed reference fixtures
/// (Tests/Fixtures/make_reference.py): decoding, resizing and normalisation.
final class PillowFixtureTests: XCTestCase {
    /// Tests/Fixtures, found from this file's path (Tests/ImagingTests/…).
    private static let fixturesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    private struct Fixtures {
        let tensors: FixtureSafetensors
        let manifest: [String: Any]
        let imagesDirectory: URL
    }

    /// Loads the reference tensors named by reference/manifest.json (or the single-file layout),
    /// or skips the test when they have not been generated.
    private func loadFixtures() throws -> Fixtures {
        let root = Self.fixturesDirectory
        let manifestURL = root.appendingPathComponent("reference/manifest.json")
        guard let manifestData = try? Data(contentsOf: manifestURL) else {
            throw XCTSkip("Pillow reference fixtures missing: no \(manifestURL.path); run Tests/Fixtures/make_reference.py")
        }
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
        let files = manifest["files"] as? [String: String] ?? [:]
        let candidates = ["rgb", "resized", "values"].compactMap { files[$0] } + ["reference/pixels.safetensors"]
        let present = candidates.map { root.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        if present.isEmpty {
            throw XCTSkip("Pillow reference fixtures missing: none of \(candidates) under \(root.path); run Tests/Fixtures/make_reference.py")
        }
        return Fixtures(tensors: try FixtureSafetensors(files: present), manifest: manifest,
                        imagesDirectory: root.appendingPathComponent("images"))
    }

    private func names(_ fixtures: Fixtures, prefix: String) throws -> [String] {
        let names = fixtures.tensors.names.filter { $0.hasPrefix(prefix) }
        if names.isEmpty { throw XCTSkip("no \(prefix)… tensors in the reference fixtures yet") }
        return names
    }

    private func passOrder(_ fixtures: Fixtures) throws -> ResizePassOrder {
        switch fixtures.manifest["pillow_resize_order"] as? String {
        case "pillow13", nil: return .pillow13
        case "pillow11": return .pillow11
        case let other?:
            XCTFail("reference manifest: pillow_resize_order \(other) has no ResizePassOrder")
            throw XCTSkip("unsupported pillow_resize_order \(other)")
        }
    }

    private func referenceImage(_ tensor: FixtureSafetensors.Tensor) throws -> RGBImage {
        XCTAssertEqual(tensor.dtype, "U8", tensor.name)
        XCTAssertEqual(tensor.shape.count, 3, tensor.name)
        return RGBImage(width: tensor.shape[1], height: tensor.shape[0], pixels: [UInt8](tensor.bytes))
    }

    /// Every image: `ImageDecoder.decodeRGB` equals Pillow's `Image.open(p).convert("RGB")`.
    func testDecodeMatchesPillow() throws {
        let fixtures = try loadFixtures()
        var compared = 0
        for name in try names(fixtures, prefix: "rgb/") {
            let file = String(name.dropFirst("rgb/".count))
            let expected = try referenceImage(try XCTUnwrap(fixtures.tensors[name]))
            let actual: RGBImage
            do {
                actual = try ImageDecoder.decodeRGB(contentsOf: fixtures.imagesDirectory.appendingPathComponent(file))
            } catch {
                XCTFail("\(name): \(error)")
                continue
            }
            if assertSameBytes(name, shape: [expected.height, expected.width, 3], expected: expected.pixels,
                               actualShape: [actual.height, actual.width, 3], actual: actual.pixels) {
                compared += 1
            }
        }
        if let images = fixtures.manifest["images"] as? [String] {
            XCTAssertEqual(compared, images.count, "every image in reference/manifest.json has a matching rgb/ tensor")
        }
        print("testDecodeMatchesPillow: \(compared) images identical to Pillow")
    }

    /// Every `resized/<file>/<W>x<H>/<filter>`: `resize` of Pillow's RGB equals `Image.resize`.
    func testResizeMatchesPillow() throws {
        let fixtures = try loadFixtures()
        let order = try passOrder(fixtures)
        var compared = 0
        for name in try names(fixtures, prefix: "resized/") {
            let parts = name.split(separator: "/").map(String.init)  // resized, file, WxH, filter
            guard parts.count == 4, let size = parseSize(parts[2]), let filter = parseFilter(parts[3]) else {
                XCTFail("\(name): unexpected tensor name")
                continue
            }
            let source = try referenceImage(try XCTUnwrap(fixtures.tensors["rgb/\(parts[1])"], "rgb/\(parts[1]) missing"))
            let expected = try referenceImage(try XCTUnwrap(fixtures.tensors[name]))
            let actual = resize(source, width: size.width, height: size.height, filter: filter, passOrder: order)
            if assertSameBytes(name, shape: [expected.height, expected.width, 3], expected: expected.pixels,
                               actualShape: [actual.height, actual.width, 3], actual: actual.pixels) {
                compared += 1
            }
        }
        print("testResizeMatchesPillow: \(compared) resized tensors identical to Pillow (\(order))")
    }

    /// Every `pixel_values/<model>/<file>`: decode → Resize → ToTensor → Normalize equals
    /// torchvision's float32 tensor bit for bit.
    func testPixelValuesMatchTorchvision() throws {
        let fixtures = try loadFixtures()
        let order = try passOrder(fixtures)
        let models = fixtures.manifest["pixel_models"] as? [String: [String: Any]] ?? [:]
        var compared = 0
        for name in try names(fixtures, prefix: "pixel_values/") {
            let parts = name.split(separator: "/").map(String.init)  // pixel_values, model, file
            guard parts.count == 3, let recipe = Recipe(model: parts[1], manifest: models[parts[1]]) else {
                XCTFail("\(name): no preprocessing recipe for model \(parts.count > 1 ? parts[1] : "?")")
                continue
            }
            let tensor = try XCTUnwrap(fixtures.tensors[name])
            XCTAssertEqual(tensor.dtype, "F32", name)
            let decoded = try ImageDecoder.decodeRGB(contentsOf: fixtures.imagesDirectory.appendingPathComponent(parts[2]))
            let resized = resize(decoded, width: recipe.width, height: recipe.height, filter: recipe.filter, passOrder: order)
            var actual = [Float](repeating: .nan, count: 3 * recipe.width * recipe.height)
            actual.withUnsafeMutableBufferPointer {
                writeNormalizedCHW(resized, mean: recipe.mean, std: recipe.std, into: $0.baseAddress!)
            }
            let expected = tensor.bytes.withUnsafeBytes { raw in
                (0..<raw.count / 4).map { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
            }
            if assertSameValues(name, shape: tensor.shape, expected: expected,
                                actualShape: [3, recipe.height, recipe.width], actual: actual.map(\.bitPattern),
                                show: { String(Float(bitPattern: $0)) }) {
                compared += 1
            }
        }
        print("testPixelValuesMatchTorchvision: \(compared) pixel_values tensors bit-identical to torchvision")
    }

    /// torchvision Resize((H, W), interpolation) + ToTensor + Normalize(mean, std) of one model.
    private struct Recipe {
        let width: Int, height: Int, filter: ResampleFilter, mean: [Float], std: [Float]

        /// From reference/manifest.json `pixel_models`, else the fixture models' known settings.
        init?(model: String, manifest: [String: Any]?) {
            if let manifest, let size = manifest["size"] as? [String: Int], let width = size["width"],
               let height = size["height"], let code = manifest["resample"] as? Int,
               let filter = ResampleFilter(rawValue: code), let mean = manifest["image_mean"] as? [Double],
               let std = manifest["image_std"] as? [Double] {
                self.init(width: width, height: height, filter: filter, mean: mean.map(Float.init), std: std.map(Float.init))
            } else if model == "tiny32" {
                self.init(width: 32, height: 32, filter: .bilinear, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])
            } else if model == "tiny48" {
                self.init(width: 48, height: 48, filter: .bicubic, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
            } else {
                return nil
            }
        }

        init(width: Int, height: Int, filter: ResampleFilter, mean: [Float], std: [Float]) {
            (self.width, self.height, self.filter, self.mean, self.std) = (width, height, filter, mean, std)
        }
    }

    private func parseSize(_ text: String) -> (width: Int, height: Int)? {
        let parts = text.split(separator: "x").compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    private func parseFilter(_ text: String) -> ResampleFilter? {
        switch text {
        case "nearest": return .nearest
        case "bilinear": return .bilinear
        case "bicubic": return .bicubic
        default: return nil
        }
    }

    private func assertSameBytes(_ name: String, shape: [Int], expected: [UInt8], actualShape: [Int],
                                 actual: [UInt8], line: UInt = #line) -> Bool {
        assertSameValues(name, shape: shape, expected: expected, actualShape: actualShape, actual: actual,
                         show: { String($0) }, line: line)
    }

    /// Fails with the tensor name, the number of differing elements and the first differing
    /// positions (as indices into `shape`) with both values. Returns whether all are equal.
    private func assertSameValues<T: Equatable>(
        _ name: String, shape: [Int], expected: [T], actualShape: [Int], actual: [T],
        show: (T) -> String, line: UInt = #line
    ) -> Bool {
        guard shape == actualShape, expected.count == actual.count else {
            XCTFail("\(name): shape \(actualShape), Pillow/torchvision has \(shape)", line: line)
            return false
        }
        var differing: [Int] = []
        for i in 0..<expected.count where expected[i] != actual[i] { differing.append(i) }
        guard !differing.isEmpty else { return true }
        let firstOnes = differing.prefix(8).map { i -> String in
            var rest = i
            var index: [Int] = []
            for size in shape.reversed() {
                index.insert(rest % size, at: 0)
                rest /= size
            }
            return "\(index): expected \(show(expected[i])), got \(show(actual[i]))"
        }
        XCTFail("\(name): \(differing.count) of \(expected.count) elements differ; first: "
                + firstOnes.joined(separator: "; "), line: line)
        return false
    }
}
