/// Pillow's transposes (`Image.transpose`, libImaging/Geometry.c). They move whole pixels, so they
/// are exact by construction; the formulas say where pixel (x, y) of the input lands.

/// `torchvision.transforms.RandomHorizontalFlip` on a PIL image: `img.transpose(FLIP_LEFT_RIGHT)`
/// (Geometry.c `ImagingFlipLeftRight`): `out[y][W−1−x] = in[y][x]`.
public func flipHorizontally(_ image: RGBImage) -> RGBImage {
    remap(image, width: image.width, height: image.height) { x, y in (image.width - 1 - x, y) }
}

/// `ROTATE_180` (Geometry.c `ImagingRotate180`): `out[H−1−y][W−1−x] = in[y][x]`.
func rotate180(_ image: RGBImage) -> RGBImage {
    remap(image, width: image.width, height: image.height) { x, y in (image.width - 1 - x, image.height - 1 - y) }
}

/// `ROTATE_90`, a quarter turn counter-clockwise (Geometry.c `ImagingRotate90`):
/// `out[W−1−x][y] = in[y][x]`; the output is H wide and W high.
func rotate90(_ image: RGBImage) -> RGBImage {
    remap(image, width: image.height, height: image.width) { x, y in (y, image.width - 1 - x) }
}

/// `ROTATE_270`, a quarter turn clockwise (Geometry.c `ImagingRotate270`):
/// `out[x][H−1−y] = in[y][x]`; the output is H wide and W high.
func rotate270(_ image: RGBImage) -> RGBImage {
    remap(image, width: image.height, height: image.width) { x, y in (image.height - 1 - y, x) }
}

/// Copies every input pixel (x, y) to output pixel `destination(x, y)`.
private func remap(_ image: RGBImage, width: Int, height: Int,
                   destination: (Int, Int) -> (x: Int, y: Int)) -> RGBImage {
    var pixels = [UInt8](repeating: 0, count: image.pixels.count)
    image.pixels.withUnsafeBufferPointer { input in
        pixels.withUnsafeMutableBufferPointer { output in
            for y in 0..<image.height {
                for x in 0..<image.width {
                    let target = destination(x, y)
                    let from = (y * image.width + x) * 3, to = (target.y * width + target.x) * 3
                    output[to] = input[from]
                    output[to + 1] = input[from + 1]
                    output[to + 2] = input[from + 2]
                }
            }
        }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}
