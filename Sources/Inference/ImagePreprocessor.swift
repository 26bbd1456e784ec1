import Foundation
import Imaging
import SigLIP

/// Turns decoded images into `pixel_values` for a model, the recipe's way (REFERENCE.md 4.1, 4.4):
/// `convert("RGB")` → Pillow resize to the model's size with the checkpoint's filter → ToTensor → Normalize,
/// every step bit-identical to Pillow + torchvision.
///
/// This is the path the recipe trains and evaluates with. transformers' own `SiglipImageProcessor`
/// differs slightly (it composites transparent images on white and resizes with torch's uint8 kernel,
/// see Tests/Fixtures/README.md); sigtune uses one path for training and inference so they agree.
public struct ImagePreprocessor: Sendable {
    public let width: Int
    public let height: Int
    public let filter: ResampleFilter
    public let passOrder: ResizePassOrder
    public let rescaleFactor: Double?
    public let mean: [Float]
    public let std: [Float]

    /// Why a preprocessor config cannot feed a model.
    public struct ConfigurationError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// - Parameters:
    ///   - config: the checkpoint's preprocessor_config.json.
    ///   - imageSize: the model's `image_size`; the preprocessor must produce it.
    ///   - passOrder: Pillow 13's resize pass order by default; `.pillow11` reproduces Pillow ≤ 12.1.
    public init(config: PreprocessorConfig, imageSize: Int, passOrder: ResizePassOrder = .pillow13) throws {
        guard config.width == imageSize, config.height == imageSize else {
            throw ConfigurationError(message: "preprocessor_config.json resizes to \(config.width)x\(config.height) but the model's image_size is \(imageSize); fix size in preprocessor_config.json")
        }
        guard let filter = ResampleFilter(rawValue: config.resample) else {
            throw ConfigurationError(message: "resample \(config.resample) is not supported (0 = NEAREST, 2 = BILINEAR, 3 = BICUBIC)")
        }
        width = config.width
        height = config.height
        self.filter = filter
        self.passOrder = passOrder
        rescaleFactor = config.doRescale ? config.rescaleFactor : nil
        mean = config.doNormalize ? config.imageMean : [0, 0, 0]
        std = config.doNormalize ? config.imageStd : [1, 1, 1]
    }

    /// Floats per image: 3 × height × width.
    public var valuesPerImage: Int { 3 * width * height }

    /// Resizes (when needed) and normalises `image` into `destination` [3, H, W].
    public func pixelValues(_ image: RGBImage, into destination: UnsafeMutablePointer<Float>) {
        let resized = resize(image, width: width, height: height, filter: filter, passOrder: passOrder)
        if let rescaleFactor, rescaleFactor != 1.0 / 255.0 {
            // A non-standard rescale: f32(f64(v)·factor), then normalise (SiglipImageProcessorPil `rescale`).
            let plane = width * height
            for i in 0..<plane {
                for c in 0..<3 {
                    let x = Float(Double(resized.pixels[3 * i + c]) * rescaleFactor)
                    destination[c * plane + i] = (x - mean[c]) / std[c]
                }
            }
        } else if rescaleFactor == nil {
            let plane = width * height
            for i in 0..<plane { for c in 0..<3 { destination[c * plane + i] = (Float(resized.pixels[3 * i + c]) - mean[c]) / std[c] } }
        } else {
            // ToTensor's true float32 division by 255, then Normalize: identical to f32(f64(v)/255) for all bytes.
            writeNormalizedCHW(resized, mean: mean, std: std, into: destination)
        }
    }
}
