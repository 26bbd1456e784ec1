/// Pillow's `Image.resize((width, height), filter)` on an RGB image, bit for bit.
///
/// - BILINEAR and BICUBIC are Pillow's antialiased separable convolution (Resample.c): the
///   kernel widens with the downscale factor, one pass per axis whose size changes, each pass
///   rounding to bytes. When both axes change, `passOrder` decides which pass runs first.
/// - NEAREST is Pillow's affine nearest-neighbour scale (Geometry.c `ImagingScaleAffine`).
/// - An unchanged size returns `image` itself, as Pillow returns a copy and torchvision's
///   `Resize` returns the input.
public func resize(
    _ image: RGBImage, width: Int, height: Int, filter: ResampleFilter,
    passOrder: ResizePassOrder = .pillow13
) -> RGBImage {
    precondition(width > 0 && height > 0, "resize: target size \(width)x\(height) must be positive")
    precondition(image.width > 0 && image.height > 0, "resize: empty source image")
    if width == image.width && height == image.height { return image }
    if filter == .nearest { return resizeNearest(image, width: width, height: height) }

    let resizesWidth = width != image.width
    let resizesHeight = height != image.height
    if resizesWidth && !resizesHeight {
        return resampleWidth(image, to: width, filter: filter)
    }
    if resizesHeight && !resizesWidth {
        return resampleHeight(image, to: height, filter: filter)
    }
    let verticalFirst = passOrder.verticalPassFirst(
        inputWidth: image.width, inputHeight: image.height, outputWidth: width, outputHeight: height)
    if verticalFirst {
        return resampleWidth(resampleHeight(image, to: height, filter: filter), to: width, filter: filter)
    }
    return resampleHeight(resampleWidth(image, to: width, filter: filter), to: height, filter: filter)
}

/// One horizontal pass: `image.width` → `width` columns, same rows.
func resampleWidth(_ image: RGBImage, to width: Int, filter: ResampleFilter) -> RGBImage {
    let coefficients = ResampleCoefficients(inSize: image.width, outSize: width, filter: filter)
    let pixels = [UInt8](unsafeUninitializedCapacity: width * image.height * 3) { output, count in
        image.pixels.withUnsafeBufferPointer { input in
            resampleHorizontally(
                input: input.baseAddress!, inputRowBytes: image.width * 3, rows: image.height,
                coefficients: coefficients, output: output.baseAddress!)
        }
        count = output.count
    }
    return RGBImage(width: width, height: image.height, pixels: pixels)
}

/// One vertical pass: `image.height` → `height` rows, same columns.
func resampleHeight(_ image: RGBImage, to height: Int, filter: ResampleFilter) -> RGBImage {
    let coefficients = ResampleCoefficients(inSize: image.height, outSize: height, filter: filter)
    let rowBytes = image.width * 3
    let pixels = [UInt8](unsafeUninitializedCapacity: rowBytes * height) { output, count in
        image.pixels.withUnsafeBufferPointer { input in
            resampleVertically(
                input: input.baseAddress!, inputRowBytes: rowBytes, rowBytes: rowBytes,
                coefficients: coefficients, output: output.baseAddress!)
        }
        count = output.count
    }
    return RGBImage(width: image.width, height: height, pixels: pixels)
}
