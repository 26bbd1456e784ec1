/// Resampling filters, numbered with PIL's codes as `preprocessor_config.json` stores them
/// in `"resample"` (PIL.Image.Resampling: NEAREST 0, BILINEAR 2, BICUBIC 3).
public enum ResampleFilter: Int, Sendable {
    case nearest = 0
    case bilinear = 2
    case bicubic = 3

    /// Half-width of the kernel at scale 1 (Resample.c: `BILINEAR = {bilinear_filter, 1.0}`,
    /// `BICUBIC = {bicubic_filter, 2.0}`). Nearest does not use a kernel.
    var support: Double {
        switch self {
        case .nearest: return 0
        case .bilinear: return 1
        case .bicubic: return 2
        }
    }

    /// The kernel, evaluated in double with the same operations and order as Resample.c
    /// (`bilinear_filter`, `bicubic_filter` with a = -0.5), so coefficients match bit for bit.
    func weight(_ t: Double) -> Double {
        let x = t < 0 ? -t : t
        switch self {
        case .nearest:
            return 0
        case .bilinear:
            // Triangle: 1 - |x| on [0, 1).
            return x < 1 ? 1 - x : 0
        case .bicubic:
            // Keys cubic, a = -0.5: ((a+2)x - (a+3))x² + 1 on [0,1), a(((x-5)x + 8)x - 4) on [1,2).
            let a = -0.5
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }
}
