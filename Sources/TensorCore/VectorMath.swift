/// SIMD elementwise math for the kernels: a vectorised exp and the operations built on it.
///
/// `exp` is the hot transcendental of the forward (softmax over N×N scores per head, and tanh-GELU
/// written as a logistic). libm's scalar `expf` costs ~20 ns; this 8-wide version costs ~1 ns per
/// element with a relative error below 2 ulp, far inside the 1e-5 parity budget.
public typealias Float8 = SIMD8<Float>

public enum VectorMath {
    /// e^x for eight lanes. Cephes-style: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r,
    /// then scale by 2^n through the exponent bits. Inputs are clamped to [-87.34, 88.38] so 2^n stays a
    /// normal float: very negative inputs give ~1e-38 instead of denormals or 0 (harmless where it is used:
    /// softmax numerators after max-subtraction and the logistic in GELU).
    ///
    /// Written with masks and bit casts only: the generic `pointwiseMin`, `rounded` and Int conversions
    /// of the standard library's SIMD types are not inlined and cost 5× more.
    @inlinable @inline(__always)
    public static func exp(_ input: Float8) -> Float8 {
        let high = Float8(repeating: 88.3762626647949), low = Float8(repeating: -87.3365447504019)
        var x = input.replacing(with: high, where: input .> high)
        x.replace(with: low, where: x .< low)
        // n = round(x·log2 e) with the 1.5·2^23 shifter: the sum's low mantissa bits hold n.
        let shifter = Float8(repeating: 12582912.0)
        let shifted = x * 1.44269504088896341 + shifter
        let n = shifted - shifter
        // Cody–Waite reduction keeps r exact: ln2 = 0.693359375 − 2.12194440e-4.
        var r = x - n * 0.693359375
        r = r - n * -2.12194440e-4
        var p = Float8(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let expR = p * (r * r) + r + 1
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(shifter, to: SIMD8<Int32>.self)
        return expR * unsafeBitCast((exponent &+ 127) &<< 23, to: Float8.self)
    }

    /// Lane-wise maximum (a mask select; the generic `pointwiseMax` is not inlined).
    @inlinable @inline(__always)
    public static func max(_ a: Float8, _ b: Float8) -> Float8 { a.replacing(with: b, where: b .> a) }

    /// e^x for one value through the vector path (keeps scalar tails numerically identical to lanes).
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(Float8(repeating: x))[0] }
}

extension UnsafeMutablePointer where Pointee == Float {
    @inlinable @inline(__always)
    func loadFloat8(at offset: Int) -> Float8 {
        UnsafeRawPointer(self + offset).loadUnaligned(as: Float8.self)
    }

    @inlinable @inline(__always)
    func storeFloat8(_ value: Float8, at offset: Int) {
        UnsafeMutableRawPointer(self + offset).storeBytes(of: value, as: Float8.self)
    }
}

extension UnsafePointer where Pointee == Float {
    @inlinable @inline(__always)
    func loadFloat8(at offset: Int) -> Float8 {
        UnsafeRawPointer(self + offset).loadUnaligned(as: Float8.self)
    }
}
