import Glibc

/// Bytes read from a connection and not yet parsed. `read` goes straight into the buffer's spare
/// room (no intermediate copy, no zero-filling); consumed bytes are dropped from the front lazily.
final class InboundBuffer {
    private var storage: UnsafeMutableRawPointer?
    private var capacity = 0
    private var start = 0
    private var end = 0

    deinit { free(storage) }

    var count: Int { end - start }
    var isEmpty: Bool { start == end }

    /// One `read(2)` of up to `maxBytes`; returns its result and errno.
    func read(from descriptor: Int32, maxBytes: Int) -> (count: Int, errno: Int32) {
        if capacity - end < maxBytes {
            if start > 0, let storage {
                // Move the unparsed tail to the front before growing.
                memmove(storage, storage + start, end - start)
                end -= start
                start = 0
            }
            if capacity - end < maxBytes {
                let newCapacity = max(capacity * 2, end + maxBytes)
                guard let grown = realloc(storage, newCapacity) else { return (-1, ENOMEM) }
                storage = grown
                capacity = newCapacity
            }
        }
        let count = Glibc.read(descriptor, storage! + end, maxBytes)
        let error = errno
        if count > 0 { end += count }
        return (count, error)
    }

    func withReadableBytes<Result, Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Result) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(start: storage.map { UnsafeRawPointer($0 + start) }, count: end - start))
    }

    func consume(_ count: Int) {
        start += count
        if start == end {
            start = 0
            end = 0
        }
    }

    /// Empties the buffer and gives its memory back, so a thousand idle keep-alive connections do
    /// not each keep a read buffer.
    func clear() {
        free(storage)
        storage = nil
        capacity = 0
        start = 0
        end = 0
    }
}
