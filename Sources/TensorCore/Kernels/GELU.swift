/// GELU, tanh approximation: `gelu_pytorch_tanh` → torch.nn.functional.gelu(x, approximate="tanh").
/// Reference: transformers activations.py `GELUTanh`:
///   gelu(x) = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
/// Computed as x·σ(2z) = x / (1 + e^(−2z)), the same function (1 + tanh z = 2σ(2z)) with one exp.
public enum GELU {
    @usableFromInline static let sqrtTwoOverPi: Float = 0.7978845608028654
    @usableFromInline static let cubicCoefficient: Float = 0.044715

    /// out[i] = gelu(inp[i]) for i < count. `out` may equal `inp`.
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        parallelFor(count, minimumPerChunk: 16_384) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                out.storeFloat8(gelu(inp.loadFloat8(at: i)), at: i)
                i += 8
            }
            while i < range.upperBound {
                out[i] = gelu(Float8(repeating: inp[i]))[0]
                i += 1
            }
        }
    }

    @inlinable @inline(__always)
    static func gelu(_ x: Float8) -> Float8 {
        let z = sqrtTwoOverPi * (x + cubicCoefficient * x * x * x)
        return x / (1 + VectorMath.exp(-2 * z))
    }
}

extension GELU {
    /// dinp[i] = gelu'(inp[i]) · dout[i]. `dinp` may equal `dout`.
    ///
    /// With s = σ(2z), z = √(2/π)(x + 0.044715x³): gelu(x) = x·s, so
    /// gelu'(x) = s + 2x·s(1−s)·√(2/π)(1 + 3·0.044715x²), the same function torch's tanh-GELU backward
    /// evaluates as 0.5(1 + tanh z) + 0.5x(1 − tanh²z)·z′ (aten GeluKernel, approximate="tanh").
    public static func backward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>, count: Int) {
        parallelFor(count, minimumPerChunk: 16_384) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                dinp.storeFloat8(derivative(inp.loadFloat8(at: i)) * dout.loadFloat8(at: i), at: i)
                i += 8
            }
            while i < range.upperBound {
                dinp[i] = derivative(Float8(repeating: inp[i]))[0] * dout[i]
                i += 1
            }
        }
    }

    @inlinable @inline(__always)
    static func derivative(_ x: Float8) -> Float8 {
        let x2 = x * x
        let z = sqrtTwoOverPi * (x + cubicCoefficient * x2 * x)
        let s = 1 / (1 + VectorMath.exp(-2 * z))
        return s + 2 * x * s * (1 - s) * sqrtTwoOverPi * (1 + 3 * cubicCoefficient * x2)
    }
}
