/// numpy's legacy `np.random.RandomState(seed)` (numpy/random/mtrand.pyx on the MT19937 bit
/// generator), reduced to the draws imbalanced-learn's `RandomOverSampler` makes (REFERENCE.md 5.1).
public struct NumpyRandomState: Sendable, Equatable, Codable {
    /// The engine; `Codable`, so the stream can be saved and resumed.
    public private(set) var engine: MT19937

    /// `RandomState(seed)` for an integer seed: `_legacy_seeding` → `mt19937_seed`, which is
    /// `init_genrand(seed)` (numpy accepts seeds in 0...2³²−1, hence `UInt32`).
    public init(seed: UInt32) {
        engine = MT19937(seed: seed)
    }

    /// `randint(low, high)` for one default-dtype (int64) value in `low..<high`.
    ///
    /// Legacy `randint` uses masked rejection sampling (`_rand_int64(..., use_masked=True)` →
    /// `random_bounded_uint64_fill`): with `range = high − low − 1`, `mask` is the smallest 2ᵏ−1 ≥ range;
    /// below 2³² it draws 32-bit outputs `v = next_uint32() & mask` until `v ≤ range`. A range of 0 makes
    /// no draw at all, and a range of exactly 2³²−1 takes one output unmasked. Wider ranges
    /// (`next_uint64` = two outputs, high word first) are included for completeness.
    public mutating func randint(_ low: Int, _ high: Int) -> Int {
        precondition(low < high, "randint: low (\(low)) must be below high (\(high))")
        let range = UInt64(high - low - 1)
        if range == 0 { return low }
        var mask = range
        for shift in [1, 2, 4, 8, 16, 32] as [UInt64] { mask |= mask >> shift }
        if range <= 0xFFFF_FFFF {
            if range == 0xFFFF_FFFF { return low + Int(engine.nextUInt32()) }
            while true {
                let v = UInt64(engine.nextUInt32()) & mask
                if v <= range { return low + Int(v) }
            }
        }
        while true {
            let high = UInt64(engine.nextUInt32()), lowWord = UInt64(engine.nextUInt32())
            let v = (high << 32 | lowWord) & mask
            if v <= range { return low + Int(v) }
        }
    }
}
