/// Mean over tokens: the pooled feature `SiglipForImageClassification` feeds its classifier.
/// Reference: modeling_siglip.py `SiglipForImageClassification.forward`: `torch.mean(sequence_output, dim=1)`
/// of the post-LayerNorm last hidden state (no CLS token; the MAP head's output is not used).
public enum MeanPool {
    /// out[B, C] = mean over n of inp[B, N, C].
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, batch B: Int, tokens N: Int, channels C: Int) {
        parallelFor(B) { items in
            for b in items {
                let y = out + b * C
                y.update(repeating: 0, count: C)
                for n in 0..<N { Elementwise.add(serialOut: y, y, inp + (b * N + n) * C, count: C) }
                let count = Float(N)  // torch divides the sum by N (not multiply by 1/N)
                for c in 0..<C { y[c] /= count }
            }
        }
    }
}

extension MeanPool {
    /// dinp[b, n, :] = dout[b, :] / N (overwrites: the post-LayerNorm output feeds only the pool).
    public static func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, batch B: Int, tokens N: Int, channels C: Int) {
        parallelFor(B * N, minimumPerChunk: 64) { tokens in
            for token in tokens {
                let b = token / N
                let dst = dinp + token * C, src = dout + b * C
                for c in 0..<C { dst[c] = src[c] / Float(N) }
            }
        }
    }
}
