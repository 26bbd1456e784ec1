/// Fixed-point filter taps for resampling one axis from `inSize` to `outSize` samples:
/// output sample `i` is `Σ_j input[start[i] + j] * weights[i * taps + j]` for `j < count[i]`,
/// rounded from 22 fractional bits.
///
/// Built exactly as Pillow's Resample.c `precompute_coeffs` (double precision, box = whole
/// image) followed by `normalize_coeffs_8bpc` (PRECISION_BITS = 22).
struct ResampleCoefficients {
    /// Fractional bits of `weights` (Resample.c PRECISION_BITS).
    static let precisionBits: Int32 = 22

    let outSize: Int
    /// Stride of `weights` per output sample (Resample.c `ksize`).
    let taps: Int
    /// First input sample of each output sample (Resample.c `bounds[2i]`, `xmin`).
    let start: [Int]
    /// Number of input samples of each output sample (Resample.c `bounds[2i+1]`, `xmax - xmin`).
    let count: [Int]
    /// `outSize * taps` weights scaled by 2^22 and rounded half away from zero.
    let weights: [Int32]

    init(inSize: Int, outSize: Int, filter: ResampleFilter) {
        precondition(inSize > 0 && outSize > 0 && filter != .nearest)
        // Pillow computes (double)(in1 - in0) / outSize with in0 = 0, in1 = inSize as floats;
        // Float(inSize) is exact for every size below 2^24.
        let scale = Double(Float(inSize)) / Double(outSize)
        let filterScale = max(scale, 1.0)  // widen the kernel when downscaling (antialiasing)
        let support = filter.support * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        let inverseFilterScale = 1.0 / filterScale

        var start = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * taps)
        var k = [Double](repeating: 0, count: taps)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            // C casts truncate toward zero, as Int(Double) does.
            let xmin = max(0, Int(center - support + 0.5))
            let xmax = min(inSize, Int(center + support + 0.5))
            let n = xmax - xmin
            var sum = 0.0
            for x in 0..<n {
                let w = filter.weight((Double(x + xmin) - center + 0.5) * inverseFilterScale)
                k[x] = w
                sum += w
            }
            for x in 0..<n {
                if sum != 0 { k[x] /= sum }
                // normalize_coeffs_8bpc: (int)(±0.5 + w * (1 << 22)).
                let scaled = k[x] * Double(1 << Self.precisionBits)
                weights[xx * taps + x] = Int32(k[x] < 0 ? -0.5 + scaled : 0.5 + scaled)
            }
            start[xx] = xmin
            count[xx] = n
        }
        self.outSize = outSize
        self.taps = taps
        self.start = start
        self.count = count
        self.weights = weights
    }
}
