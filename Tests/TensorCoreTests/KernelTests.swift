import Foundation
import TensorCore
import TestSupport
import XCTest

/// Each forward kernel against a plain Double-precision loop written from the PyTorch definition.
final class KernelTests: XCTestCase {
    func testLinearMatchesNaiveWithAndWithoutBias() {
        let M = 11, IC = 37, OC = 19
        let x = randomFloats(M * IC, seed: 10), w = randomFloats(OC * IC, seed: 11), bias = randomFloats(OC, seed: 12)
        for useBias in [true, false] {
            var out = [Float](repeating: .nan, count: M * OC)
            out.withUnsafeMutableBufferPointer { o in
                bias.withUnsafeBufferPointer { b in
                    Linear.forward(out: o.baseAddress!, inp: x, weight: w, bias: useBias ? b.baseAddress! : nil, rows: M, inFeatures: IC, outFeatures: OC)
                }
            }
            var expected = [Float](repeating: 0, count: M * OC)
            for i in 0..<M { for o in 0..<OC {
                var sum = useBias ? Double(bias[o]) : 0
                for k in 0..<IC { sum += Double(x[i * IC + k]) * Double(w[o * IC + k]) }
                expected[i * OC + o] = Float(sum)
            } }
            assertTensorsClose("linear(bias: \(useBias))", out, expected, tolerance: 1e-5)
        }
    }

    func testLayerNormMatchesDoublePrecisionDefinition() {
        for C in [5, 8, 64, 77] {
            let M = 9
            let x = randomFloats(M * C, seed: 20).enumerated().map { $0.element * 3 + Float($0.offset % 5) }  // non-zero means
            let gamma = randomFloats(C, seed: 21), beta = randomFloats(C, seed: 22)
            var out = [Float](repeating: .nan, count: M * C), mean = [Float](repeating: 0, count: M), rstd = mean
            LayerNorm.forward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: gamma, bias: beta, rows: M, channels: C, eps: 1e-6)
            var expected = [Float](repeating: 0, count: M * C)
            for r in 0..<M {
                let row = x[(r * C)..<((r + 1) * C)].map(Double.init)
                let mu = row.reduce(0, +) / Double(C)
                let variance = row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(C)
                let inv = 1 / (variance + 1e-6).squareRoot()
                XCTAssertEqual(Double(mean[r]), mu, accuracy: 1e-5)
                XCTAssertEqual(Double(rstd[r]), inv, accuracy: 1e-4 * inv)
                for c in 0..<C { expected[r * C + c] = Float((row[c] - mu) * inv * Double(gamma[c]) + Double(beta[c])) }
            }
            assertTensorsClose("layernorm C=\(C)", out, expected, tolerance: 1e-5)
        }
    }

    func testGELUTanhMatchesDefinition() {
        let x = (0..<2003).map { Float($0 - 1001) / 100 }  // -10.01 ... 10.01, odd count exercises the scalar tail
        var out = [Float](repeating: .nan, count: x.count)
        GELU.forward(out: &out, inp: x, count: x.count)
        let expected = x.map { v -> Float in
            let d = Double(v)
            return Float(0.5 * d * (1 + tanh((2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d))))
        }
        assertTensorsClose("gelu_tanh", out, expected, tolerance: 2e-6)
    }

    func testVectorExpRelativeErrorIsBelowTwoUlp() {
        var worst = 0.0
        var x: Float = -87
        while x < 88 {
            let relative = abs(Double(VectorMath.exp(x)) - Foundation.exp(Double(x))) / Foundation.exp(Double(x))
            worst = max(worst, relative)
            x += 0.0137
        }
        print("vector exp: worst relative error \(worst) over [-87, 88]")
        XCTAssertLessThan(worst, 2.5e-7)
        XCTAssertEqual(VectorMath.exp(0), 1)
    }

    func testSoftmaxRowsSumToOneAndMatchDefinition() {
        let rows = 6, N = 19
        var x = randomFloats(rows * N, seed: 30, std: 4)
        let input = x
        Softmax.forwardRows(&x, rows: rows, columns: N)
        var expected = [Float](repeating: 0, count: rows * N)
        for r in 0..<rows {
            let row = input[(r * N)..<((r + 1) * N)].map(Double.init)
            let m = row.max()!
            let e = row.map { Foundation.exp($0 - m) }
            let s = e.reduce(0, +)
            for j in 0..<N { expected[r * N + j] = Float(e[j] / s) }
        }
        assertTensorsClose("softmax", x, expected, tolerance: 3e-7)  // ~2 ulp at 1.0
    }

    func testAttentionMatchesNaiveMultiHeadAttention() {
        let B = 2, N = 5, NH = 3, HS = 4, C = NH * HS
        let qkv = randomFloats(B * N * 3 * C, seed: 40)
        var out = [Float](repeating: .nan, count: B * N * C)
        var probabilities = [Float](repeating: .nan, count: B * NH * N * N)
        Attention.forward(out: &out, probabilities: &probabilities, qkv: qkv, batch: B, tokens: N, channels: C, heads: NH)
        var expected = [Float](repeating: 0, count: B * N * C)
        var expectedProbabilities = [Float](repeating: 0, count: B * NH * N * N)
        let scale = 1 / Double(HS).squareRoot()
        for b in 0..<B { for h in 0..<NH { for i in 0..<N {
            var scores = [Double](repeating: 0, count: N)
            for j in 0..<N {
                var dot = 0.0
                for d in 0..<HS { dot += Double(qkv[(b * N + i) * 3 * C + h * HS + d]) * Double(qkv[(b * N + j) * 3 * C + C + h * HS + d]) }
                scores[j] = dot * scale
            }
            let m = scores.max()!
            let e = scores.map { Foundation.exp($0 - m) }
            let s = e.reduce(0, +)
            for j in 0..<N { expectedProbabilities[((b * NH + h) * N + i) * N + j] = Float(e[j] / s) }
            for d in 0..<HS {
                var sum = 0.0
                for j in 0..<N { sum += e[j] / s * Double(qkv[(b * N + j) * 3 * C + 2 * C + h * HS + d]) }
                expected[(b * N + i) * C + h * HS + d] = Float(sum)
            }
        } } }
        assertTensorsClose("attention probabilities", probabilities, expectedProbabilities, tolerance: 1e-6)
        assertTensorsClose("attention output", out, expected, tolerance: 1e-5)
    }

    func testPatchEmbeddingEqualsStridedConvolution() {
        let B = 2, CH = 3, H = 12, W = 12, P = 4, C = 5
        let N = (H / P) * (W / P)
        let pixels = randomFloats(B * CH * H * W, seed: 50)
        let weight = randomFloats(C * CH * P * P, seed: 51), bias = randomFloats(C, seed: 52)
        var out = [Float](repeating: .nan, count: B * N * C)
        var patches = [Float](repeating: 0, count: B * N * CH * P * P)
        PatchEmbedding.forward(out: &out, patches: &patches, pixels: pixels, weight: weight, bias: bias,
                               batch: B, channels: CH, height: H, width: W, patch: P, hidden: C)
        var expected = [Float](repeating: 0, count: B * N * C)
        for b in 0..<B { for gy in 0..<(H / P) { for gx in 0..<(W / P) { for o in 0..<C {
            var sum = Double(bias[o])
            for ch in 0..<CH { for ky in 0..<P { for kx in 0..<P {
                sum += Double(pixels[((b * CH + ch) * H + gy * P + ky) * W + gx * P + kx]) * Double(weight[((o * CH + ch) * P + ky) * P + kx])
            } } }
            expected[(b * N + gy * (W / P) + gx) * C + o] = Float(sum)
        } } } }
        assertTensorsClose("patch embedding (conv2d stride=kernel)", out, expected, tolerance: 1e-5)
    }

    func testMeanPoolPositionAddAndResidualAdd() {
        let B = 3, N = 4, C = 10
        let x = randomFloats(B * N * C, seed: 60)
        var pooled = [Float](repeating: .nan, count: B * C)
        MeanPool.forward(out: &pooled, inp: x, batch: B, tokens: N, channels: C)
        var expected = [Float](repeating: 0, count: B * C)
        for b in 0..<B { for c in 0..<C { expected[b * C + c] = Float((0..<N).map { Double(x[(b * N + $0) * C + c]) }.reduce(0, +) / Double(N)) } }
        assertTensorsClose("mean pool", pooled, expected, tolerance: 1e-6)

        let table = randomFloats(N * C, seed: 61)
        var y = x
        Elementwise.addRows(&y, table: table, batch: B, rows: N, channels: C)
        assertTensorsClose("position add", y, x.indices.map { x[$0] + table[$0 % (N * C)] }, tolerance: 0)

        var sum = [Float](repeating: 0, count: x.count)
        Elementwise.add(out: &sum, x, table + table + table, count: x.count)
        assertTensorsClose("residual add", sum, x.indices.map { x[$0] + (table + table + table)[$0] }, tolerance: 0)
    }

    func testParallelForVisitsEveryIndexExactlyOnce() {
        for count in [0, 1, 7, 1000] {
            let visits = UnsafeMutablePointer<Int32>.allocate(capacity: max(count, 1))
            visits.initialize(repeating: 0, count: max(count, 1))
            parallelFor(count, minimumPerChunk: 3) { range in for i in range { visits[i] += 1 } }
            XCTAssertTrue((0..<count).allSatisfy { visits[$0] == 1 }, "count \(count)")
            visits.deallocate()
        }
    }
}
