import Dispatch
import Foundation

/// How many threads the non-GEMM kernels use. GEMMs use OpenBLAS's own pool (see `BLAS.threads`).
///
/// Long CPU work runs on dedicated threads (DispatchQueue.concurrentPerform), never on the Swift
/// concurrency cooperative pool, so a training job cannot starve request handling.
public enum ComputeThreads {
    nonisolated(unsafe) private static var _count = ProcessInfo.processInfo.activeProcessorCount

    /// The number of threads kernels split their work over (at least 1).
    public static var count: Int {
        get { _count }
        set { _count = max(1, newValue) }
    }
}

/// Runs `body` over `0..<count`, split into contiguous chunks processed in parallel.
///
/// - Parameters:
///   - count: the number of work items (rows, tokens, heads...).
///   - minimumPerChunk: chunks smaller than this are not worth a thread hop; small problems run inline.
///   - body: receives a half-open range of item indices; must only write memory owned by those items.
@inlinable
public func parallelFor(_ count: Int, minimumPerChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let maxChunks = max(1, min(ComputeThreads.count, count / max(1, minimumPerChunk)))
    if maxChunks == 1 { body(0..<count); return }
    let chunkSize = (count + maxChunks - 1) / maxChunks
    let chunks = (count + chunkSize - 1) / chunkSize
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = chunk * chunkSize
        body(start..<min(count, start + chunkSize))
    }
}
