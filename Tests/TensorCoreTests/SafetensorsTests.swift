import Foundation
import TensorCore
import TestSupport
import XCTest

final class SafetensorsTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory("safetensors") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Writes a raw file: an 8-byte little-endian header length, the header text, then `data`.
    func writeRaw(header: String, data: [UInt8] = [], name: String = "t.safetensors", headerLength: UInt64? = nil) throws -> URL {
        var bytes = Data()
        let headerBytes = Array(header.utf8)
        withUnsafeBytes(of: (headerLength ?? UInt64(headerBytes.count)).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: headerBytes)
        bytes.append(contentsOf: data)
        let url = directory.appendingPathComponent(name)
        try bytes.write(to: url)
        return url
    }

    func testRoundTripF32BF16F16WithMetadataAndLayout() throws {
        let values: [Float] = [0, 1, -2.5, 3.14159265, 1e-3, -65504, 1.0 / 3.0, .infinity]
        var writer = SafetensorsWriter()
        writer.add("b.f32", shape: [2, 4], values: values)
        writer.add("a.bf16", shape: [8], values: values, as: .bf16)
        writer.add("c.f16", shape: [4, 2], values: values, as: .f16)
        writer.add("scalar", shape: [], values: [42])
        writer.add("empty", shape: [0, 3], values: [])
        let url = directory.appendingPathComponent("model.safetensors")
        try writer.write(to: url)

        let file = try SafetensorsFile(url: url)
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(try file.floats("b.f32"), values)
        XCTAssertEqual(try file.floats("scalar"), [42])
        XCTAssertEqual(file.info("scalar")?.shape, [])
        XCTAssertEqual(try file.floats("empty"), [])
        XCTAssertEqual(try file.floats("a.bf16"), values.map { HalfPrecision.floatFromBF16(HalfPrecision.bf16FromFloat($0)) })
        XCTAssertEqual(try file.floats("c.f16"), values.map { Float(Float16($0)) })
        // The reference writer's layout: descending dtype (F32 before F16/BF16), then name; N % 8 == 0.
        let sortedByOffset = file.tensors.sorted { $0.dataOffsets.lowerBound < $1.dataOffsets.lowerBound }.map(\.name)
        XCTAssertEqual(Array(sortedByOffset.prefix(3)), ["b.f32", "empty", "scalar"])
        let bytes = try Data(contentsOf: url)
        let headerLength = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual(headerLength % 8, 0)
    }

    func testBF16RoundsToNearestEvenAndKeepsNaNQuiet() {
        // 1 + 2^-8 is exactly halfway between two BF16 values: ties go to the even mantissa (1.0).
        XCTAssertEqual(HalfPrecision.bf16FromFloat(1 + 0x1p-8), 0x3F80)
        // 1 + 3·2^-8 is halfway between 1+2^-7 (odd) and 1+2^-6 (even): rounds up to even.
        XCTAssertEqual(HalfPrecision.bf16FromFloat(1 + 3 * 0x1p-8), 0x3F82)
        XCTAssertEqual(HalfPrecision.bf16FromFloat(1 + 0x1p-8 + 0x1p-20), 0x3F81)
        XCTAssertTrue(HalfPrecision.floatFromBF16(HalfPrecision.bf16FromFloat(.nan)).isNaN)
        XCTAssertEqual(HalfPrecision.f16FromFloat(1 + 0x1p-11), 0x3C00)  // tie → even
        XCTAssertEqual(HalfPrecision.floatFromF16(0x0001), 0x1p-24)      // smallest subnormal
    }

    func testMalformedFilesNameTheRule() throws {
        func expectError(_ url: URL, contains fragment: String, tensor: String? = nil, line: UInt = #line) {
            XCTAssertThrowsError(try SafetensorsFile(url: url), line: line) { error in
                guard let error = error as? SafetensorsError else { return XCTFail("\(error)", line: line) }
                XCTAssertTrue(error.description.contains(fragment), "\(error)", line: line)
                XCTAssertTrue(error.description.contains(url.lastPathComponent), "names the file: \(error)", line: line)
                if let tensor { XCTAssertEqual(error.tensor, tensor, line: line) }
            }
        }
        let four = [UInt8](repeating: 0, count: 4)
        expectError(try writeRaw(header: "", name: "short.safetensors").deletingLastPathComponent().appendingPathComponent("missing.safetensors"), contains: "cannot open")
        try Data([1, 2, 3]).write(to: directory.appendingPathComponent("tiny.safetensors"))
        expectError(directory.appendingPathComponent("tiny.safetensors"), contains: "8-byte header length")
        expectError(try writeRaw(header: "{}", name: "huge.safetensors", headerLength: 200_000_000), contains: "exceeds the limit")
        expectError(try writeRaw(header: "{}", name: "past.safetensors", headerLength: 50), contains: "runs past the end")
        expectError(try writeRaw(header: "[1]", name: "array.safetensors"), contains: "starting with '{'")
        expectError(try writeRaw(header: "{\"a\": ", name: "json.safetensors"), contains: "not valid JSON")
        expectError(try writeRaw(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                                 data: four + four, name: "dup.safetensors"), contains: "duplicate key", tensor: "a")
        expectError(try writeRaw(header: #"{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, data: four, name: "dtype.safetensors"),
                    contains: "unknown dtype", tensor: "w")
        expectError(try writeRaw(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: four, name: "size.safetensors"),
                    contains: "needs 8", tensor: "w")
        expectError(try writeRaw(header: #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: four, name: "neg.safetensors"),
                    contains: "non-negative integers", tensor: "w")
        expectError(try writeRaw(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: four + four, name: "hole.safetensors"),
                    contains: "leaves a hole", tensor: "w")
        expectError(try writeRaw(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                                 data: four + four, name: "overlap.safetensors"), contains: "overlaps", tensor: "b")
        expectError(try writeRaw(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: four + [0], name: "trailing.safetensors"),
                    contains: "trailing bytes")
        expectError(try writeRaw(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: four, name: "trunc.safetensors"),
                    contains: "truncated")
        expectError(try writeRaw(header: #"{"__metadata__":{"format":1}}"#, name: "meta.safetensors"), contains: "must be a string")
    }

    func testHeaderPaddedWithSpacesIsAccepted() throws {
        let url = try writeRaw(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}     "#, data: Array(withUnsafeBytes(of: Float(2.5).bitPattern.littleEndian, Array.init)))
        XCTAssertEqual(try SafetensorsFile(url: url).floats("w"), [2.5])
    }

    func testReadingAnUnsupportedDtypeAsFloatsIsAClearError() throws {
        let url = try writeRaw(header: #"{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
        let file = try SafetensorsFile(url: url)
        XCTAssertThrowsError(try file.floats("ids")) { XCTAssertTrue("\($0)".contains("cannot be read as floats")) }
        XCTAssertThrowsError(try file.floats("nope")) { XCTAssertTrue("\($0)".contains("no such tensor")) }
    }
}
