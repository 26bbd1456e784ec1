import Foundation
import TestSupport
import XCTest
@testable import TensorCore

/// MT19937, torch's CPU generator draws, randperm, numpy's legacy randint and RandomOverSampler,
/// against textbook values and reference/rng.json (Tests/Fixtures/make_training_reference.py).
final class RandomTests: XCTestCase {
    private static let fixture = "reference/rng.json"

    /// The parsed rng.json; fails the test naming the file and its generator when it is missing.
    private func loadFixture(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let url = Fixtures.url(Self.fixture)
        guard FileManager.default.fileExists(atPath: url.path) else {
            XCTFail("missing fixture \(Self.fixture); generate it with Tests/Fixtures/make_training_reference.py",
                    file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        return try XCTUnwrap(json as? [String: Any], "\(Self.fixture) is not a JSON object")
    }

    // MARK: MT19937

    /// The reference implementation's well-known outputs: seed 5489 (the default of mt19937ar.c and
    /// C++ std::mt19937) starts 3499211612, and std::mt19937's 10000th output is 4123659995.
    func testMT19937KnownValues() {
        var generator = MT19937(seed: 5489)
        XCTAssertEqual(generator.nextUInt32(), 3_499_211_612)
        for _ in 1..<9999 { _ = generator.nextUInt32() }
        XCTAssertEqual(generator.nextUInt32(), 4_123_659_995)
    }

    func testMT19937MatchesFixture() throws {
        let cases = try XCTUnwrap(loadFixture()["mt19937"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 6)
        for entry in cases {
            let seed = try XCTUnwrap(entry["seed"] as? Int)
            let expected = try XCTUnwrap(entry["u32"] as? [Int]).map(UInt32.init)
            var generator = MT19937(seed: UInt32(seed))
            XCTAssertEqual(expected.map { _ in generator.nextUInt32() }, expected, "mt19937 seed \(seed)")
        }
    }

    /// A checkpoint stores `state` + `index` (as JSON here); the restored generator continues the
    /// stream exactly, including across a twist.
    func testStateSaveRestoreRoundTrip() throws {
        var generator = TorchGenerator(seed: 42)
        for _ in 0..<700 { _ = generator.randomUInt32() }  // past the first twist, mid-block
        let saved = try JSONEncoder().encode(generator)
        var restored = try JSONDecoder().decode(TorchGenerator.self, from: saved)
        XCTAssertEqual(restored, generator)
        let ahead = (0..<1000).map { _ in generator.randomUInt32() }
        XCTAssertEqual((0..<1000).map { _ in restored.randomUInt32() }, ahead)

        var engine = MT19937(seed: 83)
        _ = engine.nextUInt32()
        var copy = try MT19937(state: engine.state, index: engine.index)
        XCTAssertEqual(copy.nextUInt32(), engine.nextUInt32())
        var numpy = NumpyRandomState(seed: 83)
        _ = numpy.randint(0, 7)
        var numpyCopy = try JSONDecoder().decode(NumpyRandomState.self, from: JSONEncoder().encode(numpy))
        XCTAssertEqual(numpyCopy.randint(0, 1000), numpy.randint(0, 1000))
    }

    func testRestoreRejectsBadState() {
        XCTAssertThrowsError(try MT19937(state: [1, 2, 3], index: 0)) { error in
            XCTAssertTrue("\(error)".contains("3 words"), "\(error)")
        }
        XCTAssertThrowsError(try MT19937(state: MT19937(seed: 1).state, index: 625))
        let json = Data(#"{"state":[1,2],"index":0}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(MT19937.self, from: json))
    }

    // MARK: torch

    /// torch keeps only the low 32 bits of a seed (`mt19937(seed)` → `init_with_uint32`).
    func testManualSeedKeepsLow32Bits() {
        var a = TorchGenerator(seed: 0)
        a.manualSeed(42 + (1 << 32))
        var b = TorchGenerator(seed: 42)
        XCTAssertEqual(a.randomUInt32(), b.randomUInt32())
        XCTAssertEqual(a.initialSeed, 42 + (1 << 32))
    }

    func testRandpermMatchesFixture() throws {
        let cases = try XCTUnwrap(loadFixture()["randperm"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 6)
        for entry in cases {
            let n = try XCTUnwrap(entry["n"] as? Int), seed = try XCTUnwrap(entry["seed"] as? Int)
            var generator = TorchGenerator(seed: UInt64(seed))
            XCTAssertEqual(TorchGenerator.randperm(n, generator: &generator), try XCTUnwrap(entry["perm"] as? [Int]),
                           "randperm(\(n)) seed \(seed)")
            // SeedableRandomSampler: epoch e reseeds with seed + e.
            if seed > 42 {
                XCTAssertEqual(epochPermutation(n: n, seed: 42, epoch: seed - 42), entry["perm"] as? [Int])
            }
        }
        var generator = TorchGenerator(seed: 1)
        XCTAssertEqual(TorchGenerator.randperm(0, generator: &generator), [])
        XCTAssertEqual(generator, TorchGenerator(seed: 1), "randperm(0) and randperm(1) draw nothing")
    }

    /// The global stream of the blog's Trainer: one `random64() % 2^63` per `iter(DataLoader)`, then per
    /// sample a RandomRotation angle and a RandomAdjustSharpness `torch.rand(1)`, then the next iter.
    func testDataLoaderStreamMatchesFixture() throws {
        let stream = try XCTUnwrap(loadFixture()["dataloader_stream"] as? [String: Any])
        let seed = try XCTUnwrap(stream["seed"] as? Int)
        let samples = try XCTUnwrap(stream["samples"] as? [[String: Any]])
        XCTAssertEqual(samples.count, 12)
        var generator = TorchGenerator()
        generator.manualSeed(UInt64(seed))
        XCTAssertEqual(String(generator.baseSeed()), stream["base_seed"] as? String, "base_seed")
        var angleMismatches = 0, sharpnessMismatches = 0
        for (i, sample) in samples.enumerated() {
            let angle = generator.uniformFloat(from: -90, to: 90)
            let r = generator.rand()
            let hex = try XCTUnwrap(sample["angle_f32_hex"] as? String)
            let expectedBits = try XCTUnwrap(UInt32(hex.dropFirst(2), radix: 16), hex)
            if angle.bitPattern != expectedBits {
                angleMismatches += 1
                print("sample \(i): angle \(angle) (0x\(String(angle.bitPattern, radix: 16))) expected \(hex)")
            }
            // Foundation's JSONSerialization on Linux can misread a double in its last digits, so
            // doubles are compared through Python's repr string, and float32 values as float32.
            XCTAssertEqual(Double(angle), Double(try XCTUnwrap(sample["angle_repr"] as? String)),
                           "sample \(i) angle as a Python float")
            XCTAssertEqual(r, (sample["sharpness_r"] as? Double).map(Float.init), "sample \(i) torch.rand(1)")
            if (r < 0.5) != (sample["sharpness_applied"] as? Bool) { sharpnessMismatches += 1 }
        }
        XCTAssertEqual(angleMismatches, 0, "rotation angles (float32 bit patterns)")
        XCTAssertEqual(sharpnessMismatches, 0, "sharpness decisions")
        XCTAssertEqual(String(generator.baseSeed()), stream["second_random64"] as? String, "second iter(DataLoader)")
    }

    /// `uniform_` casts the bounds to float32 and subtracts them in float32 before the double
    /// multiply-add; with 0.1 and 0.7 that differs from a double subtraction in draws 3, 4, 7, 8.
    /// Bit patterns from torch 2.15: `g = torch.Generator().manual_seed(7)`, then
    /// `torch.empty(1).uniform_(0.1, 0.7, generator=g)` nine times.
    func testUniformSubtractsBoundsInFloat32() {
        var generator = TorchGenerator(seed: 7)
        let values = (0..<9).map { _ in generator.uniformFloat(from: 0.1, to: 0.7).bitPattern }
        XCTAssertEqual(values[0], 0x3ED7_8738)
        XCTAssertEqual(values[1], 0x3E60_8B70)
        XCTAssertEqual(values[2], 0x3EFD_B5B7)
        XCTAssertEqual(values[3], 0x3EFC_FF26)
        XCTAssertEqual(values[4], 0x3E75_68A0)
        XCTAssertEqual(values[7], 0x3EF4_A7AE)
        XCTAssertEqual(values[8], 0x3EA3_6CD4)
    }

    // MARK: numpy / imbalanced-learn

    /// Masked rejection by hand: seed 83's first outputs are 1103988818, 2429480471, 2936845288.
    /// `randint(0, 3)`: mask 3; 1103988818 & 3 = 2 ≤ 2, accepted → 2. Then `randint(0, 5)`: mask 7;
    /// 2429480471 & 7 = 7 > 4 rejected, 2936845288 & 7 = 0 → 0. `randint(0, 1)` draws nothing.
    func testRandintMaskedRejectionByHand() {
        var random = NumpyRandomState(seed: 83)
        XCTAssertEqual(random.randint(0, 1), 0)
        XCTAssertEqual(random.randint(0, 3), 2)
        XCTAssertEqual(random.randint(0, 5), 0)
        var reference = MT19937(seed: 83)
        for _ in 0..<3 { _ = reference.nextUInt32() }
        XCTAssertEqual(random.engine, reference, "exactly three outputs consumed")
    }

    func testRandomOverSamplerMatchesFixture() throws {
        let cases = try XCTUnwrap(loadFixture()["oversample"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 6)
        for entry in cases {
            let name = entry["name"] as? String ?? "?"
            let expected = try XCTUnwrap(entry["sample_indices"] as? [Int], name)
            let indices: [Int]
            if let labels = entry["y"] as? [Int] {
                indices = randomOverSampleIndices(labels: labels)
            } else {
                indices = randomOverSampleIndices(labels: try XCTUnwrap(entry["y"] as? [String], name))
            }
            XCTAssertEqual(indices, expected, "oversample \(name)")
        }
    }
}
