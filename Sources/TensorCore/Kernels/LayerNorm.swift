/// Layer normalisation over the last dimension, `nn.LayerNorm(C, eps)`.
/// Reference: transformers modeling_siglip.py `SiglipEncoderLayer` (layer_norm1/2, post_layernorm);
/// torch `layer_norm`: biased (population) variance, y = (x − mean)/sqrt(var + eps)·γ + β.
public enum LayerNorm {
    /// out[M, C] = LN(inp[M, C]) · weight[C] + bias[C].
    ///
    /// - Parameters:
    ///   - mean, rstd: optional [M] outputs (the row mean and 1/sqrt(var + eps)), kept for the backward pass.
    ///   - eps: `layer_norm_eps` from the config (1e-6 for SigLIP).
    public static func forward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?, rstd: UnsafeMutablePointer<Float>?,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        rows M: Int, channels C: Int, eps: Float
    ) {
        parallelFor(M, minimumPerChunk: 16) { rows in
            for row in rows {
                let x = inp + row * C
                let y = out + row * C
                // Two passes (mean, then squared deviations) in 8 float lanes: accurate without Welford.
                let rowMean = sum(x, C) / Float(C)
                var squares = Float8()
                var c = 0
                while c + 8 <= C {
                    let d = x.loadFloat8(at: c) - rowMean
                    squares += d * d
                    c += 8
                }
                var variance = squares.sum()
                while c < C { let d = x[c] - rowMean; variance += d * d; c += 1 }
                variance /= Float(C)
                let rowRstd = 1 / (variance + eps).squareRoot()
                c = 0
                while c + 8 <= C {
                    let normalized = (x.loadFloat8(at: c) - rowMean) * rowRstd
                    y.storeFloat8(normalized * weight.loadFloat8(at: c) + bias.loadFloat8(at: c), at: c)
                    c += 8
                }
                while c < C { y[c] = (x[c] - rowMean) * rowRstd * weight[c] + bias[c]; c += 1 }
                mean?[row] = rowMean
                rstd?[row] = rowRstd
            }
        }
    }

    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = Float8()
        var c = 0
        while c + 8 <= count { lanes += x.loadFloat8(at: c); c += 8 }
        var total = lanes.sum()
        while c < count { total += x[c]; c += 1 }
        return total
    }
}
