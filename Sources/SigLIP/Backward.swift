import TensorCore

/// Which parameters receive gradients: the training modes of a fine-tune job.
public enum TrainableScope: Equatable, Sendable {
    /// Everything the recipe trains: embeddings, every encoder layer, post-LayerNorm, classifier.
    case all
    /// The last `n` encoder layers, the post-LayerNorm and the classifier; earlier layers are frozen.
    case lastLayers(Int)
    /// Only the classifier (a linear probe on frozen features).
    case classifierOnly

    /// Index of the first encoder layer that trains, in a model of `layerCount` layers
    /// (`layerCount` when none does).
    public func firstTrainableLayer(layerCount: Int) -> Int {
        switch self {
        case .all: return 0
        case .lastLayers(let n): return max(0, layerCount - n)
        case .classifierOnly: return layerCount
        }
    }

    /// Whether the tensor at `entry` trains under this scope (the MAP head never does).
    public func trains(_ entry: ParameterEntry, layout: SiglipParameterLayout) -> Bool {
        if entry.isMAPHead { return false }
        if entry.name.hasPrefix("classifier.") { return true }
        let first = firstTrainableLayer(layerCount: layout.config.numHiddenLayers)
        if entry.name.contains("embeddings.") { return first == 0 && self == .all }
        if entry.name.contains("post_layernorm") { return self != .classifierOnly }
        if let range = entry.name.range(of: "encoder.layers.") {
            let index = Int(entry.name[range.upperBound...].prefix { $0.isNumber }) ?? 0
            return index >= first
        }
        return false
    }
}

/// Gradient scratch for a backward pass over up to `batch` images (one buffer, reused every step).
public final class SiglipBackwardWorkspace {
    public let batch: Int
    let storage: FloatBuffer
    let dStream: UnsafeMutablePointer<Float>      // [B, N, C] gradient of the residual stream
    let dResidual: UnsafeMutablePointer<Float>    // [B, N, C] gradient of the mid-layer residual h
    let dNormalized: UnsafeMutablePointer<Float>  // [B, N, C] gradient of a LayerNorm output
    let dAttention: UnsafeMutablePointer<Float>   // [B, N, C] gradient of the concatenated heads
    let dQKV: UnsafeMutablePointer<Float>         // [B, N, 3C]
    let dScores: UnsafeMutablePointer<Float>      // [B, NH, N, N]
    let dHidden: UnsafeMutablePointer<Float>      // [B, N, F] gradient of the GELU output, then of fc1
    let dPooled: UnsafeMutablePointer<Float>      // [B, C]
    let ones: UnsafeMutablePointer<Float>         // [B·N] of 1 (bias gradients as GEMV)

    public init(layout: SiglipParameterLayout, batch B: Int) {
        let config = layout.config
        let N = config.numPatches, C = config.hiddenSize, F = config.intermediateSize, NH = config.numAttentionHeads
        let M = B * N
        let sizes = [M * C, M * C, M * C, M * C, M * 3 * C, B * NH * N * N, M * F, B * C, M]
        storage = FloatBuffer(count: sizes.reduce(0, +))
        var cursor = storage.pointer
        var pointers: [UnsafeMutablePointer<Float>] = []
        for size in sizes { pointers.append(cursor); cursor += size }
        batch = B
        (dStream, dResidual, dNormalized, dAttention, dQKV) = (pointers[0], pointers[1], pointers[2], pointers[3], pointers[4])
        (dScores, dHidden, dPooled, ones) = (pointers[5], pointers[6], pointers[7], pointers[8])
        ones.update(repeating: 1, count: M)
    }
}

extension SiglipVisionClassifier {
    /// Backpropagates `dlogits` [B, K] through the forward recorded in `activations` (which must have been
    /// created with `keepForBackward` unless only the classifier trains), ACCUMULATING into `gradients`
    /// (same layout as the parameters). Frozen tensors and the MAP head get nothing.
    /// Each op's backward sits beside its forward in TensorCore/Kernels.
    public func backward(dlogits: UnsafePointer<Float>, batch B: Int, activations a: SiglipActivations,
                         gradients: SiglipParameters, workspace ws: SiglipBackwardWorkspace, scope: TrainableScope = .all) {
        let layout = parameters.layout
        let config = layout.config
        let C = config.hiddenSize, F = config.intermediateSize, N = config.numPatches
        let NH = config.numAttentionHeads, K = layout.numLabels, M = B * N, L = config.numHiddenLayers
        precondition(B <= ws.batch && B <= a.batch, "workspace sized for \(ws.batch) images, got \(B)")
        precondition(K > 0, "backward needs a classifier")
        let w = parameters.pointer, g = gradients.pointer
        let firstLayer = scope.firstTrainableLayer(layerCount: L)

        // 7. Classifier: logits = pooled · Wcᵀ + bc.
        Linear.backward(dinp: scope == .classifierOnly ? nil : ws.dPooled, dweight: g(layout.classifierWeight), dbias: g(layout.classifierBias),
                        dout: dlogits, inp: a.pooled, weight: w(layout.classifierWeight), ones: ws.ones, rows: B, inFeatures: C, outFeatures: K)
        if scope == .classifierOnly { return }
        precondition(a.keepForBackward, "training the encoder needs activations kept for backward")

        // 6. Mean over tokens, then 4. post-LayerNorm into the residual stream gradient.
        MeanPool.backward(dinp: ws.dNormalized, dout: ws.dPooled, batch: B, tokens: N, channels: C)
        ws.dStream.update(repeating: 0, count: M * C)
        LayerNorm.backward(dinp: ws.dStream, dweight: g(layout.postLayerNormWeight), dbias: g(layout.postLayerNormBias),
                           dout: ws.dNormalized, inp: a.layers.last?.output ?? a.embeddings, weight: w(layout.postLayerNormWeight),
                           mean: a.postLayerNormMean, rstd: a.postLayerNormRstd, rows: M, channels: C)

        // 3. Encoder layers in reverse: x' = h + fc2(gelu(fc1(LN2(h)))),  h = x + out_proj(attn(LN1(x))).
        for index in stride(from: L - 1, through: firstLayer, by: -1) {
            let o = layout.layers[index], act = a.layers[index]
            // MLP branch. dh starts as the skip path's copy of dx'.
            Elementwise.copy(ws.dResidual, ws.dStream, count: M * C)
            Linear.backward(dinp: ws.dHidden, dweight: g(o.fc2Weight), dbias: g(o.fc2Bias), dout: ws.dStream, inp: act.gelu,
                            weight: w(o.fc2Weight), ones: ws.ones, rows: M, inFeatures: F, outFeatures: C)
            GELU.backward(dinp: ws.dHidden, inp: act.fc1, dout: ws.dHidden, count: M * F)
            Linear.backward(dinp: ws.dNormalized, dweight: g(o.fc1Weight), dbias: g(o.fc1Bias), dout: ws.dHidden, inp: act.layerNorm2,
                            weight: w(o.fc1Weight), ones: ws.ones, rows: M, inFeatures: C, outFeatures: F)
            LayerNorm.backward(dinp: ws.dResidual, dweight: g(o.layerNorm2Weight), dbias: g(o.layerNorm2Bias), dout: ws.dNormalized,
                               inp: act.residual, weight: w(o.layerNorm2Weight), mean: act.layerNorm2Mean, rstd: act.layerNorm2Rstd,
                               rows: M, channels: C)
            // Attention branch. dx starts as the skip path's copy of dh.
            Elementwise.copy(ws.dStream, ws.dResidual, count: M * C)
            Linear.backward(dinp: ws.dAttention, dweight: g(o.outProjWeight), dbias: g(o.outProjBias), dout: ws.dResidual, inp: act.attention,
                            weight: w(o.outProjWeight), ones: ws.ones, rows: M, inFeatures: C, outFeatures: C)
            Attention.backward(dqkv: ws.dQKV, scratch: ws.dScores, dout: ws.dAttention, qkv: act.qkv, probabilities: act.probabilities,
                               batch: B, tokens: N, channels: C, heads: NH)
            Linear.backward(dinp: ws.dNormalized, dweight: g(o.qkvWeight), dbias: g(o.qkvBias), dout: ws.dQKV, inp: act.layerNorm1,
                            weight: w(o.qkvWeight), ones: ws.ones, rows: M, inFeatures: C, outFeatures: 3 * C)
            LayerNorm.backward(dinp: ws.dStream, dweight: g(o.layerNorm1Weight), dbias: g(o.layerNorm1Bias), dout: ws.dNormalized,
                               inp: act.input, weight: w(o.layerNorm1Weight), mean: act.layerNorm1Mean, rstd: act.layerNorm1Rstd,
                               rows: M, channels: C)
        }
        guard scope == .all else { return }

        // 1–2. Position embedding (summed over the batch) and the patch embedding GEMM.
        Elementwise.addRowsBackward(dtable: g(layout.positionEmbedding), dx: ws.dStream, batch: B, rows: N, channels: C)
        PatchEmbedding.backward(dweight: g(layout.patchEmbeddingWeight), dbias: g(layout.patchEmbeddingBias), dout: ws.dStream,
                                patches: a.patches, ones: ws.ones, tokens: M, patchLength: config.numChannels * config.patchSize * config.patchSize,
                                hidden: C)
    }
}
