import Dispatch

// The two 1-D passes of Pillow's separable resampling, for 3-byte RGB pixels.
// Sums are 32-bit integers seeded with 2^21 (one half in 22-bit fixed point), then shifted
// right by 22 (arithmetic) and clamped to 0...255 (Resample.c clip8). Every product is at most
// 255 * 2^22 and the taps sum to about 2^22, so nothing overflows; wrapping operators only
// skip the overflow checks.

/// Resample.c `_ImagingResampleHorizontal_8bpc`: each of `rows` rows of the input becomes a
/// row of `coefficients.outSize` pixels. `input` points at the first row to read.
func resampleHorizontally(
    input: UnsafePointer<UInt8>, inputRowBytes: Int, rows: Int,
    coefficients: ResampleCoefficients, output: UnsafeMutablePointer<UInt8>
) {
    let outWidth = coefficients.outSize
    let taps = coefficients.taps
    coefficients.weights.withUnsafeBufferPointer { weights in
    coefficients.start.withUnsafeBufferPointer { start in
    coefficients.count.withUnsafeBufferPointer { count in
        forEachRowChunk(rows: rows, workPerRow: outWidth * taps * 3) { chunk in
            for y in chunk {
                let inRow = input + y * inputRowBytes
                let outRow = output + y * outWidth * 3
                for xx in 0..<outWidth {
                    let k = weights.baseAddress! + xx * taps
                    var source = inRow + start[xx] * 3
                    var r: Int32 = 1 << (ResampleCoefficients.precisionBits - 1)
                    var g = r
                    var b = r
                    for x in 0..<count[xx] {
                        let w = k[x]
                        r = r &+ Int32(source[0]) &* w
                        g = g &+ Int32(source[1]) &* w
                        b = b &+ Int32(source[2]) &* w
                        source += 3
                    }
                    outRow[xx * 3 + 0] = clampedByte(r)
                    outRow[xx * 3 + 1] = clampedByte(g)
                    outRow[xx * 3 + 2] = clampedByte(b)
                }
            }
        }
    }}}
}

/// Resample.c `_ImagingResampleVertical_8bpc`: output row `i` mixes input rows
/// `start[i] ..< start[i] + count[i]`. The same weights apply to every byte of a row, so the
/// row is treated as `rowBytes` independent samples (accumulated row by row, cache friendly).
func resampleVertically(
    input: UnsafePointer<UInt8>, inputRowBytes: Int, rowBytes: Int,
    coefficients: ResampleCoefficients, output: UnsafeMutablePointer<UInt8>
) {
    let taps = coefficients.taps
    coefficients.weights.withUnsafeBufferPointer { weights in
    coefficients.start.withUnsafeBufferPointer { start in
    coefficients.count.withUnsafeBufferPointer { count in
        forEachRowChunk(rows: coefficients.outSize, workPerRow: rowBytes * taps) { chunk in
            let sums = UnsafeMutablePointer<Int32>.allocate(capacity: rowBytes)
            defer { sums.deallocate() }
            for yy in chunk {
                sums.update(repeating: 1 << (ResampleCoefficients.precisionBits - 1), count: rowBytes)
                for y in 0..<count[yy] {
                    let w = weights[yy * taps + y]
                    let inRow = input + (start[yy] + y) * inputRowBytes
                    for i in 0..<rowBytes {
                        sums[i] = sums[i] &+ Int32(inRow[i]) &* w
                    }
                }
                let outRow = output + yy * rowBytes
                for i in 0..<rowBytes {
                    outRow[i] = clampedByte(sums[i])
                }
            }
        }
    }}}
}

/// Resample.c `clip8`: drop the 22 fractional bits (arithmetic shift) and clamp to a byte.
@inline(__always)
func clampedByte(_ sum: Int32) -> UInt8 {
    let v = sum >> ResampleCoefficients.precisionBits
    return v < 0 ? 0 : v > 255 ? 255 : UInt8(truncatingIfNeeded: v)
}

/// Calls `body` on chunks covering `0..<rows`, on several threads when there is enough work
/// (`workPerRow` multiply-adds per row) to pay for the hand-off.
func forEachRowChunk(rows: Int, workPerRow: Int, _ body: (Range<Int>) -> Void) {
    let minimumParallelWork = 1 << 18
    let threads = ProcessInfoCache.activeProcessorCount
    guard rows > 1, threads > 1, rows * workPerRow >= minimumParallelWork else {
        body(0..<rows)
        return
    }
    let chunks = min(rows, threads * 4)
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        body((rows * chunk / chunks)..<(rows * (chunk + 1) / chunks))
    }
}
