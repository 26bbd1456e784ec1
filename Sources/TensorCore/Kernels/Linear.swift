/// Fully connected layer, `nn.Linear`: y = x·Wᵀ + b with W stored [out, in] (PyTorch layout).
/// Reference: torch.nn.functional.linear.
public enum Linear {
    /// out[M, OC] = inp[M, IC] · weight[OC, IC]ᵀ + bias[OC].
    ///
    /// The bias is broadcast into `out` first and the GEMM accumulates onto it (beta = 1), so the bias
    /// costs one pass over the output instead of a second kernel.
    public static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        rows M: Int, inFeatures IC: Int, outFeatures OC: Int
    ) {
        if let bias {
            parallelFor(M, minimumPerChunk: 64) { rows in
                for row in rows { (out + row * OC).update(from: bias, count: OC) }
            }
        }
        BLAS.gemm(.none, .transposed, m: M, n: OC, k: IC,
                  a: inp, lda: IC, b: weight, ldb: IC, beta: bias == nil ? 0 : 1, c: out, ldc: OC)
    }
}
