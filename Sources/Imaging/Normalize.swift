/// torchvision `ToTensor()` followed by `Normalize(mean, std)` on an RGB image, writing
/// 3 × height × width floats (CHW) to `destination`.
///
/// Bit-exact with torchvision: `x = Float(v) / 255` is a true float32 division (ToTensor's
/// `img.float().div(255)`, not a multiply by 1/255), then `(x - mean[c]) / std[c]` in float32
/// (Normalize's `sub_(mean).div_(std)`). The result depends only on the byte and the channel,
/// so it is tabulated per channel (256 entries) and looked up.
public func writeNormalizedCHW(
    _ image: RGBImage, mean: [Float], std: [Float], into destination: UnsafeMutablePointer<Float>
) {
    precondition(mean.count == 3 && std.count == 3, "writeNormalizedCHW: mean and std need 3 values")
    precondition(!std.contains(0), "writeNormalizedCHW: std must not contain 0")
    let plane = image.width * image.height
    image.pixels.withUnsafeBufferPointer { pixels in
        var table = [Float](repeating: 0, count: 256)
        for channel in 0..<3 {
            for v in 0..<256 {
                let x = Float(v) / 255
                table[v] = (x - mean[channel]) / std[channel]
            }
            let out = destination + channel * plane
            table.withUnsafeBufferPointer { lookup in
                for p in 0..<plane {
                    out[p] = lookup[Int(pixels[p * 3 + channel])]
                }
            }
        }
    }
}
