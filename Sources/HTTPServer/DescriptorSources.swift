import Dispatch
import Glibc

/// The Dispatch read and write sources of one socket, with the bookkeeping Dispatch leaves to us:
/// suspend/resume calls must balance, a suspended source must be resumed before it is released, and
/// the descriptor may only be closed after every source on it has been cancelled.
final class DescriptorSources {
    private let descriptor: Int32
    private let queue: DispatchQueue
    private let readSource: DispatchSourceRead
    private var readRunning = false
    private var writeSource: DispatchSourceWrite?
    private var writeRunning = false
    private var liveSources = 1
    private var cancelled = false

    var onReadable: () -> Void = {}
    var onWritable: () -> Void = {}

    init(descriptor: Int32, queue: DispatchQueue) {
        self.descriptor = descriptor
        self.queue = queue
        readSource = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        readSource.setEventHandler { [unowned self] in onReadable() }
        readSource.setCancelHandler { [self] in sourceCancelled() }
    }

    func resumeReading() {
        guard !cancelled, !readRunning else { return }
        readRunning = true
        readSource.resume()
    }

    func pauseReading() {
        guard !cancelled, readRunning else { return }
        readRunning = false
        readSource.suspend()
    }

    func resumeWriting() {
        guard !cancelled, !writeRunning else { return }
        if writeSource == nil {
            let source = DispatchSource.makeWriteSource(fileDescriptor: descriptor, queue: queue)
            source.setEventHandler { [unowned self] in onWritable() }
            source.setCancelHandler { [self] in sourceCancelled() }
            writeSource = source
            liveSources += 1
        }
        writeRunning = true
        writeSource?.resume()
    }

    func pauseWriting() {
        guard !cancelled, writeRunning else { return }
        writeRunning = false
        writeSource?.suspend()
    }

    /// Cancels both sources; the descriptor is closed once both cancellations have completed. The
    /// cancel handlers keep this object alive until then.
    func cancel() {
        guard !cancelled else { return }
        cancelled = true
        onReadable = {}
        onWritable = {}
        if !readRunning { readSource.resume() }
        readSource.cancel()
        if let writeSource {
            if !writeRunning { writeSource.resume() }
            writeSource.cancel()
        }
    }

    private func sourceCancelled() {
        liveSources -= 1
        if liveSources == 0 { close(descriptor) }
    }
}
