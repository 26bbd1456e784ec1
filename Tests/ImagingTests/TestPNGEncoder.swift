import Foundation

/// A minimal PNG writer for building test images: non-interlaced, filter type 0 on every row,
/// zlib "stored" (uncompressed) deflate blocks. Samples are given per row, channel-interleaved,
/// at the file's bit depth (e.g. 0...3 for 2-bit gray, 0...65535 for 16-bit).
enum TestPNGEncoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    enum ColorType: UInt8 {
        case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6
        var channels: Int {
            switch self {
            case .gray, .palette: return 1
            case .grayAlpha: return 2
            case .rgb: return 3
            case .rgba: return 4
            }
        }
    }

    static func encode(
        width: Int, height: Int, bitDepth: Int, colorType: ColorType, samples: [Int],
        palette: [[UInt8]]? = nil, transparency: [UInt8]? = nil
    ) -> Data {
        precondition(samples.count == width * height * colorType.channels)
        var raw: [UInt8] = []
        let rowSamples = width * colorType.channels
        for y in 0..<height {
            raw.append(0)  // filter type None
            raw += pack(Array(samples[y * rowSamples..<(y + 1) * rowSamples]), bitDepth: bitDepth)
        }
        var file = signature
        file += chunk("IHDR", ihdr(width: width, height: height, bitDepth: bitDepth, colorType: colorType))
        if let palette { file += chunk("PLTE", palette.flatMap { $0 }) }
        if let transparency { file += chunk("tRNS", transparency) }
        file += chunk("IDAT", zlibStored(raw))
        file += chunk("IEND", [])
        return Data(file)
    }

    static func ihdr(width: Int, height: Int, bitDepth: Int, colorType: ColorType) -> [UInt8] {
        bigEndian32(UInt32(width)) + bigEndian32(UInt32(height))
            + [UInt8(bitDepth), colorType.rawValue, 0, 0, 0]
    }

    /// length, type, data, CRC-32 of type + data (PNG spec 5.3).
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian32(UInt32(data.count)) + typeBytes + data + bigEndian32(crc32(typeBytes + data))
    }

    static func pack(_ values: [Int], bitDepth: Int) -> [UInt8] {
        switch bitDepth {
        case 16:
            return values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        case 8:
            return values.map { UInt8($0) }
        default:
            let perByte = 8 / bitDepth
            var out: [UInt8] = []
            for start in stride(from: 0, to: values.count, by: perByte) {
                var byte = 0
                for i in 0..<perByte {
                    let v = start + i < values.count ? values[start + i] : 0
                    byte |= v << (8 - bitDepth * (i + 1))
                }
                out.append(UInt8(byte))
            }
            return out
        }
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[offset..<offset + n]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return out + bigEndian32(b << 16 | a)
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }

    static func bigEndian32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
}
