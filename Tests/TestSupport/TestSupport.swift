import Foundation
import TensorCore
import XCTest

/// Where the committed reference fixtures live (Tests/Fixtures), found from this source file's path.
public enum Fixtures {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    public static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    /// Opens a reference safetensors file, failing the test with the fixture script's name when it is missing.
    public static func safetensors(_ relativePath: String, file: StaticString = #filePath, line: UInt = #line) throws -> SafetensorsFile {
        let url = url(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            XCTFail("missing fixture \(relativePath); regenerate with Tests/Fixtures/make_reference.py", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return try SafetensorsFile(url: url)
    }

    /// The parsed reference/manifest.json.
    public static func manifest() throws -> [String: Any] {
        let data = try Data(contentsOf: url("reference/manifest.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}

/// The result of comparing two float tensors element by element.
public struct TensorComparison: CustomStringConvertible {
    public let name: String
    public let count: Int
    public let maxAbsoluteDifference: Float
    public let worstIndex: Int
    public let differing: Int
    public let actualHead: [Float]
    public let expectedHead: [Float]

    public var description: String {
        let head = { (values: [Float]) in values.map { String(format: "%.7g", $0) }.joined(separator: ", ") }
        return "\(name): \(count) values, max |Δ| = \(maxAbsoluteDifference) at index \(worstIndex), \(differing) differ;"
            + " actual [\(head(actualHead))…] expected [\(head(expectedHead))…]"
    }
}

/// Compares `actual` with `expected`; `differing` counts elements whose |Δ| exceeds `tolerance`.
public func compareTensors(_ name: String, actual: [Float], expected: [Float], tolerance: Float = 0) -> TensorComparison {
    precondition(actual.count == expected.count, "\(name): \(actual.count) values vs \(expected.count) expected")
    var worst: Float = 0
    var worstIndex = 0
    var differing = 0
    for i in 0..<actual.count {
        let difference = abs(actual[i] - expected[i])
        if difference > tolerance || difference.isNaN { differing += 1 }
        if difference > worst || difference.isNaN { worst = difference; worstIndex = i }
    }
    return TensorComparison(name: name, count: actual.count, maxAbsoluteDifference: worst, worstIndex: worstIndex,
                            differing: differing, actualHead: Array(actual.prefix(6)), expectedHead: Array(expected.prefix(6)))
}

/// Asserts two tensors agree within `tolerance` (absolute), printing the comparison either way so that
/// test logs show the first values and the largest difference.
@discardableResult
public func assertTensorsClose(_ name: String, _ actual: [Float], _ expected: [Float], tolerance: Float,
                               file: StaticString = #filePath, line: UInt = #line) -> TensorComparison {
    guard actual.count == expected.count else {
        XCTFail("\(name): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        return compareTensors(name, actual: [], expected: [])
    }
    let comparison = compareTensors(name, actual: actual, expected: expected, tolerance: tolerance)
    print(comparison)
    XCTAssertEqual(comparison.differing, 0, "\(comparison) (tolerance \(tolerance))", file: file, line: line)
    return comparison
}

/// Seeded random floats for kernel tests.
public func randomFloats(_ count: Int, seed: UInt64, std: Float = 1) -> [Float] {
    var random = SeededRandom(seed: seed)
    return (0..<count).map { _ in random.nextNormal() * std }
}

/// A unique empty temporary directory, removed by the caller (or left in /tmp).
public func makeTemporaryDirectory(_ label: String = "sigtune-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// What a finished child process printed and returned.
public struct ProcessResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs `executable` with `arguments` to completion and captures its output (stdout and stderr are
/// drained before waiting, so a chatty child cannot block on a full pipe).
public func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
}
