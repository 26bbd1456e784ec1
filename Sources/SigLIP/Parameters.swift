import TensorCore

/// One named tensor inside the flat parameter buffer.
public struct ParameterEntry: Sendable, Equatable {
    /// The Hugging Face state-dict name (with the `vision_model.` prefix, or `classifier.*`).
    public let name: String
    public let shape: [Int]
    /// Offset in floats from the start of the buffer.
    public let offset: Int
    /// The MAP head gets no gradient in `SiglipForImageClassification` (REFERENCE.md 1.2 step 5).
    public let isMAPHead: Bool

    public var count: Int { shape.reduce(1, *) }
}

/// Offsets of one encoder layer's tensors in the flat buffer.
///
/// q, k and v projections are stored back to back ([q; k; v] weights, then [q; k; v] biases) so the three
/// projections run as one GEMM with a [3C, C] weight.
public struct EncoderLayerOffsets: Sendable {
    public let layerNorm1Weight, layerNorm1Bias: Int     // [C]
    public let qkvWeight: Int                            // [3C, C]: rows 0..<C q_proj, C..<2C k_proj, 2C..<3C v_proj
    public let qkvBias: Int                              // [3C]
    public let outProjWeight, outProjBias: Int           // [C, C], [C]
    public let layerNorm2Weight, layerNorm2Bias: Int     // [C]
    public let fc1Weight, fc1Bias: Int                   // [F, C], [F]
    public let fc2Weight, fc2Bias: Int                   // [C, F], [C]
}

/// Where every parameter lives in one flat Float buffer (llm.c's layout). The same layout serves
/// parameters, gradients and optimizer moments.
///
/// Order: embeddings, encoder layers, post-LayerNorm, classifier, then the MAP head, so that everything
/// that trains is one contiguous prefix `0..<trainableCount`.
public struct SiglipParameterLayout: Sendable {
    public let config: SiglipVisionConfig
    /// Classes of the classifier; 0 when the checkpoint has no classifier (a base model).
    public let numLabels: Int
    public let hasMAPHead: Bool

    public let patchEmbeddingWeight: Int   // [C, CH·P·P] (the conv weight [C, CH, P, P] read row-major)
    public let patchEmbeddingBias: Int     // [C]
    public let positionEmbedding: Int      // [N, C]
    public let layers: [EncoderLayerOffsets]
    public let postLayerNormWeight: Int    // [C]
    public let postLayerNormBias: Int      // [C]
    public let classifierWeight: Int       // [K, C]
    public let classifierBias: Int         // [K]
    /// Floats before the MAP head: the parameters that can receive gradients.
    public let trainableCount: Int
    /// Total floats.
    public let count: Int
    /// Every tensor with its Hugging Face name, in buffer order.
    public let entries: [ParameterEntry]

    public init(config: SiglipVisionConfig, numLabels: Int, hasMAPHead: Bool) {
        self.config = config
        self.numLabels = numLabels
        self.hasMAPHead = hasMAPHead
        let C = config.hiddenSize, F = config.intermediateSize, P = config.patchSize
        let CH = config.numChannels, N = config.numPatches, K = numLabels
        var entries: [ParameterEntry] = []
        var cursor = 0
        func place(_ suffix: String, _ shape: [Int], prefix: String = HFTensorNames.visionPrefix, head: Bool = false) -> Int {
            let offset = cursor
            entries.append(ParameterEntry(name: prefix + suffix, shape: shape, offset: offset, isMAPHead: head))
            cursor += shape.reduce(1, *)
            return offset
        }
        patchEmbeddingWeight = place(HFTensorNames.patchEmbeddingWeight, [C, CH, P, P])
        patchEmbeddingBias = place(HFTensorNames.patchEmbeddingBias, [C])
        positionEmbedding = place(HFTensorNames.positionEmbedding, [N, C])
        var layers: [EncoderLayerOffsets] = []
        for i in 0..<config.numHiddenLayers {
            func name(_ suffix: String) -> String { HFTensorNames.layer(i, suffix) }
            let ln1w = place(name(HFTensorNames.layerNorm1Weight), [C])
            let ln1b = place(name(HFTensorNames.layerNorm1Bias), [C])
            let qkvW = place(name(HFTensorNames.qProjWeight), [C, C])
            _ = place(name(HFTensorNames.kProjWeight), [C, C])
            _ = place(name(HFTensorNames.vProjWeight), [C, C])
            let qkvB = place(name(HFTensorNames.qProjBias), [C])
            _ = place(name(HFTensorNames.kProjBias), [C])
            _ = place(name(HFTensorNames.vProjBias), [C])
            let outW = place(name(HFTensorNames.outProjWeight), [C, C])
            let outB = place(name(HFTensorNames.outProjBias), [C])
            let ln2w = place(name(HFTensorNames.layerNorm2Weight), [C])
            let ln2b = place(name(HFTensorNames.layerNorm2Bias), [C])
            let fc1W = place(name(HFTensorNames.fc1Weight), [F, C])
            let fc1B = place(name(HFTensorNames.fc1Bias), [F])
            let fc2W = place(name(HFTensorNames.fc2Weight), [C, F])
            let fc2B = place(name(HFTensorNames.fc2Bias), [C])
            layers.append(EncoderLayerOffsets(
                layerNorm1Weight: ln1w, layerNorm1Bias: ln1b, qkvWeight: qkvW, qkvBias: qkvB,
                outProjWeight: outW, outProjBias: outB, layerNorm2Weight: ln2w, layerNorm2Bias: ln2b,
                fc1Weight: fc1W, fc1Bias: fc1B, fc2Weight: fc2W, fc2Bias: fc2B))
        }
        self.layers = layers
        postLayerNormWeight = place(HFTensorNames.postLayerNormWeight, [C])
        postLayerNormBias = place(HFTensorNames.postLayerNormBias, [C])
        if K > 0 {
            classifierWeight = place(HFTensorNames.classifierWeight, [K, C], prefix: "")
            classifierBias = place(HFTensorNames.classifierBias, [K], prefix: "")
        } else {
            classifierWeight = cursor
            classifierBias = cursor
        }
        trainableCount = cursor
        if hasMAPHead {
            for (suffix, shape) in HFTensorNames.mapHead(hidden: C, intermediate: F) { _ = place(suffix, shape, head: true) }
        }
        count = cursor
        self.entries = entries
    }

    /// The entry called `name`, if the layout has it.
    public func entry(named name: String) -> ParameterEntry? { entries.first { $0.name == name } }
}

/// A model's parameters: the layout and the one buffer that holds every tensor.
public final class SiglipParameters: @unchecked Sendable {
    public let layout: SiglipParameterLayout
    public let buffer: FloatBuffer

    public init(layout: SiglipParameterLayout) {
        self.layout = layout
        buffer = FloatBuffer(count: layout.count)
    }

    /// Pointer to the tensor at `offset` (an offset from the layout).
    @inlinable public func pointer(_ offset: Int) -> UnsafeMutablePointer<Float> { buffer.pointer + offset }

    /// A tensor's values by Hugging Face name (a copy), or nil.
    public func values(_ name: String) -> [Float]? {
        guard let entry = layout.entry(named: name) else { return nil }
        return Array(UnsafeBufferPointer(start: buffer.pointer + entry.offset, count: entry.count))
    }
}
