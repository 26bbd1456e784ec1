import CZlib
import Foundation

// zlib, behind two small classes. Datasets is the one Swift module that imports CZlib: zip entries are
// raw deflate, .tar.gz/.tgz are gzip; tests write their archives with `Deflater` and `crc32`.

/// Streaming decompression of raw deflate (zip method 8) or gzip (RFC 1952, concatenated members allowed).
final class Inflater {
    enum Format { case rawDeflate, gzip }

    /// zlib requires the `z_stream` not to move between calls (it keeps a pointer back to it), so it lives
    /// on the heap rather than in a Swift stored property.
    private let stream: UnsafeMutablePointer<z_stream>
    let format: Format

    init(_ format: Format) {
        self.format = format
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let windowBits: Int32 = format == .rawDeflate ? -15 : 16 + 15
        let status = inflateInit2_(stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "zlib: inflateInit2 failed (\(status))")
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Starts a new stream (the next gzip member).
    func reset() { inflateReset(stream) }

    /// Decompresses from `input` into `output` as far as either allows.
    /// - Returns: bytes consumed and produced, and whether the end of the (member) stream was reached.
    /// - Throws: `InflateError` on corrupt data.
    func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws
        -> (consumed: Int, produced: Int, finished: Bool) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let status = CZlib.inflate(stream, Z_NO_FLUSH)
        let consumed = input.count - Int(stream.pointee.avail_in)
        let produced = output.count - Int(stream.pointee.avail_out)
        switch status {
        case Z_OK: return (consumed, produced, false)
        case Z_STREAM_END: return (consumed, produced, true)
        case Z_BUF_ERROR: return (consumed, produced, false)   // no progress possible: needs more input
        default:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw InflateError(message: message)
        }
    }
}

struct InflateError: Error, CustomStringConvertible {
    let message: String
    var description: String { "invalid compressed data: \(message)" }
}

/// Streaming compression: raw deflate (zip), zlib (PNG) or gzip. Used by tests to build archives and
/// images; ingest never compresses.
final class Deflater {
    enum Format { case rawDeflate, zlib, gzip }
    private let stream: UnsafeMutablePointer<z_stream>

    init(_ format: Format, level: Int32 = 6) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let windowBits: Int32 = format == .rawDeflate ? -15 : format == .zlib ? 15 : 16 + 15
        let status = deflateInit2_(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
                                   zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "zlib: deflateInit2 failed (\(status))")
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses `input`; with `finish` the stream is ended and everything flushed.
    func compress(_ input: [UInt8], finish: Bool) -> [UInt8] {
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        input.withUnsafeBufferPointer { inputBuffer in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.pointee.avail_in = uInt(inputBuffer.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = uInt(out.count)
                    let status = deflate(stream, finish ? Z_FINISH : Z_NO_FLUSH)
                    return (status, out.count - Int(stream.pointee.avail_out))
                }
                output += chunk.prefix(produced)
                if finish ? status == Z_STREAM_END : stream.pointee.avail_in == 0 && produced < chunk.count { break }
                precondition(status == Z_OK || status == Z_BUF_ERROR, "zlib: deflate failed (\(status))")
            }
        }
        return output
    }

    /// One-shot compression of `bytes`.
    static func compress(_ bytes: [UInt8], _ format: Format, level: Int32 = 6) -> [UInt8] {
        Deflater(format, level: level).compress(bytes, finish: true)
    }
}

/// CRC-32 as zip and gzip use it, continued from `crc` over `bytes`.
func crc32Update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
    return UInt32(crc32_z(uLong(crc), base.assumingMemoryBound(to: Bytef.self), bytes.count))
}

func crc32Of(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBytes { crc32Update(0, $0) }
}
