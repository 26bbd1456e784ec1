import Foundation

/// `torchvision.transforms.RandomRotation` on a PIL image once the angle is drawn: Pillow's
/// `img.rotate(degrees, Image.NEAREST, expand=False, center=None, fillcolor=fill)` (Image.py
/// `Image.rotate`), bit-exact with Pillow 13. REFERENCE.md 4.2.
///
/// - `degrees` is counter-clockwise and taken modulo 360 with Python's float `%`, so −90 becomes 270.
/// - Fast paths, as in Pillow: 0 returns the image, 180 is the `ROTATE_180` transpose, and 90 or
///   270 are the `ROTATE_90` / `ROTATE_270` transposes **only for square images**. A non-square
///   image at 90 or 270 takes the affine path like any other angle (the output keeps its size, so
///   the corners are cut off and black bars appear).
/// - Otherwise the inverse map (output → input) is built with entries rounded by Python's
///   `round(x, 15)` and sampled by nearest neighbour (`AffineNearest.swift`). Output pixels whose
///   source lies outside the image get `fill`.
public func rotate(_ image: RGBImage, degrees: Double, fill: (UInt8, UInt8, UInt8) = (0, 0, 0)) -> RGBImage {
    precondition(degrees.isFinite, "rotate: the angle must be finite, got \(degrees)")
    let angle = PythonFloat.modulo(degrees, 360)
    if angle == 0 { return image }
    if angle == 180 { return rotate180(image) }
    if (angle == 90 || angle == 270) && image.width == image.height {
        return angle == 90 ? rotate90(image) : rotate270(image)
    }
    let matrix = rotationMatrix(angle: angle, width: image.width, height: image.height)
    return affineNearest(image, matrix: matrix, fill: fill)
}

/// The output → input affine map of `Image.rotate` for `expand=False`, `center=None`,
/// `translate=None`, in Pillow's evaluation order (Image.py `Image.rotate`):
///
///     θ = −radians(angle)                       # math.radians: angle · (π / 180)
///     M = [round(cos θ, 15), round(sin θ, 15), 0, round(−sin θ, 15), round(cos θ, 15), 0]
///     M[2] = (M0·(−cx) + M1·(−cy) + 0) + cx      # transform(−cx, −cy, M), then += cx
///     M[5] = (M3·(−cx) + M4·(−cy) + 0) + cy      # with cx = W / 2, cy = H / 2
///
/// The rounding to 15 places is why a quarter turn has exact zeros on the diagonal.
func rotationMatrix(angle: Double, width: Int, height: Int) -> [Double] {
    let theta = -(angle * (Double.pi / 180))  // CPython math_radians: x * degToRad, degToRad = π / 180
    let cosine = cos(theta), sine = sin(theta)
    var m = [
        PythonFloat.roundTo15Places(cosine), PythonFloat.roundTo15Places(sine), 0.0,
        PythonFloat.roundTo15Places(-sine), PythonFloat.roundTo15Places(cosine), 0.0,
    ]
    let cx = Double(width) / 2, cy = Double(height) / 2
    let x = -cx, y = -cy
    let translatedX = m[0] * x + m[1] * y + m[2]
    let translatedY = m[3] * x + m[4] * y + m[5]
    m[2] = translatedX + cx
    m[5] = translatedY + cy
    return m
}
