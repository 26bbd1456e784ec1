/// Pillow's `Image.transform(size, AFFINE, a, NEAREST, fillcolor=…)` for an output the size of the
/// input, as `Image.rotate` uses it. libImaging/Geometry.c `ImagingTransformAffine` picks one of
/// three engines, reproduced here with their exact arithmetic:
///
/// - `a1 == 0 && a3 == 0` (no shear or rotation): `ImagingScaleAffine`, doubles with a pretabulated
///   column table.
/// - all four output corners map inside ±32768 (`check_fixed`): `affine_fixed`, 16.16 fixed point.
/// - otherwise (outputs wider than ~32768 pixels): the floating-point loop.
///
/// The output starts filled with `fill` (`Image.new(mode, size, fillcolor)`); because `fillcolor`
/// is given, Pillow passes `fill=0` to the C side, which then never clears pixels, so pixels whose
/// source falls outside keep `fill`.
func affineNearest(_ image: RGBImage, matrix a: [Double], fill: (UInt8, UInt8, UInt8)) -> RGBImage {
    precondition(a.count == 6, "affineNearest: an affine map has 6 entries, got \(a.count)")
    let width = image.width, height = image.height
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for p in 0..<(width * height) {
        pixels[p * 3] = fill.0
        pixels[p * 3 + 1] = fill.1
        pixels[p * 3 + 2] = fill.2
    }
    image.pixels.withUnsafeBufferPointer { input in
        pixels.withUnsafeMutableBufferPointer { output in
            // Output pixel (x, y) takes input pixel (sourceX, sourceY); all three channels.
            let copy = { (x: Int, y: Int, sourceX: Int, sourceY: Int) in
                let to = (y * width + x) * 3, from = (sourceY * width + sourceX) * 3
                output[to] = input[from]
                output[to + 1] = input[from + 1]
                output[to + 2] = input[from + 2]
            }
            if a[1] == 0 && a[3] == 0 {
                scaleAffine(a, width: width, height: height, copy: copy)
            } else if fitsFixedPoint(a, width: width, height: height) {
                fixedPointAffine(a, width: width, height: height, copy: copy)
            } else {
                floatingPointAffine(a, width: width, height: height, copy: copy)
            }
        }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

/// Geometry.c `COORD(v)`: `v < 0 ? −1 : (int)v`. Values at or beyond `size` only need to compare
/// as out of range, which also avoids the C cast's undefined behaviour for huge values.
private func coordinate(_ v: Double, size: Int) -> Int {
    v < 0 ? -1 : (v < Double(size) ? Int(v) : size)
}

/// Geometry.c `check_fixed` at the four corners (0,0), (W,H), (0,H), (W,0):
/// `|x·a0 + y·a1 + a2| < 32768 && |x·a3 + y·a4 + a5| < 32768`.
private func fitsFixedPoint(_ a: [Double], width: Int, height: Int) -> Bool {
    func inside(_ x: Int, _ y: Int) -> Bool {
        let (x, y) = (Double(x), Double(y))
        return abs(x * a[0] + y * a[1] + a[2]) < 32768.0 && abs(x * a[3] + y * a[4] + a[5]) < 32768.0
    }
    return inside(0, 0) && inside(width, height) && inside(0, height) && inside(width, 0)
}

/// Geometry.c `affine_fixed`. `FIX(v) = FLOOR(v · 65536 + 0.5)` with `FLOOR(v) = v < 0 ? floor(v) : (int)v`.
/// The start of each row folds in the half-pixel offset: `a2 = FIX(a2 + a0·0.5 + a1·0.5)` (left to
/// right). Each step adds a0 / a3 along the row and a1 / a4 between rows, in wrapping 32-bit
/// integers, and `>> 16` is an arithmetic shift (floor), so negative coordinates stay negative.
private func fixedPointAffine(_ a: [Double], width: Int, height: Int,
                              copy: (Int, Int, Int, Int) -> Void) {
    func fix(_ v: Double) -> Int32 {
        let scaled = v * 65536.0 + 0.5
        let floored = scaled < 0 ? scaled.rounded(.down) : scaled.rounded(.towardZero)
        // check_fixed bounds the corners, not a2 + 0.5·(a0 + a1); past int32 the C cast is
        // undefined and x86's cvttsd2si gives INT32_MIN, which only ever means "outside".
        return floored >= -2_147_483_648 && floored < 2_147_483_648 ? Int32(floored) : Int32.min
    }
    let a0 = fix(a[0]), a1 = fix(a[1]), a3 = fix(a[3]), a4 = fix(a[4])
    var rowX = fix(a[2] + a[0] * 0.5 + a[1] * 0.5)
    var rowY = fix(a[5] + a[3] * 0.5 + a[4] * 0.5)
    for y in 0..<height {
        var xx = rowX, yy = rowY
        for x in 0..<width {
            let sourceX = Int(xx >> 16)
            if sourceX >= 0 && sourceX < width {
                let sourceY = Int(yy >> 16)
                if sourceY >= 0 && sourceY < height { copy(x, y, sourceX, sourceY) }
            }
            xx &+= a0
            yy &+= a3
        }
        rowX &+= a1
        rowY &+= a4
    }
}

/// The floating-point loop at the end of Geometry.c `ImagingTransformAffine`, for maps the fixed
/// point cannot hold. Note its start differs in order from `affine_fixed`:
/// `xo = a2 + a1·0.5 + a0·0.5`, `yo = a5 + a4·0.5 + a3·0.5`; the coordinates accumulate by
/// repeated double additions and are truncated by `COORD`.
private func floatingPointAffine(_ a: [Double], width: Int, height: Int,
                                 copy: (Int, Int, Int, Int) -> Void) {
    var xo = a[2] + a[1] * 0.5 + a[0] * 0.5
    var yo = a[5] + a[4] * 0.5 + a[3] * 0.5
    for y in 0..<height {
        var xx = xo, yy = yo
        for x in 0..<width {
            let sourceX = coordinate(xx, size: width)
            if sourceX >= 0 && sourceX < width {
                let sourceY = coordinate(yy, size: height)
                if sourceY >= 0 && sourceY < height { copy(x, y, sourceX, sourceY) }
            }
            xx += a[0]
            yy += a[3]
        }
        xo += a[1]
        yo += a[4]
    }
}

/// Geometry.c `ImagingScaleAffine`, for maps without rotation (`a1 == a3 == 0`; for `rotate` this
/// needs an angle within ~1e-14 of a multiple of 360 that is not 0, e.g. `-1e-14 % 360 == 360.0`).
/// The source column of each output column is tabulated once (`xo = a2 + a0·0.5`, then `+= a0`);
/// columns are written only in `[xmin, xmax)`, the span between the first and last valid ones, and
/// a column inside that span without a valid source reads column 0 (Pillow's table is `calloc`ed).
private func scaleAffine(_ a: [Double], width: Int, height: Int,
                         copy: (Int, Int, Int, Int) -> Void) {
    var columns = [Int](repeating: 0, count: width)
    var xmin = width, xmax = 0
    var xo = a[2] + a[0] * 0.5
    for x in 0..<width {
        let sourceX = coordinate(xo, size: width)
        if sourceX >= 0 && sourceX < width {
            xmax = x + 1
            if x < xmin { xmin = x }
            columns[x] = sourceX
        }
        xo += a[0]
    }
    var yo = a[5] + a[4] * 0.5
    for y in 0..<height {
        let sourceY = coordinate(yo, size: height)
        if sourceY >= 0 && sourceY < height && xmin < xmax {
            for x in xmin..<xmax { copy(x, y, columns[x], sourceY) }
        }
        yo += a[4]
    }
}
