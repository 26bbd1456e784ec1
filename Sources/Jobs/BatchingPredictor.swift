import Foundation
import Imaging
import Inference

/// Collects concurrent classify requests for one model into shared forward passes: a request waits at
/// most `maxWait` for others to join, and a batch never exceeds the predictor's `maxBatch` images.
/// One dedicated thread runs the forwards, so requests never run the model concurrently.
public final class BatchingPredictor: @unchecked Sendable {
    public let predictor: Predictor
    public let maxWait: TimeInterval
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var stopped = false

    final class Pending {
        let images: [RGBImage]
        var logits: [[Float]]?
        init(images: [RGBImage]) { self.images = images }
    }

    public init(predictor: Predictor, maxWait: TimeInterval) {
        self.predictor = predictor
        self.maxWait = maxWait
        let thread = Thread { [weak self] in self?.loop() }
        thread.name = "sigtune-classify"
        thread.start()
    }

    /// Logits for `images`, computed together with whatever other requests arrive within `maxWait`.
    public func logits(_ images: [RGBImage]) -> [[Float]] {
        let pending = Pending(images: images)
        condition.withLock {
            queue.append(pending)
            condition.broadcast()
            while pending.logits == nil && !stopped { condition.wait() }
        }
        return pending.logits ?? predictor.logits(images)
    }

    func stop() { condition.withLock { stopped = true; condition.broadcast() } }

    private func loop() {
        while true {
            var batch: [Pending] = []
            condition.withLock {
                while queue.isEmpty && !stopped { condition.wait() }
                guard !stopped else { return }
                // Wait briefly for more requests unless the batch is already full.
                let deadline = Date().addingTimeInterval(maxWait)
                while queue.reduce(0, { $0 + $1.images.count }) < predictor.maxBatch && Date() < deadline {
                    _ = condition.wait(until: deadline)
                }
                var count = 0
                while let next = queue.first, batch.isEmpty || count + next.images.count <= predictor.maxBatch {
                    batch.append(queue.removeFirst())
                    count += next.images.count
                }
            }
            if batch.isEmpty { return }
            let results = predictor.logits(batch.flatMap(\.images))
            condition.withLock {
                var offset = 0
                for pending in batch {
                    pending.logits = Array(results[offset..<(offset + pending.images.count)])
                    offset += pending.images.count
                }
                condition.broadcast()
            }
        }
    }
}
