import Foundation
import Training

/// What a worker runs for a job: given the record and a control, trains and returns the new model's id.
public protocol JobRunner: Sendable {
    func run(_ job: JobRecord, control: JobControl) throws -> String
}

/// A running job's line back to the pool: whether to stop, and where to report progress.
public final class JobControl: @unchecked Sendable {
    public let jobID: String
    let pool: WorkerPool

    init(jobID: String, pool: WorkerPool) {
        self.jobID = jobID
        self.pool = pool
    }

    /// `.cancel` when the job was cancelled, `.suspend` when the server is shutting down.
    public var stopRequest: Trainer.StopRequest? {
        if pool.isShuttingDown { return .suspend }
        return pool.store.get(jobID)?.cancelRequested == true ? .cancel : nil
    }

    /// Records progress in the job and tells subscribers.
    public func report(_ event: TrainingEvent) {
        pool.handle(event, job: jobID)
    }
}

/// Runs queued jobs on dedicated threads (never the Swift concurrency pool), oldest first.
/// One worker by default: on a small machine two trainings would only share the same cores.
public final class WorkerPool: @unchecked Sendable {
    public let store: JobStore
    public let events: JobEventHub
    let runner: JobRunner
    let workers: Int
    private let condition = NSCondition()
    private var stopping = false
    private var running = 0
    private var threads: [Thread] = []
    private var lastPersisted: [String: Date] = [:]

    public init(store: JobStore, events: JobEventHub, runner: JobRunner, workers: Int = 1) {
        self.store = store
        self.events = events
        self.runner = runner
        self.workers = max(1, workers)
    }

    var isShuttingDown: Bool { condition.withLock { stopping } }

    /// Jobs being trained right now.
    public var activeJobs: Int { condition.withLock { running } }

    public func start() {
        for index in 0..<workers {
            let thread = Thread { [weak self] in self?.workLoop() }
            thread.name = "sigtune-worker-\(index)"
            thread.stackSize = 8 << 20
            threads.append(thread)
            thread.start()
        }
    }

    /// Wakes a worker (after a job was queued).
    public func notify() { condition.withLock { condition.broadcast() } }

    /// Cancels a job: a queued one at once, a running one at its next step.
    public func cancel(_ id: String) throws -> JobRecord {
        let job = try store.update(id) { job in
            switch job.status {
            case .queued:
                job.status = .cancelled
                job.finishedAt = Date()
            case .running:
                job.cancelRequested = true
            case .succeeded, .failed, .cancelled:
                throw JobStore.StoreError.conflict("job \(id) is already \(job.status.rawValue)")
            }
        }
        if job.status == .cancelled { events.publish(job: id, kind: "state", payload: ["status": "cancelled"]) }
        return job
    }

    /// Stops taking jobs; running ones write a checkpoint and go back to the queue. Waits up to `timeout`.
    public func shutdown(timeout: TimeInterval = 120) {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
        let deadline = Date().addingTimeInterval(timeout)
        condition.withLock {
            while running > 0 && Date() < deadline { _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.2))) }
        }
    }

    private func workLoop() {
        while true {
            var job: JobRecord?
            condition.withLock {
                while !stopping {
                    job = try? store.claimNextQueued()
                    if job != nil { running += 1; return }
                    _ = condition.wait(until: Date().addingTimeInterval(5))
                }
            }
            guard let claimed = job else { return }
            execute(claimed)
            condition.withLock {
                running -= 1
                condition.broadcast()
            }
        }
    }

    private func execute(_ job: JobRecord) {
        events.publish(job: job.id, kind: "state", payload: ["status": "running", "attempt": job.attempts])
        let control = JobControl(jobID: job.id, pool: self)
        do {
            let model = try runner.run(job, control: control)
            _ = try? store.update(job.id) { $0.status = .succeeded; $0.model = model; $0.finishedAt = Date(); $0.error = nil }
            events.publish(job: job.id, kind: "state", payload: ["status": "succeeded", "model": model])
        } catch TrainingError.cancelled {
            _ = try? store.update(job.id) { $0.status = .cancelled; $0.finishedAt = Date() }
            events.publish(job: job.id, kind: "state", payload: ["status": "cancelled"])
        } catch TrainingError.suspended(let checkpoint) {
            _ = try? store.update(job.id) { $0.status = .queued }
            events.publish(job: job.id, kind: "state", payload: ["status": "queued", "reason": "server shutting down; resumes from \(checkpoint)"])
        } catch {
            // One job fails alone: record why, and the worker goes on with the next.
            _ = try? store.update(job.id) { $0.status = .failed; $0.error = "\(error)"; $0.finishedAt = Date() }
            events.publish(job: job.id, kind: "state", payload: ["status": "failed", "error": "\(error)"])
        }
    }

    func handle(_ event: TrainingEvent, job id: String) {
        switch event {
        case let .started(totalSteps, stepsPerEpoch, trainSamples, selectionSplit):
            _ = try? store.update(id) { job in
                if job.progress == nil { job.progress = JobProgress(totalSteps: totalSteps) } else { job.progress!.totalSteps = totalSteps }
            }
            events.publish(job: id, kind: "notice", payload: ["message": "training \(trainSamples) images, \(stepsPerEpoch) steps per epoch, \(totalSteps) steps; best model chosen on the \(selectionSplit) split"])
        case .step(let p):
            // Persist progress at most once a second: the job file is rewritten durably each time.
            let now = Date()
            let persist = condition.withLock { () -> Bool in
                if let last = lastPersisted[id], now.timeIntervalSince(last) < 1, p.step < p.totalSteps { return false }
                lastPersisted[id] = now
                return true
            }
            if persist {
                _ = try? store.update(id) { job in
                    var progress = job.progress ?? JobProgress()
                    progress.epoch = p.epoch
                    progress.step = p.step
                    progress.totalSteps = p.totalSteps
                    progress.loss = p.loss
                    progress.learningRate = p.learningRate
                    progress.imagesPerSecond = p.imagesPerSecond
                    progress.etaSeconds = p.secondsRemaining
                    job.progress = progress
                }
            }
            events.publish(job: id, kind: "progress", payload: [
                "epoch": p.epoch, "step": p.step, "total_steps": p.totalSteps, "loss": p.loss, "learning_rate": p.learningRate,
                "grad_norm": p.gradNorm, "images_per_second": p.imagesPerSecond, "eta_seconds": p.secondsRemaining])
        case let .evaluated(epoch, step, scalars):
            _ = try? store.update(id) { job in
                var progress = job.progress ?? JobProgress()
                progress.lastEvaluation = scalars
                job.progress = progress
            }
            var payload: [String: any Sendable] = ["epoch": epoch, "step": step]
            for (key, value) in scalars where value.isFinite { payload[key] = value }
            events.publish(job: id, kind: "evaluation", payload: payload)
        case let .checkpointSaved(path, step):
            events.publish(job: id, kind: "checkpoint", payload: ["step": step, "path": URL(fileURLWithPath: path).lastPathComponent])
        case .notice(let text):
            events.publish(job: id, kind: "notice", payload: ["message": text])
        }
    }
}
