/// Python float semantics that Pillow's `Image.rotate` relies on, reproduced exactly.
enum PythonFloat {
    /// Python's `x % y` for floats (CPython `float_rem`): C `fmod`, then moved into the sign of the
    /// divisor, so `-30 % 360 == 330`. A zero remainder takes the divisor's sign.
    static func modulo(_ x: Double, _ y: Double) -> Double {
        var remainder = x.truncatingRemainder(dividingBy: y)  // C fmod: exact, sign of x
        if remainder != 0 {
            if (y < 0) != (remainder < 0) { remainder += y }
        } else {
            remainder = Double(signOf: y, magnitudeOf: 0)
        }
        return remainder
    }

    /// Python's `round(x, 15)`: the double nearest to the decimal that is `x` correctly rounded to 15
    /// places (ties to even). CPython gets it from `_Py_dg_dtoa(x, mode 3, 15)` followed by
    /// `_Py_dg_strtod`; it is decimal rounding of the exact binary value, which a `(x * 1e15).rounded() / 1e15`
    /// would not reproduce (the product is itself rounded). `Double(String(format: "%.15f", x))`
    /// gives the same answer with glibc; the integer arithmetic below gives it without Foundation or
    /// locale, and the tests check the two agree.
    ///
    /// How: `x = m · 2⁻ˢ` with an integer `m < 2⁵³`, so `x · 10¹⁵ = m · 10¹⁵ / 2ˢ` is an exact 128-bit
    /// quotient and remainder; rounding it half-to-even gives the integer `q` of the decimal
    /// `q / 10¹⁵`. For `|x| < 8`, `q < 2⁵³` is exact in a double and IEEE division returns the
    /// double nearest to `q / 10¹⁵`, as strtod does. For `|x| ≥ 8` one ulp exceeds 10⁻¹⁵, so the
    /// decimal lies within half an ulp of `x` and the answer is `x` itself.
    static func roundTo15Places(_ x: Double) -> Double {
        guard x.isFinite, x != 0, x.magnitude < 8 else { return x }
        let magnitude = x.magnitude
        // magnitude = significand · 2^(exponent), with a 53-bit integer significand.
        let significand = UInt128(magnitude.significandBitPattern | (magnitude.isNormal ? 1 << 52 : 0))
        let exponent = magnitude.isNormal ? Int(magnitude.exponent) - 52 : -1074
        guard exponent < 0 else { return x }  // an integer: nothing after the decimal point
        let shift = -exponent
        let scaled = significand * 1_000_000_000_000_000  // < 2^103
        let quotient: UInt128
        if shift >= 104 {
            quotient = 0  // scaled < 2^103 ≤ half of 2^shift: rounds to 0
        } else {
            let whole = scaled >> shift
            let remainder = scaled - (whole << shift)
            let half = UInt128(1) << (shift - 1)
            quotient = (remainder > half || (remainder == half && whole & 1 == 1)) ? whole + 1 : whole
        }
        return Double(signOf: x, magnitudeOf: Double(quotient) / 1e15)
    }
}
