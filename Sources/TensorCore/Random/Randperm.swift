extension TorchGenerator {
    /// `torch.randperm(n, generator=generator)` on the CPU (aten/src/ATen/native/TensorFactories.cpp,
    /// `randperm_cpu`).
    ///
    /// Below `UInt32.max / 20` torch keeps its old shuffle, which REFERENCE.md 3.6 verifies:
    /// `r = [0, n)`, then for `i in 0..<n−1`: `z = random() % (n − i)` and swap `r[i]`, `r[i + z]`
    /// (n − 1 draws; the `%` bias is part of the stream, so it must stay). From there up, torch
    /// switches to the inside-out Fisher–Yates with `random64() % (i + 1)`; that branch is
    /// written from the same source but was not checked against torch (it needs ≥ 2·10⁸ elements).
    public static func randperm(_ n: Int, generator: inout TorchGenerator) -> [Int] {
        precondition(n >= 0, "randperm: n must be non-negative, got \(n)")
        if n < Int(UInt32.max / 20) {
            var r = Array(0..<n)
            var i = 0
            while i < n - 1 {
                let z = Int(UInt64(generator.randomUInt32()) % UInt64(n - i))
                r.swapAt(i, i + z)
                i += 1
            }
            return r
        }
        var r = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let z = Int(generator.random64() % UInt64(i + 1))
            r[i] = r[z]
            r[z] = i
        }
        return r
    }
}

/// The order in which the Trainer visits `n` training samples in epoch `epoch` (0-based).
///
/// accelerate's `SeedableRandomSampler.__iter__` (accelerate/data_loader.py) reseeds its own
/// generator with `initial_seed + epoch` at the start of every epoch and then yields
/// `torch.randperm(n, generator)`; `initial_seed` is `data_seed` or `torch.initial_seed()`, which
/// the Trainer's `set_seed(seed)` made `seed` (REFERENCE.md 3.6). The global generator is untouched.
public func epochPermutation(n: Int, seed: UInt64, epoch: Int) -> [Int] {
    precondition(epoch >= 0, "epochPermutation: epoch must be non-negative, got \(epoch)")
    var generator = TorchGenerator(seed: seed &+ UInt64(epoch))
    return TorchGenerator.randperm(n, generator: &generator)
}
