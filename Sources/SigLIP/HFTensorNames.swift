/// Every Hugging Face tensor name of the SigLIP vision classifier, spelled once (REFERENCE.md 1.1).
/// Shapes for base: D=768, F=3072, P=16, N=196.
public enum HFTensorNames {
    /// The prefix of vision tensors in `SiglipForImageClassification`, `SiglipModel` and
    /// `SiglipVisionModel` checkpoints.
    public static let visionPrefix = "vision_model."
    /// Prefixes tried when reading, in order: the saved name, and the nested one some exports use.
    public static let visionPrefixCandidates = ["vision_model.", "vision_model.vision_model.", ""]

    public static let patchEmbeddingWeight = "embeddings.patch_embedding.weight"   // [D, 3, P, P]
    public static let patchEmbeddingBias = "embeddings.patch_embedding.bias"       // [D]
    public static let positionEmbedding = "embeddings.position_embedding.weight"   // [N, D]
    public static let postLayerNormWeight = "post_layernorm.weight"                // [D]
    public static let postLayerNormBias = "post_layernorm.bias"                    // [D]

    /// `encoder.layers.{i}.` + one of `layerTensorSuffixes`.
    public static func layer(_ index: Int, _ suffix: String) -> String { "encoder.layers.\(index).\(suffix)" }
    public static let layerNorm1Weight = "layer_norm1.weight", layerNorm1Bias = "layer_norm1.bias"   // [D]
    public static let qProjWeight = "self_attn.q_proj.weight", qProjBias = "self_attn.q_proj.bias" // [D, D], [D]
    public static let kProjWeight = "self_attn.k_proj.weight", kProjBias = "self_attn.k_proj.bias"
    public static let vProjWeight = "self_attn.v_proj.weight", vProjBias = "self_attn.v_proj.bias"
    public static let outProjWeight = "self_attn.out_proj.weight", outProjBias = "self_attn.out_proj.bias"
    public static let layerNorm2Weight = "layer_norm2.weight", layerNorm2Bias = "layer_norm2.bias"
    public static let fc1Weight = "mlp.fc1.weight", fc1Bias = "mlp.fc1.bias"                      // [F, D], [F]
    public static let fc2Weight = "mlp.fc2.weight", fc2Bias = "mlp.fc2.bias"                      // [D, F], [D]

    /// The MAP head (`SiglipMultiheadAttentionPoolingHead`): loaded and saved unchanged, never computed
    /// by the classifier. (name suffix after the vision prefix, shape)
    public static func mapHead(hidden D: Int, intermediate F: Int) -> [(String, [Int])] {
        [("head.probe", [1, 1, D]),
         ("head.attention.in_proj_weight", [3 * D, D]), ("head.attention.in_proj_bias", [3 * D]),
         ("head.attention.out_proj.weight", [D, D]), ("head.attention.out_proj.bias", [D]),
         ("head.layernorm.weight", [D]), ("head.layernorm.bias", [D]),
         ("head.mlp.fc1.weight", [F, D]), ("head.mlp.fc1.bias", [F]),
         ("head.mlp.fc2.weight", [D, F]), ("head.mlp.fc2.bias", [D])]
    }

    /// The classifier (`SiglipForImageClassification.classifier`), outside the vision prefix.
    public static let classifierWeight = "classifier.weight"   // [K, D]
    public static let classifierBias = "classifier.bias"       // [K]
}
