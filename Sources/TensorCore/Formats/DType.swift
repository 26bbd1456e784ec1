/// The element types of the safetensors format (README "Format"; safetensors/src/tensor.rs `Dtype`).
///
/// The raw value is the header's spelling. Only the float types and U8 are converted to Float here; the
/// rest are recognised so that a file holding them is still a valid file with a clear error on use.
public enum DType: String, CaseIterable, Sendable {
    case bool = "BOOL", f4 = "F4", f6E2M3 = "F6_E2M3", f6E3M2 = "F6_E3M2"
    case u8 = "U8", i8 = "I8", f8E5M2 = "F8_E5M2", f8E4M3 = "F8_E4M3", f8E8M0 = "F8_E8M0"
    case f8E4M3FNUZ = "F8_E4M3FNUZ", f8E5M2FNUZ = "F8_E5M2FNUZ"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", c64 = "C64", i64 = "I64", u64 = "U64"

    /// Bits per element.
    public var bits: Int {
        switch self {
        case .f4: return 4
        case .f6E2M3, .f6E3M2: return 6
        case .bool, .u8, .i8, .f8E5M2, .f8E4M3, .f8E8M0, .f8E4M3FNUZ, .f8E5M2FNUZ: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .f64, .c64, .i64, .u64: return 64
        }
    }

    /// The order safetensors' writer sorts by (descending): the declaration order of the Rust enum,
    /// which is roughly by size so that large elements come first and stay aligned.
    public var writeRank: Int { DType.allCases.firstIndex(of: self)! }

    /// Whether `SafetensorsFile.readFloats` can convert this type to Float.
    public var convertsToFloat: Bool { [.f32, .f16, .bf16, .f64, .u8].contains(self) }
}

/// Float conversions for the 16-bit storage types.
public enum HalfPrecision {
    /// BF16 → F32 is exact: the BF16 bits are the upper half of the F32 bits.
    @inlinable public static func floatFromBF16(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// F32 → BF16 with round-to-nearest-even, NaN kept as a quiet NaN (torch `.to(torch.bfloat16)`;
    /// c10/util/BFloat16.h `round_to_nearest_even`).
    @inlinable public static func bf16FromFloat(_ value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 | UInt16((value.bitPattern >> 16) & 0x8000) }
        let bits = value.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }

    /// F16 → F32 (exact, subnormals included).
    @inlinable public static func floatFromF16(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }

    /// F32 → F16 with round-to-nearest-even (IEEE conversion; overflow gives ±inf).
    @inlinable public static func f16FromFloat(_ value: Float) -> UInt16 { Float16(value).bitPattern }
}
