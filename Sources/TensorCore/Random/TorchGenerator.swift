/// torch's CPU generator (`at::CPUGeneratorImpl`, aten/src/ATen/CPUGeneratorImpl.cpp): an MT19937
/// engine plus the draws that the Trainer, the DataLoader and torchvision's transforms make from it.
///
/// Only the draws the recipe uses are here (REFERENCE.md 3.6). The cached normal samples of the real
/// generator are not modelled, because nothing in the recipe draws normals from it.
public struct TorchGenerator: Sendable, Equatable, Codable {
    /// torch's seed for a generator nobody has seeded (`c10::detail::default_rng_seed_val`).
    public static let defaultSeed: UInt64 = 67_280_421_310_721

    /// The engine; `Codable`, so a checkpoint can resume the stream exactly.
    public private(set) var engine: MT19937
    /// The last seed given, as `torch.initial_seed()` / `Generator.initial_seed()` reports it.
    /// accelerate's `SeedableRandomSampler` takes its seed from here.
    public private(set) var initialSeed: UInt64

    /// A generator seeded like `torch.Generator().manual_seed(seed)`.
    public init(seed: UInt64 = TorchGenerator.defaultSeed) {
        engine = MT19937(seed: UInt32(truncatingIfNeeded: seed))
        initialSeed = seed
    }

    /// `manual_seed(seed)`: `CPUGeneratorImpl::set_current_seed` builds `mt19937(seed)`, whose
    /// constructor keeps only the low 32 bits (`init_with_uint32(seed & 0xffffffff)`).
    public mutating func manualSeed(_ seed: UInt64) {
        self = TorchGenerator(seed: seed)
    }

    /// `CPUGeneratorImpl::random()`: the engine's next 32-bit output.
    public mutating func randomUInt32() -> UInt32 { engine.nextUInt32() }

    /// `CPUGeneratorImpl::random64()`: two outputs, the first in the high half
    /// (`detail::make64BitsFrom32Bits(hi, lo)`).
    public mutating func random64() -> UInt64 {
        let high = UInt64(engine.nextUInt32())
        let low = UInt64(engine.nextUInt32())
        return high << 32 | low
    }

    /// The seed each `iter(DataLoader)` draws (torch/utils/data/dataloader.py, `_BaseDataLoaderIter`:
    /// `torch.empty((), dtype=torch.int64).random_(generator=...)`). `random_()` on int64 is
    /// `uniform_int_distribution<int64_t>`: `random64() % (INT64_MAX + 1)`.
    public mutating func baseSeed() -> Int64 {
        Int64(random64() % (UInt64(Int64.max) + 1))
    }

    /// `torch.empty(1).uniform_(from, to, generator=…)` for a float32 tensor
    /// (aten `uniform_kernel` → `uniform_real_distribution<float>` → `transformation::uniform_real`).
    ///
    /// `from` and `to` are first cast to float32 (`static_cast<scalar_t>`). One 32-bit draw keeps its
    /// low 24 bits (float's digits): `x = (r & 0xFFFFFF) · 2⁻²⁴` in double (`dist_acctype<float>` is
    /// double on the CPU). Then `x · (to − from) + from`, where `to − from` is a float32 subtraction
    /// and the rest is double, and the result is rounded once to float32. Checked against torch
    /// 2.15 for ranges where the float32 subtraction matters (e.g. 0.1..0.7).
    public mutating func uniformFloat(from: Double, to: Double) -> Float {
        let low = Float(from), high = Float(to)
        let x = Double(randomUInt32() & 0xFF_FFFF) * 0x1p-24
        let span = Double(high - low)
        return Float(x * span + Double(low))
    }

    /// `torch.rand(1, generator=…).item()`: `uniform_(0, 1)` on float32, i.e. `(r & 0xFFFFFF) · 2⁻²⁴`
    /// (exact in float32). torchvision's `RandomAdjustSharpness` applies when this is `< p`.
    public mutating func rand() -> Float { uniformFloat(from: 0, to: 1) }
}
