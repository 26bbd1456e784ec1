import TensorCore

/// Pointers to one encoder layer's intermediate tensors (B batch, N tokens, C hidden, NH heads, F MLP width).
public struct EncoderLayerActivations {
    public let input: UnsafeMutablePointer<Float>           // [B, N, C] residual stream entering the layer
    public let layerNorm1: UnsafeMutablePointer<Float>      // [B, N, C]
    public let layerNorm1Mean: UnsafeMutablePointer<Float>  // [B·N]
    public let layerNorm1Rstd: UnsafeMutablePointer<Float>  // [B·N]
    public let qkv: UnsafeMutablePointer<Float>             // [B, N, 3C]
    public let probabilities: UnsafeMutablePointer<Float>   // [B, NH, N, N] softmax(QKᵀ/√HS)
    public let attention: UnsafeMutablePointer<Float>       // [B, N, C] heads concatenated, before out_proj
    public let residual: UnsafeMutablePointer<Float>        // [B, N, C] input + out_proj(attention)
    public let layerNorm2: UnsafeMutablePointer<Float>      // [B, N, C]
    public let layerNorm2Mean: UnsafeMutablePointer<Float>  // [B·N]
    public let layerNorm2Rstd: UnsafeMutablePointer<Float>  // [B·N]
    public let fc1: UnsafeMutablePointer<Float>             // [B, N, F] before GELU
    public let gelu: UnsafeMutablePointer<Float>            // [B, N, F]
    public let output: UnsafeMutablePointer<Float>          // [B, N, C] residual + fc2(gelu)
}

/// Activation memory for a forward pass over up to `batch` images, in one buffer.
///
/// With `keepForBackward` every layer has its own tensors (training keeps them for the backward pass);
/// without it all layers share one set and the residual stream is updated in place (inference), so
/// memory does not grow with depth.
public final class SiglipActivations {
    public let batch: Int
    public let keepForBackward: Bool
    public let storage: FloatBuffer
    public let patches: UnsafeMutablePointer<Float>        // [B·N, CH·P·P] unfolded pixels
    public let embeddings: UnsafeMutablePointer<Float>     // [B, N, C] patch + position embeddings
    public let layers: [EncoderLayerActivations]
    public let postLayerNorm: UnsafeMutablePointer<Float>  // [B, N, C] last_hidden_state
    public let postLayerNormMean: UnsafeMutablePointer<Float>  // [B·N]
    public let postLayerNormRstd: UnsafeMutablePointer<Float>  // [B·N]
    public let pooled: UnsafeMutablePointer<Float>         // [B, C] mean over tokens
    public let logits: UnsafeMutablePointer<Float>         // [B, K]

    public init(layout: SiglipParameterLayout, batch B: Int, keepForBackward: Bool) {
        let config = layout.config
        let N = config.numPatches, C = config.hiddenSize, F = config.intermediateSize
        let NH = config.numAttentionHeads, K = max(layout.numLabels, 1)
        let patchLength = config.numChannels * config.patchSize * config.patchSize
        let tokens = B * N
        // Sizes of one layer's private tensors (the residual stream is counted separately).
        let layerSizes = [tokens * C, tokens, tokens, tokens * 3 * C, B * NH * N * N, tokens * C, tokens * C,
                          tokens * C, tokens, tokens, tokens * F, tokens * F]
        let layerCount = keepForBackward ? config.numHiddenLayers : 1
        // Stream buffers: L+1 when kept (embeddings, then each layer's output); 1 in place otherwise.
        let streamCount = keepForBackward ? config.numHiddenLayers : 0
        let total = tokens * patchLength + tokens * C + streamCount * tokens * C + layerCount * layerSizes.reduce(0, +)
            + tokens * C + 2 * tokens + B * C + B * K
        storage = FloatBuffer(count: total)
        var cursor = storage.pointer
        func take(_ count: Int) -> UnsafeMutablePointer<Float> { defer { cursor += count }; return cursor }
        self.batch = B
        self.keepForBackward = keepForBackward
        patches = take(tokens * patchLength)
        embeddings = take(tokens * C)
        var layers: [EncoderLayerActivations] = []
        var stream = embeddings
        for l in 0..<config.numHiddenLayers {
            if l < layerCount {
                let p = layerSizes.map { take($0) }
                let output = keepForBackward ? take(tokens * C) : embeddings
                layers.append(EncoderLayerActivations(
                    input: stream, layerNorm1: p[0], layerNorm1Mean: p[1], layerNorm1Rstd: p[2], qkv: p[3], probabilities: p[4],
                    attention: p[5], residual: p[6], layerNorm2: p[7], layerNorm2Mean: p[8], layerNorm2Rstd: p[9],
                    fc1: p[10], gelu: p[11], output: output))
                stream = output
            } else {
                layers.append(layers[0])  // inference: every layer reuses the first layer's tensors
            }
        }
        self.layers = layers
        postLayerNorm = take(tokens * C)
        postLayerNormMean = take(tokens)
        postLayerNormRstd = take(tokens)
        pooled = take(B * C)
        logits = take(B * K)
    }
}
