import Foundation

/// A fixed set of threads running queued jobs in arrival order. Handlers may block for a long time
/// (a classify request waiting to be batched), which is why they run here and never on the event
/// queue, and why these are plain threads rather than Dispatch's global pool, whose width is not ours
/// to fill with blocked work.
final class HandlerPool {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var nextJob = 0
    private var stopping = false

    init(threadCount: Int, name: String) {
        for index in 0..<threadCount {
            let thread = Thread { [self] in runJobs() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    func submit(_ job: @escaping () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads finish the jobs queued so far, then end; returns without waiting for them.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func runJobs() {
        while let job = nextQueuedJob() { job() }
    }

    private func nextQueuedJob() -> (() -> Void)? {
        condition.lock()
        defer { condition.unlock() }
        while nextJob == jobs.count {
            if stopping { return nil }
            condition.wait()
        }
        let job = jobs[nextJob]
        nextJob += 1
        // Drop taken jobs now and then instead of shifting the array on every take.
        if nextJob == jobs.count || nextJob > 1024 {
            jobs.removeFirst(nextJob)
            nextJob = 0
        }
        return job
    }
}
