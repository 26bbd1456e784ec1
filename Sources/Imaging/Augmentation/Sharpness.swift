/// `torchvision.transforms.RandomAdjustSharpness` once it has decided to apply, on a PIL image:
/// `ImageEnhance.Sharpness(img).enhance(factor)` = `Image.blend(img.filter(SMOOTH), img, factor)`,
/// bit-exact with Pillow 13 on x86-64 (whose wheels use no FMA). REFERENCE.md 4.3.
///
/// This is not torchvision's tensor algorithm, which differs in kernel and rounding.
public func adjustSharpness(_ image: RGBImage, factor: Float) -> RGBImage {
    precondition(factor.isFinite, "adjustSharpness: the factor must be finite, got \(factor)")
    return blend(smooth(image), image, alpha: factor)
}

/// SMOOTH's weights (ImageFilter.py `SMOOTH`: 3×3 `[1,1,1, 1,5,1, 1,1,1]`, scale 13), divided by the
/// scale in float32 as `_imaging.c _filter` does (`kerneldata[i] /= divisor`, both FLOAT32):
/// 1/13 = 0x3D9D89D9, 5/13 = 0x3EC4EC4F.
let smoothEdgeWeight: Float = 1 / 13
let smoothCentreWeight: Float = 5 / 13

/// `img.filter(ImageFilter.SMOOTH)`: libImaging/Filter.c `ImagingFilter3x3`, per channel, in float32.
///
/// Interior pixels: `ss = 0.5` (offset 0 plus the rounding half), then one `ss += row` per kernel
/// row, where `row = (p[x−1]·k0 + p[x]·k1) + p[x+1]·k2` (the macro `KERNEL1x3`, summed left to
/// right). Kernel rows 0, 1, 2 apply to image rows y+1, y, y−1 in that order; the order of the
/// additions is what makes the float32 result exact, so it is kept as written and never fused.
/// The result is clamped to [0, 255] and truncated (`clip8`). The outer rows and columns are
/// copied, and an image narrower or shorter than 3 is returned unchanged (`ImagingFilter`).
func smooth(_ image: RGBImage) -> RGBImage {
    let width = image.width, height = image.height
    guard width >= 3 && height >= 3 else { return image }
    let k0 = smoothEdgeWeight, k1 = smoothEdgeWeight, k2 = smoothEdgeWeight
    let k3 = smoothEdgeWeight, k4 = smoothCentreWeight, k5 = smoothEdgeWeight
    let k6 = smoothEdgeWeight, k7 = smoothEdgeWeight, k8 = smoothEdgeWeight
    var pixels = image.pixels  // borders stay as they are
    image.pixels.withUnsafeBufferPointer { input in
        pixels.withUnsafeMutableBufferPointer { output in
            let stride = width * 3
            for y in 1..<(height - 1) {
                let below = input.baseAddress! + (y + 1) * stride
                let centre = input.baseAddress! + y * stride
                let above = input.baseAddress! + (y - 1) * stride
                for i in 3..<(stride - 3) {  // channel bytes of columns 1 ... W−2
                    var ss: Float = 0.5
                    ss += (Float(below[i - 3]) * k0 + Float(below[i]) * k1) + Float(below[i + 3]) * k2
                    ss += (Float(centre[i - 3]) * k3 + Float(centre[i]) * k4) + Float(centre[i + 3]) * k5
                    ss += (Float(above[i - 3]) * k6 + Float(above[i]) * k7) + Float(above[i + 3]) * k8
                    output[y * stride + i] = clip8(ss)
                }
            }
        }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

/// Filter.c `clip8`: clamp to [0, 255], then the C cast, which truncates.
@inline(__always)
private func clip8(_ value: Float) -> UInt8 {
    UInt8(value < 0 ? 0 : (value > 255 ? 255 : value))
}

/// `Image.blend(first, second, alpha)`: libImaging/Blend.c `ImagingBlend` with a float32 `alpha`.
///
/// Each byte is `first + alpha·(second − first)`, computed in float32 (C promotes the int
/// difference to float; no FMA on x86-64). Inside [0, 1] the result is truncated and needs no
/// clamp; outside it is clamped first (`≤ 0 → 0`, `≥ 255 → 255`, else truncated). `alpha` 0 and 1
/// are copies of `first` and `second`, which the formula also gives exactly.
func blend(_ first: RGBImage, _ second: RGBImage, alpha: Float) -> RGBImage {
    precondition(first.width == second.width && first.height == second.height, "blend: images differ in size")
    if alpha == 0 { return first }
    if alpha == 1 { return second }
    var pixels = [UInt8](repeating: 0, count: first.pixels.count)
    let interpolate = alpha >= 0 && alpha <= 1
    first.pixels.withUnsafeBufferPointer { a in
        second.pixels.withUnsafeBufferPointer { b in
            pixels.withUnsafeMutableBufferPointer { out in
                for i in 0..<out.count {
                    let value = Float(a[i]) + alpha * Float(Int(b[i]) - Int(a[i]))
                    if interpolate {
                        out[i] = UInt8(value)
                    } else {
                        out[i] = value <= 0 ? 0 : (value >= 255 ? 255 : UInt8(value))
                    }
                }
            }
        }
    }
    return RGBImage(width: first.width, height: first.height, pixels: pixels)
}
