/// Pillow's `Image.resize(size, NEAREST)`: `_imaging.c _resize` builds the affine map
/// `a = [inW/outW, 0, 0, 0, inH/outH, 0]` and Geometry.c `ImagingScaleAffine` samples it.
/// The source coordinate starts at half a step and is advanced by repeated double additions,
/// so accumulated rounding decides ties exactly as in Pillow; `COORD(v)` truncates.
func resizeNearest(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
    // Source index of each output column (or row), -1 when it falls outside the source;
    // such pixels stay black, as Pillow's fill=1 clears them.
    func sourceIndices(inSize: Int, outSize: Int) -> [Int] {
        // box[2] - box[0] is a float in Pillow; exact below 2^24.
        let step = Double(Float(inSize)) / Double(outSize)
        var position = step * 0.5
        var indices = [Int](repeating: -1, count: outSize)
        for i in 0..<outSize {
            let index = position < 0 ? -1 : Int(position)
            if index >= 0 && index < inSize { indices[i] = index }
            position += step
        }
        return indices
    }
    let columns = sourceIndices(inSize: image.width, outSize: width)
    let rows = sourceIndices(inSize: image.height, outSize: height)
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    image.pixels.withUnsafeBufferPointer { input in
        pixels.withUnsafeMutableBufferPointer { output in
            for (y, sourceRow) in rows.enumerated() where sourceRow >= 0 {
                let inRow = input.baseAddress! + sourceRow * image.width * 3
                let outRow = output.baseAddress! + y * width * 3
                for (x, sourceColumn) in columns.enumerated() where sourceColumn >= 0 {
                    outRow[x * 3 + 0] = inRow[sourceColumn * 3 + 0]
                    outRow[x * 3 + 1] = inRow[sourceColumn * 3 + 1]
                    outRow[x * 3 + 2] = inRow[sourceColumn * 3 + 2]
                }
            }
        }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}
