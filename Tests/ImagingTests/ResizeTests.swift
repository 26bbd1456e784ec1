import XCTest
@testable import Imaging

/// Resize results computed by hand from Resample.c's formulas (precompute_coeffs, 22-bit
/// fixed point, sums seeded with 2^21, >> 22, clamp), the pass-order rule, and NEAREST.
final class ResizeTests: XCTestCase {
    private func row(_ pixels: [[UInt8]]) -> RGBImage {
        RGBImage(width: pixels.count, height: 1, pixels: pixels.flatMap { $0 })
    }

    private func column(_ pixels: [[UInt8]]) -> RGBImage {
        RGBImage(width: 1, height: pixels.count, pixels: pixels.flatMap { $0 })
    }

    /// 2 → 1, both filters: scale 2, support 2 (bilinear) or 4 (bicubic), center 1.0, taps at
    /// t = ±0.25 get equal weights, normalised to 0.5 each = 2^21 in fixed point, so
    /// out = (2^21 + 2^21·(a + b)) >> 22 = ⌊(a + b + 1) / 2⌋.
    func testTwoPixelsToOne() {
        let a: [UInt8] = [10, 0, 255], b: [UInt8] = [21, 255, 255]
        let expected: [UInt8] = [16, 128, 255]  // ⌊32/2⌋, ⌊256/2⌋, ⌊511/2⌋
        for filter in [ResampleFilter.bilinear, .bicubic] {
            XCTAssertEqual(resize(row([a, b]), width: 1, height: 1, filter: filter).pixels, expected, "\(filter) width")
            XCTAssertEqual(resize(column([a, b]), width: 1, height: 1, filter: filter).pixels, expected, "\(filter) height")
        }
    }

    /// 1 → 3, both filters: every output reads the single input pixel with weight 1.0 = 2^22,
    /// so out = (2^21 + 2^22·v) >> 22 = v.
    func testOnePixelToThree() {
        let p: [UInt8] = [0, 77, 255]
        for filter in [ResampleFilter.bilinear, .bicubic] {
            XCTAssertEqual(resize(row([p]), width: 3, height: 1, filter: filter).pixels, p + p + p, "\(filter)")
            XCTAssertEqual(resize(column([p]), width: 1, height: 3, filter: filter).pixels, p + p + p, "\(filter)")
        }
    }

    /// 2 → 3 bilinear: scale 2/3, support 1. Output 0: center 1/3, xmin = (int)(-1/6) = 0,
    /// xmax = (int)(11/6) = 1, so one tap: a. Output 2 likewise reads only b. Output 1: center 1,
    /// taps t = ∓0.5 with weight 0.5 each: ⌊(a + b + 1) / 2⌋.
    func testTwoPixelsToThreeBilinear() {
        let a: [UInt8] = [0, 100, 255], b: [UInt8] = [255, 201, 0]
        let middle: [UInt8] = [128, 151, 128]
        XCTAssertEqual(resize(row([a, b]), width: 3, height: 1, filter: .bilinear).pixels, a + middle + b)
    }

    /// 2 → 3 bicubic (a = -0.5): support 2. Output 0: center 1/3, taps at t = 1/6 and 7/6:
    /// w0 = (1.5·t − 2.5)·t² + 1 = 0.9375, w1 = −0.5·(((t − 5)·t + 8)·t − 4) = −25/432;
    /// normalised 81/76 and −5/76, in fixed point (int)(0.5 + 81/76·2^22) = 4470245 and
    /// (int)(−0.5 − 5/76·2^22) = −275941. Output 2 mirrors it; output 1 is the rounded mean.
    ///   a = (100, 255, 0), b = (200, 0, 0):
    ///   out0 = (2^21 + 4470245·a − 275941·b) >> 22 = (93, 272 → 255, 0)
    ///   out1 = (2^21 + 2^21·(a + b)) >> 22        = (150, 128, 0)
    ///   out2 = (2^21 − 275941·a + 4470245·b) >> 22 = (207, −17 → 0, 0)
    func testTwoPixelsToThreeBicubicHasNegativeLobesAndClamps() {
        let a: [UInt8] = [100, 255, 0], b: [UInt8] = [200, 0, 0]
        XCTAssertEqual(resize(row([a, b]), width: 3, height: 1, filter: .bicubic).pixels,
                       [93, 255, 0, 150, 128, 0, 207, 0, 0])
        XCTAssertEqual(resize(column([a, b]), width: 1, height: 3, filter: .bicubic).pixels,
                       [93, 255, 0, 150, 128, 0, 207, 0, 0])
    }

    func testCoefficientsMatchHandComputation() {
        let bicubic = ResampleCoefficients(inSize: 2, outSize: 3, filter: .bicubic)
        XCTAssertEqual(bicubic.taps, 5)  // (int)ceil(2.0)·2 + 1
        XCTAssertEqual(bicubic.start, [0, 0, 0])
        XCTAssertEqual(bicubic.count, [2, 2, 2])
        XCTAssertEqual(Array(bicubic.weights[0..<2]), [4_470_245, -275_941])
        XCTAssertEqual(Array(bicubic.weights[5..<7]), [2_097_152, 2_097_152])
        XCTAssertEqual(Array(bicubic.weights[10..<12]), [-275_941, 4_470_245])
        // Downscale 5 → 2 bilinear: scale 2.5, support 2.5, center 1.25: xmin 0, xmax (int)4.25 = 4;
        // triangle at t = (j − 1.25 + 0.5)/2.5 = −0.3, 0.1, 0.5, 0.9 → 0.7, 0.9, 0.5, 0.1 (sum 2.2).
        let bilinear = ResampleCoefficients(inSize: 5, outSize: 2, filter: .bilinear)
        XCTAssertEqual(bilinear.start[0], 0)
        XCTAssertEqual(bilinear.count[0], 4)
        let expected = [0.7, 0.9, 0.5, 0.1].map { Int32(0.5 + $0 / 2.2 * 4_194_304) }
        for j in 0..<4 { XCTAssertEqual(Double(bilinear.weights[j]), Double(expected[j]), accuracy: 1) }
    }

    func testUnchangedSizeReturnsTheSameImage() {
        let image = RGBImage(width: 3, height: 2, pixels: (0..<18).map { UInt8($0 * 13) })
        for filter in [ResampleFilter.nearest, .bilinear, .bicubic] {
            XCTAssertEqual(resize(image, width: 3, height: 2, filter: filter), image)
        }
    }

    func testPassOrderRule() {
        // Pillow 13: vertical first iff inH > outH && (inH − outH) > 2·(inW − outW).
        let cases: [(Int, Int, Int, Int, Bool)] = [
            (17, 500, 224, 224, true),    // tall: 276 > 2·(−207)
            (500, 17, 224, 224, false),   // height grows
            (100, 100, 50, 50, false),    // 50 > 100 is false
            (100, 300, 90, 100, true),    // 200 > 20
            (300, 200, 224, 224, false),  // height grows
            (300, 400, 100, 100, false),  // 300 > 400 is false
            (300, 400, 200, 100, true),   // 300 > 200
            (300, 400, 150, 100, false),  // 300 > 300 is false: the boundary is strict
        ]
        for (inW, inH, outW, outH, verticalFirst) in cases {
            XCTAssertEqual(
                ResizePassOrder.pillow13.verticalPassFirst(
                    inputWidth: inW, inputHeight: inH, outputWidth: outW, outputHeight: outH),
                verticalFirst, "\(inW)x\(inH) -> \(outW)x\(outH)")
            XCTAssertFalse(ResizePassOrder.pillow11.verticalPassFirst(
                inputWidth: inW, inputHeight: inH, outputWidth: outW, outputHeight: outH))
        }
    }

    func testPassOrderChangesTheResultForTallImages() {
        let image = patternImage(width: 17, height: 500)
        let pillow13 = resize(image, width: 224, height: 224, filter: .bilinear, passOrder: .pillow13)
        let pillow11 = resize(image, width: 224, height: 224, filter: .bilinear, passOrder: .pillow11)
        let verticalThenHorizontal = resampleWidth(resampleHeight(image, to: 224, filter: .bilinear), to: 224, filter: .bilinear)
        let horizontalThenVertical = resampleHeight(resampleWidth(image, to: 224, filter: .bilinear), to: 224, filter: .bilinear)
        XCTAssertEqual(pillow13, verticalThenHorizontal)
        XCTAssertEqual(pillow11, horizontalThenVertical)
        XCTAssertNotEqual(pillow13, pillow11, "the two orders round the intermediate differently")
        let largest = zip(pillow13.pixels, pillow11.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        XCTAssertEqual(largest, 1)
    }

    /// Large images are split across threads; every row (column) must equal the same row
    /// (column) resized on its own, which takes the single-threaded path.
    func testParallelPassesEqualSingleRowPasses() {
        let image = patternImage(width: 300, height: 400)
        let wide = resampleWidth(image, to: 123, filter: .bicubic)
        for y in stride(from: 0, to: 400, by: 37) {
            let single = RGBImage(width: 300, height: 1, pixels: Array(image.pixels[y * 900..<(y + 1) * 900]))
            XCTAssertEqual(resampleWidth(single, to: 123, filter: .bicubic).pixels,
                           Array(wide.pixels[y * 369..<(y + 1) * 369]), "row \(y)")
        }
        let tall = resampleHeight(image, to: 151, filter: .bilinear)
        for x in stride(from: 0, to: 300, by: 41) {
            let single = RGBImage(width: 1, height: 400, pixels: columnBytes(image, x))
            XCTAssertEqual(columnBytes(tall, x), resampleHeight(single, to: 151, filter: .bilinear).pixels, "column \(x)")
        }
    }

    private func columnBytes(_ image: RGBImage, _ x: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for y in 0..<image.height {
            let offset: Int = (y * image.width + x) * 3
            bytes += image.pixels[offset..<offset + 3]
        }
        return bytes
    }

    /// NEAREST (Geometry.c ImagingScaleAffine): source = (int)(step/2 + i·step), step = in/out.
    func testNearest() {
        let p: [[UInt8]] = [[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3]]
        XCTAssertEqual(resize(row(p), width: 2, height: 1, filter: .nearest), row([p[1], p[3]]))   // 1.0, 3.0
        XCTAssertEqual(resize(row(Array(p[0..<2])), width: 4, height: 1, filter: .nearest),
                       row([p[0], p[0], p[1], p[1]]))                                             // .25 .75 1.25 1.75
        XCTAssertEqual(resize(column(Array(p[0..<3])), width: 1, height: 2, filter: .nearest),
                       column([p[0], p[2]]))                                                      // .75 2.25
    }

    /// Deterministic content with edges and noise, so rounding differences show up.
    private func patternImage(width: Int, height: Int) -> RGBImage {
        var state: UInt32 = 2024
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 1_664_525 &+ 1_013_904_223
                let noise = Int(state >> 27)
                let ramp: Int = x * 255 / max(1, width - 1)
                let stripes: Int = ((y / 7) % 2) * 200
                let diagonal: Int = (x * 31 + y * 17) % 256
                let base = (y * width + x) * 3
                pixels[base + 0] = UInt8((ramp + noise) % 256)
                pixels[base + 1] = UInt8(stripes + noise)
                pixels[base + 2] = UInt8(diagonal)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
