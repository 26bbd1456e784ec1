// Python's str.format behaviour for the few specs the classification report uses.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `"{:.{digits}f}".format(value)`: fixed point, correctly rounded from the exact binary value with ties
/// to even. C's printf does exactly this (glibc formats from the exact binary expansion), and it is
/// independent of the locale here because the program never calls setlocale, so "." is the separator.
func pythonFixed(_ value: Double, digits: Int) -> String {
    if value.isNaN { return "nan" }   // Python prints nan/inf without a sign for NaN
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    var buffer = [CChar](repeating: 0, count: 400)   // 1e308 with a few digits fits
    _ = withVaList([Int32(digits), value]) { arguments in
        buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, "%.*f", arguments) }
    }
    return String(cString: buffer)
}

/// `"{:>{width}}".format(text)`: right-aligned with spaces. Python measures `len` in code points
/// (Unicode scalars), not grapheme clusters or UTF-8 bytes, so a name with combining marks or emoji is
/// padded as Python pads it. Text longer than `width` is kept whole.
func pythonRightAligned(_ text: String, width: Int) -> String {
    let length = text.unicodeScalars.count
    return length >= width ? text : String(repeating: " ", count: width - length) + text
}
