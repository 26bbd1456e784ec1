import Foundation

/// The files a SigLIP classifier consists of (what `save_pretrained` writes and `CheckpointLoader` reads).
/// Downloads fetch only these, and pushes upload only these plus the model card: a Hub repo often also
/// holds PyTorch, ONNX or TF weights, and a training directory holds checkpoints and optimizer state.
public enum ModelFiles {
    public static let config = "config.json"
    public static let weights = "model.safetensors"
    public static let shardIndex = "model.safetensors.index.json"
    public static let preprocessor = "preprocessor_config.json"
    public static let modelCard = "README.md"

    /// The shard file names a `model.safetensors.index.json` maps tensors to, sorted and unique.
    /// Names must be plain files beside the index, as transformers writes them.
    public static func shards(inIndex data: Data) throws -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let map = object["weight_map"] as? [String: Any] else {
            throw HubError.invalidResponse(url: shardIndex, problem: "expected a JSON object with a \"weight_map\"")
        }
        var names = Set<String>()
        for case let name as String in map.values {
            guard !name.isEmpty, !name.contains("/"), !name.contains("\\"), name != ".", name != ".." else {
                throw HubError.invalidResponse(url: shardIndex, problem: "shard name '\(name)' is not a plain file name")
            }
            names.insert(name)
        }
        return names.sorted()
    }
}
