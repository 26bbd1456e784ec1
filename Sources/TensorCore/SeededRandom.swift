import Foundation

/// A small, fast, seedable generator (SplitMix64) for synthetic weights and test data.
///
/// Not the reference's generator: the Trainer's data order uses MT19937 (see the training engine).
/// This one only needs to be deterministic across runs and platforms.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1p-53, 1e-300)
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Fills `count` floats with normal(0, std).
    public mutating func fillNormal(_ destination: UnsafeMutablePointer<Float>, count: Int, std: Float) {
        for i in 0..<count { destination[i] = nextNormal() * std }
    }
}
