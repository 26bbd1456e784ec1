import Foundation

/// A regular file read by offset (zip) or in sequence (tar), never mapped or loaded whole.
final class FileReader {
    let fd: Int32
    let path: String
    let size: Int64

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestError.sourceNotFound(path: path) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw IngestError.unsupportedContainer(path: path, detail: "not a regular file")
        }
        self.fd = fd
        self.path = path
        self.size = Int64(info.st_size)
    }

    deinit { close(fd) }

    /// Fills `buffer` from `offset` as far as the file goes; returns the bytes read (short only at the end).
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestError.io(path: path, detail: "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    func bytes(at offset: Int64, count: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        let n = try result.withUnsafeMutableBytes { try read(at: offset, into: $0) }
        result.removeLast(count - n)
        return result
    }
}

/// Bytes in sequence. `read` returns 0 only at the end.
protocol ByteStream: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Skips `count` bytes; returns how many could be skipped before the end.
    func skip(_ count: Int64) throws -> Int64
}

/// A plain file in sequence. Every byte passed over counts towards `max_total_bytes`.
final class FileStream: ByteStream {
    private let file: FileReader
    private var offset: Int64
    private let tracker: LimitTracker

    init(_ file: FileReader, offset: Int64 = 0, tracker: LimitTracker) {
        self.file = file
        self.offset = offset
        self.tracker = tracker
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try file.read(at: offset, into: buffer)
        offset += Int64(n)
        try tracker.countBytes(n)
        return n
    }

    func skip(_ count: Int64) throws -> Int64 {
        let skipped = max(0, min(count, file.size - offset))
        offset += skipped
        try tracker.countBytes(Int(skipped))
        return skipped
    }
}

/// A gzip file decompressed as it is read (concatenated members allowed, as gzip writes them).
/// Every decompressed byte counts towards `max_total_bytes`, and the stream's ratio (all bytes out
/// over all bytes in) is checked as it grows: a gzip bomb stops at the limit.
final class GzipStream: ByteStream {
    private let file: FileReader
    private let tracker: LimitTracker
    private let inflater = Inflater(.gzip)
    private var input = [UInt8](repeating: 0, count: 1 << 16)
    private var inputStart = 0
    private var inputEnd = 0
    private var fileOffset: Int64 = 0
    private var compressedIn: Int64 = 0
    private var decompressedOut: Int64 = 0
    private var finished = false
    private var scratch = [UInt8](repeating: 0, count: 1 << 16)

    init(_ file: FileReader, tracker: LimitTracker) {
        self.file = file
        self.tracker = tracker
    }

    private func refill() throws -> Bool {
        if inputStart < inputEnd { return true }
        let n = try input.withUnsafeMutableBytes { try file.read(at: fileOffset, into: $0) }
        fileOffset += Int64(n)
        inputStart = 0
        inputEnd = n
        return n > 0
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if buffer.count == 0 { return 0 }
        while !finished {
            guard try refill() else {
                throw IngestError.truncated(entry: tracker.currentEntry, detail: "the gzip stream ends early")
            }
            let (consumed, produced, memberEnd) = try input.withUnsafeBytes { raw in
                do {
                    return try inflater.inflate(UnsafeRawBufferPointer(rebasing: raw[inputStart..<inputEnd]), into: buffer)
                } catch let error as InflateError {
                    throw IngestError.corrupt(entry: tracker.currentEntry, detail: "gzip: \(error.message)")
                }
            }
            inputStart += consumed
            compressedIn += Int64(consumed)
            decompressedOut += Int64(produced)
            if memberEnd { try startNextMember() }
            if produced > 0 {
                try tracker.countBytes(produced)
                try tracker.checkRatio(output: decompressedOut, input: compressedIn, entry: tracker.currentEntry,
                                       what: "the gzip stream")
                return produced
            }
        }
        return 0
    }

    /// After a member's end: another member follows (gzip magic), or the file ends. Trailing zero bytes
    /// (tape padding) are accepted, as gzip accepts them.
    private func startNextMember() throws {
        while try refill() {
            if input[inputStart] == 0 {
                inputStart += 1
                continue
            }
            inflater.reset()
            return
        }
        finished = true
    }

    func skip(_ count: Int64) throws -> Int64 {
        var remaining = count
        while remaining > 0 {
            let want = Int(min(remaining, Int64(scratch.count)))
            let n = try scratch.withUnsafeMutableBytes { try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
            if n == 0 { break }
            remaining -= Int64(n)
        }
        return count - remaining
    }
}
