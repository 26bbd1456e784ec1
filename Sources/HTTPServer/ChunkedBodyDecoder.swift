import Foundation

/// Decodes a chunked request body (RFC 9112 §7.1) incrementally, as bytes arrive.
///
/// Framing errors are 400s (the connection then closes); a chunk whose size would take the body past
/// `maxBodyBytes` is refused with 413 as soon as its size line arrives, before its data is read.
struct ChunkedBodyDecoder {
    let maxBodyBytes: Int
    /// Cap on one size line with its extensions and on the trailer section.
    let maxLineBytes: Int

    private enum State {
        case sizeLine
        case data(remaining: Int)
        case dataEnd
        case trailer(bytesSoFar: Int)
        case done
    }

    private var state = State.sizeLine
    private(set) var totalBytes = 0

    init(maxBodyBytes: Int, maxLineBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
        self.maxLineBytes = maxLineBytes
    }

    var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    /// Consumes what it can of `input`, passing chunk data to `sink`; returns how many bytes it consumed.
    /// Stops after the final CRLF, leaving any following bytes (a pipelined request) unconsumed.
    mutating func decode(_ input: UnsafeRawBufferPointer,
                         into sink: (UnsafeRawBufferPointer) throws(RequestError) -> Void) throws(RequestError) -> Int {
        var offset = 0
        while offset < input.count {
            switch state {
            case .sizeLine:
                guard let lineFeed = RequestHeadParser.lineFeed(in: input, from: offset, limit: input.count - offset) else {
                    if input.count - offset > maxLineBytes { throw RequestError.badRequest("chunk size line too long") }
                    return offset
                }
                guard lineFeed - offset <= maxLineBytes else { throw RequestError.badRequest("chunk size line too long") }
                let line = try RequestHeadParser.lineContent(input, offset..<lineFeed)
                offset = lineFeed + 1
                let size = try Self.chunkSize(line)
                guard size <= maxBodyBytes - totalBytes else {
                    throw RequestError(413, "body_too_large", "the request body exceeds \(maxBodyBytes) bytes")
                }
                totalBytes += size
                state = size == 0 ? .trailer(bytesSoFar: 0) : .data(remaining: size)
            case .data(let remaining):
                let take = min(remaining, input.count - offset)
                try sink(UnsafeRawBufferPointer(rebasing: input[offset..<offset + take]))
                offset += take
                state = remaining == take ? .dataEnd : .data(remaining: remaining - take)
            case .dataEnd:
                // Chunk data must be followed by exactly CRLF (or LF); anything else means the sender
                // and we disagree about the chunk's length.
                if input[offset] == 0x0A {
                    offset += 1
                    state = .sizeLine
                } else if input[offset] == 0x0D {
                    guard offset + 1 < input.count else { return offset }
                    guard input[offset + 1] == 0x0A else { throw RequestError.badRequest("chunk data not followed by CRLF") }
                    offset += 2
                    state = .sizeLine
                } else {
                    throw RequestError.badRequest("chunk data longer than its size")
                }
            case .trailer(let bytesSoFar):
                // Trailer fields are parsed for validity and dropped: a recipient must not merge them into
                // the header section unless it knows the field allows it (RFC 9110 §6.5.1).
                guard let lineFeed = RequestHeadParser.lineFeed(in: input, from: offset, limit: input.count - offset) else {
                    if bytesSoFar + input.count - offset > maxLineBytes { throw trailerTooLarge }
                    return offset
                }
                let used = bytesSoFar + lineFeed + 1 - offset
                guard used <= maxLineBytes else { throw trailerTooLarge }
                let line = try RequestHeadParser.lineContent(input, offset..<lineFeed)
                offset = lineFeed + 1
                if line.isEmpty {
                    state = .done
                    return offset
                }
                _ = try RequestHeadParser.parseField(line)
                state = .trailer(bytesSoFar: used)
            case .done:
                return offset
            }
        }
        return offset
    }

    private var trailerTooLarge: RequestError {
        RequestError(431, "header_too_large", "the trailer section exceeds \(maxLineBytes) bytes")
    }

    /// chunk-size [ chunk-ext ]: hex digits, then optionally whitespace and ";" extensions, which are ignored.
    static func chunkSize(_ line: ArraySlice<UInt8>) throws(RequestError) -> Int {
        var size = 0
        var digits = 0
        var index = line.startIndex
        while index < line.endIndex, let value = PercentDecoding.hexValue(line[index]) {
            // 15 hex digits already exceed any body we accept; more would overflow Int.
            guard digits < 15 else { throw RequestError.badRequest("chunk size too large") }
            size = size << 4 | Int(value)
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw RequestError.badRequest("invalid chunk size") }
        var rest = line[index...]
        while let byte = rest.first, byte == 0x20 || byte == 0x09 { rest = rest.dropFirst() }
        guard rest.isEmpty || rest.first == UInt8(ascii: ";") else { throw RequestError.badRequest("invalid chunk size") }
        guard rest.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else {
            throw RequestError.badRequest("invalid chunk extension")
        }
        return size
    }
}
