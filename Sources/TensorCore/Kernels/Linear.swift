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

    /// Gradients of `forward`. Parameter gradients accumulate (`+=`), so micro-batches of one optimizer
    /// step sum into the same buffers; `dinp` is overwritten.
    ///
    ///   dinp[M, IC]  = dout[M, OC] · weight[OC, IC]
    ///   dweight[OC, IC] += doutᵀ · inp
    ///   dbias[OC]   += Σ_rows dout
    ///
    /// - Parameters:
    ///   - dinp: nil when the input needs no gradient (the first trainable layer).
    ///   - dweight, dbias: nil when the layer is frozen.
    ///   - weight: needed only for `dinp`.
    ///   - ones: scratch of at least M ones (the bias gradient is a GEMV against it).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>?,
        ones: UnsafePointer<Float>, rows M: Int, inFeatures IC: Int, outFeatures OC: Int
    ) {
        if let dinp {
            guard let weight else { preconditionFailure("Linear.backward: the input gradient needs the weight") }
            BLAS.gemm(.none, .none, m: M, n: IC, k: OC, a: dout, lda: OC, b: weight, ldb: IC, c: dinp, ldc: IC)
        }
        if let dweight {
            BLAS.gemm(.transposed, .none, m: OC, n: IC, k: M, a: dout, lda: OC, b: inp, ldb: IC, beta: 1, c: dweight, ldc: IC)
        }
        if let dbias {
            BLAS.gemv(.transposed, rows: M, columns: OC, a: dout, lda: OC, x: ones, beta: 1, y: dbias)
        }
    }
}
