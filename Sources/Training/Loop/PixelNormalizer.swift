import Imaging
import Inference
import TensorCore

/// ToTensor + Normalize of already-resized images into a batch of `pixel_values` [B, 3, H, W].
struct PixelNormalizer: Sendable {
    let preprocessor: ImagePreprocessor

    var valuesPerImage: Int { preprocessor.valuesPerImage }

    func write(_ images: [RGBImage], into destination: UnsafeMutablePointer<Float>) {
        let stride = valuesPerImage
        parallelFor(images.count) { range in
            for i in range { preprocessor.pixelValues(images[i], into: destination + i * stride) }
        }
    }
}
