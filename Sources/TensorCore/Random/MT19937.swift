/// The 32-bit Mersenne Twister (Matsumoto & Nishimura 1998), the generator behind torch's CPU
/// generator (aten `MT19937RNGEngine.h`), numpy's legacy `RandomState` (`mt19937.c`) and Python's
/// `random`. All three seed it with `init_genrand` and temper in the standard way, so one
/// implementation serves them all.
///
/// The state is plain data (`state` + `index`) and `Codable`, so a training checkpoint can store the
/// generator and resume the exact stream.
public struct MT19937: Sendable, Equatable, Codable {
    /// Words of state (N in the paper).
    public static let stateSize = 624
    private static let shift = 397  // M
    private static let matrixA: UInt32 = 0x9908_B0DF
    private static let upperMask: UInt32 = 0x8000_0000
    private static let lowerMask: UInt32 = 0x7FFF_FFFF

    /// The 624 state words.
    public private(set) var state: [UInt32]
    /// The next word of `state` to temper; `stateSize` means the state is used up and is
    /// regenerated (twisted) before the next output.
    public private(set) var index: Int

    /// `init_genrand(seed)`: `mt[0] = seed; mt[i] = 1812433253 · (mt[i−1] ^ (mt[i−1] >> 30)) + i` (mod 2³²).
    /// The first output comes after a twist, as in the reference (`mti = N`).
    public init(seed: UInt32) {
        var words = [UInt32](repeating: 0, count: Self.stateSize)
        words[0] = seed
        for i in 1..<Self.stateSize {
            let previous = words[i - 1]
            words[i] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
        }
        state = words
        index = Self.stateSize
    }

    /// Restores a saved state (from `state` and `index` of another generator).
    public init(state: [UInt32], index: Int) throws(RandomStateError) {
        guard state.count == Self.stateSize else {
            throw RandomStateError(rule: "MT19937 state has \(state.count) words, expected \(Self.stateSize)")
        }
        guard (0...Self.stateSize).contains(index) else {
            throw RandomStateError(rule: "MT19937 index \(index) is outside 0...\(Self.stateSize)")
        }
        self.state = state
        self.index = index
    }

    /// The next 32-bit output (`genrand_int32`), tempered.
    public mutating func nextUInt32() -> UInt32 {
        if index >= Self.stateSize { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// Regenerates all 624 words at once (the reference's `next_state` / the block in `genrand_int32`).
    private mutating func twist() {
        let n = Self.stateSize, m = Self.shift
        state.withUnsafeMutableBufferPointer { mt in
            func mix(_ i: Int, _ next: Int, _ far: Int) {
                let y = (mt[i] & Self.upperMask) | (mt[next] & Self.lowerMask)
                mt[i] = mt[far] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : Self.matrixA)
            }
            for i in 0..<(n - m) { mix(i, i + 1, i + m) }
            for i in (n - m)..<(n - 1) { mix(i, i + 1, i + m - n) }
            mix(n - 1, 0, m - 1)
        }
        index = 0
    }

    private enum CodingKeys: String, CodingKey { case state, index }

    /// Decodes a saved state, rejecting one of the wrong size or with an index out of range.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let words = try container.decode([UInt32].self, forKey: .state)
        let position = try container.decode(Int.self, forKey: .index)
        do {
            try self.init(state: words, index: position)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: container.codingPath, debugDescription: error.description))
        }
    }
}

/// A saved random-generator state that cannot be restored: says which rule it breaks.
public struct RandomStateError: Error, CustomStringConvertible, Equatable, Sendable {
    public let rule: String

    public init(rule: String) { self.rule = rule }

    public var description: String { "invalid random generator state: \(rule)" }
}
