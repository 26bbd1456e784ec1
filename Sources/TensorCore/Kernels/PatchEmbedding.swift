/// Patch embedding, `nn.Conv2d(3, C, kernel_size=P, stride=P, padding="valid")`, as one GEMM.
/// Reference: modeling_siglip.py `SiglipVisionEmbeddings.forward`; REFERENCE.md 1.2 step 1.
///
/// A stride-P, kernel-P convolution sees each patch once, so it is exactly a linear layer over the
/// unfolded patches: p[n, ch·P·P + ky·P + kx] = x[b, ch, gy·P + ky, gx·P + kx] with n = gy·(W/P) + gx
/// (`flatten(2).transpose(1, 2)`), and the conv weight [C, 3, P, P] read as [C, 3·P·P].
public enum PatchEmbedding {
    /// patches[B·N, CH·P·P] = unfold(pixels[B, CH, H, W]).
    public static func unfold(
        patches: UnsafeMutablePointer<Float>, pixels: UnsafePointer<Float>,
        batch B: Int, channels CH: Int, height H: Int, width W: Int, patch P: Int
    ) {
        let gridH = H / P, gridW = W / P
        let N = gridH * gridW
        let patchLength = CH * P * P
        parallelFor(B * N, minimumPerChunk: 32) { tokens in
            for token in tokens {
                let b = token / N, n = token % N
                let gy = n / gridW, gx = n % gridW
                var dst = patches + token * patchLength
                for ch in 0..<CH {
                    for ky in 0..<P {
                        let src = pixels + ((b * CH + ch) * H + gy * P + ky) * W + gx * P
                        dst.update(from: src, count: P)
                        dst += P
                    }
                }
            }
        }
    }

    /// out[B·N, C] = unfold(pixels) · weight[C, CH·P·P]ᵀ + bias[C]; `patches` is scratch of [B·N, CH·P·P].
    public static func forward(
        out: UnsafeMutablePointer<Float>, patches: UnsafeMutablePointer<Float>, pixels: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        batch B: Int, channels CH: Int, height H: Int, width W: Int, patch P: Int, hidden C: Int
    ) {
        unfold(patches: patches, pixels: pixels, batch: B, channels: CH, height: H, width: W, patch: P)
        let N = (H / P) * (W / P)
        Linear.forward(out: out, inp: patches, weight: weight, bias: bias, rows: B * N, inFeatures: CH * P * P, outFeatures: C)
    }
}

extension PatchEmbedding {
    /// Weight and bias gradients from the unfolded patches kept by `forward` (pixels need no gradient).
    ///   dweight[C, CH·P·P] += doutᵀ · patches,  dbias[C] += Σ_tokens dout
    public static func backward(
        dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        patches: UnsafePointer<Float>, ones: UnsafePointer<Float>, tokens M: Int, patchLength: Int, hidden C: Int
    ) {
        Linear.backward(dinp: nil, dweight: dweight, dbias: dbias, dout: dout, inp: patches, weight: nil,
                        ones: ones, rows: M, inFeatures: patchLength, outFeatures: C)
    }
}
