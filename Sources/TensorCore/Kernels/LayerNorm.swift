import Dispatch

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

extension LayerNorm {
    /// Gradients of `forward` from the saved row statistics. `dinp` ACCUMULATES (`+=`): the layer norm's
    /// input is a residual stream whose gradient already holds the skip path's contribution.
    ///
    ///   x̂ = (x − mean)·rstd,  g = dout·γ
    ///   dinp += rstd · (g − mean(g) − x̂ · mean(g·x̂))
    ///   dγ += Σ_rows dout·x̂,  dβ += Σ_rows dout
    ///
    /// - Parameter dweight, dbias: nil when frozen.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows M: Int, channels C: Int
    ) {
        // Parameter gradients are sums over rows: each chunk sums into its own slice, then the slices are added.
        let chunks = max(1, min(ComputeThreads.count, M / 16))
        let partial = FloatBuffer(count: chunks * 2 * C)
        let chunkSize = (M + chunks - 1) / chunks
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let dGamma = partial.pointer + chunk * 2 * C
            let dBeta = dGamma + C
            for row in (chunk * chunkSize)..<min(M, (chunk + 1) * chunkSize) {
                let x = inp + row * C, dy = dout + row * C, dx = dinp + row * C
                let mu = mean[row], inv = rstd[row]
                var sumG = Float8(), sumGX = Float8()
                var c = 0
                while c + 8 <= C {
                    let xhat = (x.loadFloat8(at: c) - mu) * inv
                    let g = dy.loadFloat8(at: c) * weight.loadFloat8(at: c)
                    sumG += g
                    sumGX += g * xhat
                    dGamma.storeFloat8(dGamma.loadFloat8(at: c) + dy.loadFloat8(at: c) * xhat, at: c)
                    dBeta.storeFloat8(dBeta.loadFloat8(at: c) + dy.loadFloat8(at: c), at: c)
                    c += 8
                }
                var meanG = sumG.sum(), meanGX = sumGX.sum()
                while c < C {
                    let xhat = (x[c] - mu) * inv
                    let g = dy[c] * weight[c]
                    meanG += g
                    meanGX += g * xhat
                    dGamma[c] += dy[c] * xhat
                    dBeta[c] += dy[c]
                    c += 1
                }
                meanG /= Float(C)
                meanGX /= Float(C)
                c = 0
                while c + 8 <= C {
                    let xhat = (x.loadFloat8(at: c) - mu) * inv
                    let g = dy.loadFloat8(at: c) * weight.loadFloat8(at: c)
                    dx.storeFloat8(dx.loadFloat8(at: c) + inv * (g - meanG - xhat * meanGX), at: c)
                    c += 8
                }
                while c < C {
                    let xhat = (x[c] - mu) * inv
                    dx[c] += inv * (dy[c] * weight[c] - meanG - xhat * meanGX)
                    c += 1
                }
            }
        }
        for chunk in 0..<chunks {
            let dGamma = partial.pointer + chunk * 2 * C
            if let dweight { Elementwise.add(serialOut: dweight, dweight, dGamma, count: C) }
            if let dbias { Elementwise.add(serialOut: dbias, dbias, dGamma + C, count: C) }
        }
    }
}
