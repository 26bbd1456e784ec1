import Imaging
import TensorCore

/// The recipe's training augmentation on a resized image, drawing from the global torch generator in
/// torchvision's order (REFERENCE.md 3.6, 4.2, 4.3):
///   RandomRotation(d): angle = uniform(−d, d) as float32 (one u32 draw), Pillow NEAREST rotate, black fill;
///   RandomAdjustSharpness(f, p): applies iff torch.rand(1) < p (one u32 draw);
///   RandomHorizontalFlip(p) (sigtune's extra, off by default, after sharpness): iff torch.rand(1) < p.
/// A disabled augmentation draws nothing, exactly as leaving it out of `Compose` would.
public struct TrainTransform: Sendable {
    public let augmentation: TrainingOptions.Augmentation

    public init(augmentation: TrainingOptions.Augmentation) { self.augmentation = augmentation }

    public func apply(_ image: RGBImage, generator: inout TorchGenerator) -> RGBImage {
        var out = image
        if augmentation.rotationDegrees != 0 {
            let angle = generator.uniformFloat(from: -augmentation.rotationDegrees, to: augmentation.rotationDegrees)
            out = rotate(out, degrees: Double(angle))
        }
        if augmentation.sharpnessP > 0 {
            if Double(generator.rand()) < augmentation.sharpnessP {
                out = adjustSharpness(out, factor: Float(augmentation.sharpnessFactor))
            }
        }
        if augmentation.hflipP > 0 {
            if Double(generator.rand()) < augmentation.hflipP { out = flipHorizontally(out) }
        }
        return out
    }
}
