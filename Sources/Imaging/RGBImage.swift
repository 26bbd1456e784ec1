/// An 8-bit RGB image laid out as Pillow holds it after `convert("RGB")` and as
/// `numpy.asarray(image)` shows it: row-major, height × width × 3 (HWC).
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major HWC bytes: channel `c` of pixel (`x`, `y`) is at `(y * width + x) * 3 + c`.
    public var pixels: [UInt8]

    /// Wraps existing bytes. `pixels.count` must be `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "RGBImage: negative size \(width)x\(height)")
        precondition(
            pixels.count == width * height * 3,
            "RGBImage: \(pixels.count) bytes given, \(width)x\(height)x3 = \(width * height * 3) needed")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
