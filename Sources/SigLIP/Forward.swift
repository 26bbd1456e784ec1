import TensorCore

/// The forward pass of `SiglipForImageClassification` (REFERENCE.md 1.2; modeling_siglip.py
/// `SiglipVisionEmbeddings`, `SiglipEncoderLayer`, `SiglipVisionModel`, `SiglipForImageClassification`).
extension SiglipVisionClassifier {
    /// Runs the vision tower on `pixelValues` [B, CH, H, W] and fills `activations`: the post-LayerNorm
    /// hidden state, the pooled feature [B, C] (mean over tokens) and, with a classifier, logits [B, K].
    /// The MAP head is not computed: the classifier never uses it.
    public func forward(pixelValues: UnsafePointer<Float>, batch B: Int, activations a: SiglipActivations) {
        precondition(B <= a.batch, "activations sized for \(a.batch) images, got \(B)")
        let layout = parameters.layout
        let config = layout.config
        let C = config.hiddenSize, F = config.intermediateSize, N = config.numPatches
        let NH = config.numAttentionHeads, K = layout.numLabels, M = B * N
        let eps = config.layerNormEps
        let w = parameters.pointer

        // 1–2. Patch embedding (conv as GEMM) + position embedding.
        PatchEmbedding.forward(out: a.embeddings, patches: a.patches, pixels: pixelValues,
                               weight: w(layout.patchEmbeddingWeight), bias: w(layout.patchEmbeddingBias),
                               batch: B, channels: config.numChannels, height: config.imageSize, width: config.imageSize,
                               patch: config.patchSize, hidden: C)
        Elementwise.addRows(a.embeddings, table: w(layout.positionEmbedding), batch: B, rows: N, channels: C)

        // 3. Pre-LN encoder layers: h = x + Attn(LN1(x)); x' = h + MLP(LN2(h)).
        for (offsets, act) in zip(layout.layers, a.layers) {
            LayerNorm.forward(out: act.layerNorm1, mean: act.layerNorm1Mean, rstd: act.layerNorm1Rstd, inp: act.input,
                              weight: w(offsets.layerNorm1Weight), bias: w(offsets.layerNorm1Bias), rows: M, channels: C, eps: eps)
            Linear.forward(out: act.qkv, inp: act.layerNorm1, weight: w(offsets.qkvWeight), bias: w(offsets.qkvBias),
                           rows: M, inFeatures: C, outFeatures: 3 * C)
            Attention.forward(out: act.attention, probabilities: act.probabilities, qkv: act.qkv, batch: B, tokens: N, channels: C, heads: NH)
            Linear.forward(out: act.residual, inp: act.attention, weight: w(offsets.outProjWeight), bias: w(offsets.outProjBias),
                           rows: M, inFeatures: C, outFeatures: C)
            Elementwise.add(out: act.residual, act.residual, act.input, count: M * C)
            LayerNorm.forward(out: act.layerNorm2, mean: act.layerNorm2Mean, rstd: act.layerNorm2Rstd, inp: act.residual,
                              weight: w(offsets.layerNorm2Weight), bias: w(offsets.layerNorm2Bias), rows: M, channels: C, eps: eps)
            Linear.forward(out: act.fc1, inp: act.layerNorm2, weight: w(offsets.fc1Weight), bias: w(offsets.fc1Bias),
                           rows: M, inFeatures: C, outFeatures: F)
            GELU.forward(out: act.gelu, inp: act.fc1, count: M * F)
            Linear.forward(out: act.output, inp: act.gelu, weight: w(offsets.fc2Weight), bias: w(offsets.fc2Bias),
                           rows: M, inFeatures: F, outFeatures: C)
            Elementwise.add(out: act.output, act.output, act.residual, count: M * C)
        }
        let lastHidden = a.layers.last?.output ?? a.embeddings

        // 4. post_layernorm → last_hidden_state; 6. mean over tokens; 7. classifier.
        LayerNorm.forward(out: a.postLayerNorm, mean: a.postLayerNormMean, rstd: a.postLayerNormRstd, inp: lastHidden,
                          weight: w(layout.postLayerNormWeight), bias: w(layout.postLayerNormBias), rows: M, channels: C, eps: eps)
        MeanPool.forward(out: a.pooled, inp: a.postLayerNorm, batch: B, tokens: N, channels: C)
        if K > 0 {
            Linear.forward(out: a.logits, inp: a.pooled, weight: w(layout.classifierWeight), bias: w(layout.classifierBias),
                           rows: B, inFeatures: C, outFeatures: K)
        }
    }

    /// Floating-point operations of one image's forward (multiply-adds count 2): the GEMMs, which
    /// dominate; used by the benchmark to report achieved GFLOP/s.
    public var forwardFLOPsPerImage: Double {
        let config = vision
        let N = Double(config.numPatches), C = Double(config.hiddenSize), F = Double(config.intermediateSize)
        let P2 = Double(config.numChannels * config.patchSize * config.patchSize)
        let perLayer = 2 * N * C * (3 * C) + 2 * N * N * C * 2 + 2 * N * C * C + 2 * N * C * F * 2
        return 2 * N * P2 * C + Double(config.numHiddenLayers) * perLayer + 2 * C * Double(parameters.layout.numLabels)
    }
}
