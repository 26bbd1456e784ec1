import Foundation

/// preprocessor_config.json of a `SiglipImageProcessor` (REFERENCE.md 2.1): how an image becomes
/// `pixel_values`. Defaults are the class defaults of transformers' SiglipImageProcessor.
public struct PreprocessorConfig: Equatable, Sendable {
    public var width = 224
    public var height = 224
    /// PIL resample code: 2 = BILINEAR (SigLIP 2 checkpoints), 3 = BICUBIC (SigLIP 1 and the class default).
    public var resample = 3
    public var doResize = true
    public var doRescale = true
    public var rescaleFactor = 1.0 / 255.0
    public var doNormalize = true
    public var imageMean: [Float] = [0.5, 0.5, 0.5]
    public var imageStd: [Float] = [0.5, 0.5, 0.5]
    /// `do_convert_rgb`; sigtune always converts to RGB first (the recipe's `image.convert("RGB")`).
    public var doConvertRGB: Bool?

    public init() {}

    /// The default preprocessing for a vision config with no preprocessor_config.json: the
    /// SigLIP 2 FixRes choice (bilinear, mean/std 0.5) at the model's image size.
    public init(imageSize: Int) {
        width = imageSize
        height = imageSize
        resample = 2
    }

    public init(data: Data, path: String) throws {
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CheckpointError.invalidConfig(field: path, problem: "not a JSON object")
        }
        func field(_ key: String) -> Any? { json[key].flatMap { $0 is NSNull ? nil : $0 } }
        if let size = field("size") as? [String: Any] {
            if let h = (size["height"] as? NSNumber)?.intValue, let w = (size["width"] as? NSNumber)?.intValue {
                height = h
                width = w
            } else if let edge = (size["shortest_edge"] as? NSNumber)?.intValue {
                height = edge
                width = edge
            } else {
                throw CheckpointError.invalidConfig(field: "\(path): size", problem: "expected {\"height\", \"width\"}")
            }
        } else if let size = (field("size") as? NSNumber)?.intValue {
            height = size
            width = size
        }
        if let value = field("resample") as? NSNumber { resample = value.intValue }
        guard [0, 2, 3].contains(resample) else {
            throw CheckpointError.invalidConfig(field: "\(path): resample", problem: "\(resample) is not supported (0 = NEAREST, 2 = BILINEAR, 3 = BICUBIC)")
        }
        if let value = field("do_resize") as? Bool { doResize = value }
        if let value = field("do_rescale") as? Bool { doRescale = value }
        if let value = field("rescale_factor") as? NSNumber { rescaleFactor = value.doubleValue }
        if let value = field("do_normalize") as? Bool { doNormalize = value }
        if let value = field("image_mean") as? [NSNumber] { imageMean = value.map(\.floatValue) }
        if let value = field("image_std") as? [NSNumber] { imageStd = value.map(\.floatValue) }
        doConvertRGB = field("do_convert_rgb") as? Bool
        guard imageMean.count == 3, imageStd.count == 3, imageStd.allSatisfy({ $0 != 0 }) else {
            throw CheckpointError.invalidConfig(field: "\(path): image_mean/image_std", problem: "need three values each, std non-zero")
        }
        guard width > 0, height > 0 else { throw CheckpointError.invalidConfig(field: "\(path): size", problem: "must be positive") }
    }
}
