import Foundation
import TensorCore
import TestSupport
import XCTest

/// Every kernel's backward against central finite differences of a Double-precision forward written
/// from the PyTorch definition. The loss is L = Σ dout ⊙ forward(x) for a fixed random dout, so
/// ∂L/∂x is exactly what the backward computes.
final class BackwardKernelTests: XCTestCase {
    /// Central differences of `f` at `x` (Double), step h.
    func numericalGradient(_ x: [Double], h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Float] {
        var x = x
        return x.indices.map { i in
            let original = x[i]
            x[i] = original + h
            let plus = f(x)
            x[i] = original - h
            let minus = f(x)
            x[i] = original
            return Float((plus - minus) / (2 * h))
        }
    }

    func dot(_ a: [Double], _ b: [Float]) -> Double { zip(a, b).map { $0 * Double($1) }.reduce(0, +) }

    func layerNormReference(_ x: [Double], _ gamma: [Double], _ beta: [Double], rows: Int, C: Int) -> [Double] {
        var out = [Double](repeating: 0, count: x.count)
        for r in 0..<rows {
            let row = Array(x[(r * C)..<((r + 1) * C)])
            let mu = row.reduce(0, +) / Double(C)
            let variance = row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(C)
            for c in 0..<C { out[r * C + c] = (row[c] - mu) / (variance + 1e-6).squareRoot() * gamma[c] + beta[c] }
        }
        return out
    }

    func testLayerNormBackward() {
        let M = 3, C = 13
        let x = randomFloats(M * C, seed: 1), gamma = randomFloats(C, seed: 2), beta = randomFloats(C, seed: 3)
        let dout = randomFloats(M * C, seed: 4)
        var out = [Float](repeating: 0, count: M * C), mean = [Float](repeating: 0, count: M), rstd = mean
        LayerNorm.forward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: gamma, bias: beta, rows: M, channels: C, eps: 1e-6)
        var dx = [Float](repeating: 0.5, count: M * C)  // accumulates onto what is there
        var dgamma = [Float](repeating: 0, count: C), dbeta = dgamma
        LayerNorm.backward(dinp: &dx, dweight: &dgamma, dbias: &dbeta, dout: dout, inp: x, weight: gamma,
                           mean: mean, rstd: rstd, rows: M, channels: C)
        let xd = x.map(Double.init), gd = gamma.map(Double.init), bd = beta.map(Double.init)
        let expectedDx = numericalGradient(xd) { dot(layerNormReference($0, gd, bd, rows: M, C: C), dout) }.map { $0 + 0.5 }
        assertTensorsClose("layernorm dx (accumulated onto 0.5)", dx, expectedDx, tolerance: 2e-4)
        assertTensorsClose("layernorm dγ", dgamma, numericalGradient(gd) { dot(layerNormReference(xd, $0, bd, rows: M, C: C), dout) }, tolerance: 2e-4)
        assertTensorsClose("layernorm dβ", dbeta, numericalGradient(bd) { dot(layerNormReference(xd, gd, $0, rows: M, C: C), dout) }, tolerance: 2e-4)
    }

    func testGELUBackward() {
        let x = (0..<41).map { Float($0 - 20) / 4 }
        let dout = randomFloats(x.count, seed: 5)
        var dx = [Float](repeating: 0, count: x.count)
        GELU.backward(dinp: &dx, inp: x, dout: dout, count: x.count)
        let gelu = { (v: Double) in 0.5 * v * (1 + tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v))) }
        let expected = numericalGradient(x.map(Double.init)) { dot($0.map(gelu), dout) }
        assertTensorsClose("gelu dx", dx, expected, tolerance: 2e-5)
    }

    func testLinearBackward() {
        let M = 5, IC = 7, OC = 4
        let x = randomFloats(M * IC, seed: 6), w = randomFloats(OC * IC, seed: 7), b = randomFloats(OC, seed: 8)
        let dout = randomFloats(M * OC, seed: 9)
        var dx = [Float](repeating: .nan, count: M * IC), dw = [Float](repeating: 1, count: OC * IC), db = [Float](repeating: 1, count: OC)
        let ones = [Float](repeating: 1, count: M)
        Linear.backward(dinp: &dx, dweight: &dw, dbias: &db, dout: dout, inp: x, weight: w, ones: ones, rows: M, inFeatures: IC, outFeatures: OC)
        func linear(_ x: [Double], _ w: [Double], _ b: [Double]) -> [Double] {
            (0..<(M * OC)).map { i in b[i % OC] + (0..<IC).map { x[(i / OC) * IC + $0] * w[(i % OC) * IC + $0] }.reduce(0, +) }
        }
        let (xd, wd, bd) = (x.map(Double.init), w.map(Double.init), b.map(Double.init))
        assertTensorsClose("linear dx", dx, numericalGradient(xd) { dot(linear($0, wd, bd), dout) }, tolerance: 1e-4)
        assertTensorsClose("linear dW (accumulated onto 1)", dw, numericalGradient(wd) { dot(linear(xd, $0, bd), dout) }.map { $0 + 1 }, tolerance: 1e-4)
        assertTensorsClose("linear db (accumulated onto 1)", db, numericalGradient(bd) { dot(linear(xd, wd, $0), dout) }.map { $0 + 1 }, tolerance: 1e-4)
    }

    func testAttentionBackward() {
        let B = 2, N = 4, NH = 2, HS = 3, C = NH * HS
        let qkv = randomFloats(B * N * 3 * C, seed: 10)
        let dout = randomFloats(B * N * C, seed: 11)
        var out = [Float](repeating: 0, count: B * N * C), probabilities = [Float](repeating: 0, count: B * NH * N * N)
        Attention.forward(out: &out, probabilities: &probabilities, qkv: qkv, batch: B, tokens: N, channels: C, heads: NH)
        var dqkv = [Float](repeating: .nan, count: qkv.count), scratch = [Float](repeating: 0, count: probabilities.count)
        Attention.backward(dqkv: &dqkv, scratch: &scratch, dout: dout, qkv: qkv, probabilities: probabilities, batch: B, tokens: N, channels: C, heads: NH)
        func attention(_ qkv: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: B * N * C)
            let scale = 1 / Double(HS).squareRoot()
            for b in 0..<B { for h in 0..<NH { for i in 0..<N {
                var scores = [Double](repeating: 0, count: N)
                for j in 0..<N {
                    for d in 0..<HS {
                        let q: Double = qkv[(b * N + i) * 3 * C + h * HS + d]
                        let k: Double = qkv[(b * N + j) * 3 * C + C + h * HS + d]
                        scores[j] += q * k * scale
                    }
                }
                let m = scores.max()!
                let e = scores.map { Foundation.exp($0 - m) }
                let s = e.reduce(0, +)
                for d in 0..<HS {
                    var sum = 0.0
                    for j in 0..<N { sum += e[j] / s * qkv[(b * N + j) * 3 * C + 2 * C + h * HS + d] }
                    out[(b * N + i) * C + h * HS + d] = sum
                }
            } } }
            return out
        }
        assertTensorsClose("attention dqkv", dqkv, numericalGradient(qkv.map(Double.init)) { dot(attention($0), dout) }, tolerance: 1e-4)
    }

    func testPatchPositionAndPoolBackward() {
        let B = 2, N = 3, C = 4
        let dx = randomFloats(B * N * C, seed: 12)
        var dtable = [Float](repeating: 0, count: N * C)
        Elementwise.addRowsBackward(dtable: &dtable, dx: dx, batch: B, rows: N, channels: C)
        assertTensorsClose("position dtable", dtable, (0..<(N * C)).map { dx[$0] + dx[N * C + $0] }, tolerance: 1e-6)

        let dpooled = randomFloats(B * C, seed: 13)
        var dinp = [Float](repeating: .nan, count: B * N * C)
        MeanPool.backward(dinp: &dinp, dout: dpooled, batch: B, tokens: N, channels: C)
        assertTensorsClose("mean pool dinp", dinp, (0..<(B * N * C)).map { dpooled[($0 / (N * C)) * C + $0 % C] / Float(N) }, tolerance: 0)

        // Patch embedding weights: the same as a linear layer over the unfolded patches.
        let CH = 1, H = 4, W = 4, P = 2, hidden = 3
        let tokens = B * (H / P) * (W / P)
        let pixels = randomFloats(B * CH * H * W, seed: 14)
        var patches = [Float](repeating: 0, count: tokens * CH * P * P)
        PatchEmbedding.unfold(patches: &patches, pixels: pixels, batch: B, channels: CH, height: H, width: W, patch: P)
        let dout = randomFloats(tokens * hidden, seed: 15)
        var dw = [Float](repeating: 0, count: hidden * CH * P * P), db = [Float](repeating: 0, count: hidden)
        let ones = [Float](repeating: 1, count: tokens)
        PatchEmbedding.backward(dweight: &dw, dbias: &db, dout: dout, patches: patches, ones: ones, tokens: tokens, patchLength: CH * P * P, hidden: hidden)
        var expectedW = [Float](repeating: 0, count: dw.count)
        for o in 0..<hidden { for p in 0..<(CH * P * P) { expectedW[o * CH * P * P + p] = (0..<tokens).map { dout[$0 * hidden + o] * patches[$0 * CH * P * P + p] }.reduce(0, +) } }
        assertTensorsClose("patch dW", dw, expectedW, tolerance: 1e-5)
        assertTensorsClose("patch db", db, (0..<hidden).map { o in (0..<tokens).map { dout[$0 * hidden + o] }.reduce(0, +) }, tolerance: 1e-5)
    }
}
