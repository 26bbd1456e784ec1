import Foundation
import Inference
import Jobs
import SigLIP
import TensorCore
import TestSupport
import Training
import XCTest

final class JobsTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws { root = try makeTemporaryDirectory("jobs") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    struct Fixture {
        let store: JobStore
        let events: JobEventHub
        let registry: ModelRegistry
        let pool: WorkerPool
    }

    func make(workers: Int = 1) throws -> Fixture {
        let store = try JobStore(directory: root.appendingPathComponent("jobs"))
        let events = JobEventHub(store: store)
        let registry = try ModelRegistry(directory: root.appendingPathComponent("models"))
        let runner = TrainingJobRunner(store: store, registry: registry,
            resolveBaseModel: { name in
                guard name == "tiny32" else { throw ModelRegistry.RegistryError.notFound(name) }
                return Fixtures.url("models/tiny32")
            },
            loadSplits: { _, options, preprocessor in
                try TrainingData.prepare(directory: Fixtures.url("reference/trainer/dataset"), options: options, preprocessor: preprocessor).0
            })
        return Fixture(store: store, events: events, registry: registry, pool: WorkerPool(store: store, events: events, runner: runner, workers: workers))
    }

    func spec(_ json: String) throws -> JobSpec { try JobSpec.parse(Data(json.utf8)) }

    func wait(_ store: JobStore, _ id: String, until statuses: Set<JobRecord.Status>, timeout: TimeInterval = 60) -> JobRecord? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let job = store.get(id), statuses.contains(job.status) { return job }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return store.get(id)
    }

    func testAJobRunsToSuccessAndRegistersItsModel() throws {
        let f = try make()
        var kinds: [String] = []
        let lock = NSLock()
        let job = try f.store.create(try spec(#"{"dataset": "d", "base_model": "tiny32", "num_train_epochs": 2, "per_device_train_batch_size": 8, "learning_rate": 0.001}"#))
        _ = f.events.subscribe(job: job.id) { event in lock.withLock { kinds.append(event.kind) } }
        f.pool.start()
        f.pool.notify()
        let done = wait(f.store, job.id, until: [.succeeded, .failed])
        XCTAssertEqual(done?.status, .succeeded, done?.error ?? "")
        XCTAssertEqual(done?.model, TrainingJobRunner.modelID(for: job.id))
        XCTAssertEqual(done?.progress?.step, done?.progress?.totalSteps)
        let record = try XCTUnwrap(f.registry.get(done!.model!))
        XCTAssertEqual(record.labels, ["circle", "square", "triangle"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.store.jobDirectory(job.id).appendingPathComponent("metrics.json").path))
        lock.withLock {
            XCTAssertTrue(kinds.contains("progress"))
            XCTAssertTrue(kinds.contains("evaluation"))
            XCTAssertEqual(kinds.last, "state")
        }
        // Classify through the registry's batching predictor.
        let predictor = try f.registry.predictor(record.id)
        let image = try Imaging_decode("images/png_rgb8.png")
        let logits = predictor.logits([image, image])
        XCTAssertEqual(logits.count, 2)
        // The same image twice in one batch: equal up to the GEMM's row-position rounding.
        assertTensorsClose("batched logits", logits[1], logits[0], tolerance: 1e-5)
        f.pool.shutdown()
    }

    func testAFailingJobFailsAloneWithItsReason() throws {
        let f = try make()
        let bad = try f.store.create(try spec(#"{"dataset": "d", "base_model": "no-such-model", "num_train_epochs": 1}"#))
        let good = try f.store.create(try spec(#"{"dataset": "d", "base_model": "tiny32", "num_train_epochs": 1, "per_device_train_batch_size": 8}"#))
        f.pool.start()
        f.pool.notify()
        XCTAssertEqual(wait(f.store, bad.id, until: [.failed, .succeeded])?.status, .failed)
        XCTAssertTrue(f.store.get(bad.id)?.error?.contains("no-such-model") ?? false)
        XCTAssertEqual(wait(f.store, good.id, until: [.failed, .succeeded])?.status, .succeeded)
        f.pool.shutdown()
    }

    func testCancelQueuedAndRunningJobs() throws {
        let f = try make()
        let running = try f.store.create(try spec(#"{"dataset": "d", "base_model": "tiny32", "num_train_epochs": 50, "per_device_train_batch_size": 2}"#))
        let queued = try f.store.create(try spec(#"{"dataset": "d", "base_model": "tiny32", "num_train_epochs": 1}"#))
        f.pool.start()
        f.pool.notify()
        _ = wait(f.store, running.id, until: [.running])
        XCTAssertEqual(try f.pool.cancel(queued.id).status, .cancelled)
        XCTAssertTrue(try f.pool.cancel(running.id).cancelRequested)
        XCTAssertEqual(wait(f.store, running.id, until: [.cancelled, .failed, .succeeded])?.status, .cancelled)
        XCTAssertThrowsError(try f.pool.cancel(running.id)) { XCTAssertTrue("\($0)".contains("already cancelled")) }
        XCTAssertThrowsError(try f.store.delete("nope"))
        try f.store.delete(queued.id)
        XCTAssertNil(f.store.get(queued.id))
        f.pool.shutdown()
    }

    /// A shutdown mid-training writes a checkpoint and re-queues the job; a new process resumes it and ends
    /// with exactly the weights of an uninterrupted run.
    func testShutdownAndRestartResumesToTheSameWeights() throws {
        let job = #"{"dataset": "d", "base_model": "tiny32", "num_train_epochs": 3, "per_device_train_batch_size": 4, "learning_rate": 0.001}"#
        // Uninterrupted reference, in its own root.
        let reference = try make()
        let whole = try reference.store.create(try spec(job))
        reference.pool.start()
        reference.pool.notify()
        XCTAssertEqual(wait(reference.store, whole.id, until: [.succeeded, .failed])?.status, .succeeded)
        reference.pool.shutdown()
        let expected = try CheckpointLoader.load(directory: reference.registry.modelDirectory(reference.store.get(whole.id)!.model!)).parameters.buffer.array
        try FileManager.default.removeItem(at: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)

        let first = try make()
        let interrupted = try first.store.create(try spec(job))
        first.pool.start()
        first.pool.notify()
        let deadline = Date().addingTimeInterval(60)
        while (first.store.get(interrupted.id)?.progress?.step ?? 0) < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        first.pool.shutdown()
        XCTAssertEqual(first.store.get(interrupted.id)?.status, .queued, "a suspended job goes back to the queue")

        let second = try make()  // a new process: reads the store from disk
        XCTAssertEqual(second.store.get(interrupted.id)?.status, .queued)
        second.pool.start()
        second.pool.notify()
        let done = wait(second.store, interrupted.id, until: [.succeeded, .failed])
        XCTAssertEqual(done?.status, .succeeded, done?.error ?? "")
        XCTAssertEqual(done?.attempts, 2)
        let resumed = try CheckpointLoader.load(directory: second.registry.modelDirectory(done!.model!)).parameters.buffer.array
        XCTAssertEqual(resumed, expected, "bit-identical to the uninterrupted run")
        second.pool.shutdown()
    }

    func testARunningJobFoundAtStartupIsRequeued() throws {
        let f = try make()
        let job = try f.store.create(try spec(#"{"dataset": "d", "base_model": "tiny32"}"#))
        _ = try f.store.claimNextQueued()
        XCTAssertEqual(f.store.get(job.id)?.status, .running)
        try Data("partial".utf8).write(to: f.store.jobDirectory(job.id).appendingPathComponent("job.json.123" + AtomicFile.temporarySuffix))
        let reopened = try JobStore(directory: root.appendingPathComponent("jobs"))
        XCTAssertEqual(reopened.get(job.id)?.status, .queued)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: reopened.jobDirectory(job.id).path).filter { $0.hasSuffix(AtomicFile.temporarySuffix) }
        XCTAssertEqual(leftovers, [])
    }

    func testJobSpecErrorsSayWhatIsMissing() {
        XCTAssertThrowsError(try JobSpec.parse(Data("[]".utf8))) { XCTAssertTrue("\($0)".contains("JSON object")) }
        XCTAssertThrowsError(try JobSpec.parse(Data(#"{"base_model": "m"}"#.utf8))) { XCTAssertTrue("\($0)".contains("\"dataset\" is required")) }
        XCTAssertThrowsError(try JobSpec.parse(Data(#"{"dataset": "d"}"#.utf8))) { XCTAssertTrue("\($0)".contains("\"base_model\" is required")) }
        XCTAssertThrowsError(try JobSpec.parse(Data(#"{"dataset": "d", "base_model": "m", "epochs": 3}"#.utf8))) { XCTAssertTrue("\($0)".contains("epochs")) }
    }
}

import Imaging
func Imaging_decode(_ path: String) throws -> RGBImage { try ImageDecoder.decodeRGB(contentsOf: Fixtures.url(path)) }
