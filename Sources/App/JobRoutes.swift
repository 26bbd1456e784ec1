import Foundation
import HTTPServer
import Jobs
import TensorCore

extension SigtuneServer {
    func addJobRoutes() {
        route("POST", "/v1/jobs") { [unowned self] request, _ in
            let spec = try JobSpec.parse(try request.body.readData())
            guard self.datasets.exists(spec.dataset) else {
                throw APIError.notFound("no dataset '\(spec.dataset)': upload one with POST /v1/datasets and use its id")
            }
            if self.models.get(spec.baseModel) == nil {
                _ = try SigtuneServer.resolveBaseModelName(spec.baseModel)  // refuse paths and malformed names now, not in the worker
            }
            let job = try self.jobs.create(spec)
            self.events.publish(job: job.id, kind: "state", payload: ["status": "queued"])
            self.pool.notify()
            return JSONBodies.response(202, JSONBodies.job(job))
        }
        route("GET", "/v1/jobs") { [unowned self] request, _ in
            var status: JobRecord.Status?
            if let text = request.query["status"] {
                guard let parsed = JobRecord.Status(rawValue: text) else {
                    throw APIError.badRequest("status must be one of \(JobRecord.Status.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                status = parsed
            }
            return JSONBodies.response(200, ["jobs": self.jobs.list(status: status).map(JSONBodies.job)])
        }
        route("GET", "/v1/jobs/{id}") { [unowned self] _, parameters in
            JSONBodies.response(200, JSONBodies.job(try self.job(parameters["id"]!)))
        }
        route("DELETE", "/v1/jobs/{id}") { [unowned self] _, parameters in
            try self.jobs.delete(parameters["id"]!)
            return HTTPResponse(status: 204)
        }
        route("POST", "/v1/jobs/{id}/cancel") { [unowned self] _, parameters in
            let job = try self.pool.cancel(parameters["id"]!)
            return JSONBodies.response(200, JSONBodies.job(job))
        }
        route("GET", "/v1/jobs/{id}/metrics") { [unowned self] _, parameters in
            JSONBodies.response(200, try self.jobMetrics(try self.job(parameters["id"]!)))
        }
        route("GET", "/v1/jobs/{id}/confusion-matrix") { [unowned self] _, parameters in
            let job = try self.job(parameters["id"]!)
            guard let final = try self.jobMetrics(job)["final"] as? [String: Any],
                  let labels = final["labels"] as? [String], let matrix = final["confusion_matrix"] else {
                throw APIError.conflict("job \(job.id) has no confusion matrix yet (status \(job.status.rawValue)); it is computed on the test split when training ends")
            }
            return JSONBodies.response(200, ["labels": labels, "matrix": matrix])
        }
        route("GET", "/v1/jobs/{id}/events") { [unowned self] _, parameters in
            let job = try self.job(parameters["id"]!)
            return self.eventStream(job: job.id)
        }
    }

    func job(_ id: String) throws -> JobRecord {
        guard let job = jobs.get(id) else { throw APIError.notFound("no job '\(id)' (GET /v1/jobs lists them)") }
        return job
    }

    /// metrics.json once the job is done; while it runs, the history so far from its events.
    func jobMetrics(_ job: JobRecord) throws -> [String: Any] {
        let directory = jobs.jobDirectory(job.id)
        if let data = FileManager.default.contents(atPath: directory.appendingPathComponent("metrics.json").path),
           var metrics = try JSONSerialization.jsonObject(with: data) as? [String: Any] {
            if let state = FileManager.default.contents(atPath: directory.appendingPathComponent("trainer_state.json").path),
               let trainer = try JSONSerialization.jsonObject(with: state) as? [String: Any] {
                metrics["log_history"] = trainer["log_history"]
            }
            return metrics
        }
        let past = events.history(job: job.id)
        var history: [[String: Any]] = [], log: [[String: Any]] = []
        for event in past {
            if event.kind == "evaluation" { history.append(event.payload) }
            if event.kind == "progress" { log.append(event.payload) }
        }
        return ["history": history, "log_history": log, "best_epoch": NSNull(), "best_step": NSNull(), "final": NSNull(), "status": job.status.rawValue]
    }

    /// Server-Sent Events: the job's past events, then live ones, until the job finishes or the client
    /// leaves; a comment every 15 s keeps proxies from closing an idle stream.
    func eventStream(job id: String) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.set(name: "Content-Type", value: "text/event-stream")
        headers.set(name: "Cache-Control", value: "no-cache")
        return HTTPResponse(status: 200, headers: headers, body: .stream { [events, jobs] stream in
            let condition = NSCondition()
            var queue: [JobEvent] = []
            let (past, token) = events.subscribe(job: id) { event in condition.withLock { queue.append(event); condition.signal() } }
            defer { events.unsubscribe(job: id, token: token) }
            func send(_ event: JobEvent) -> Bool {
                var frame = Data("id: \(event.sequence)\nevent: \(event.kind)\ndata: ".utf8)
                frame.append(event.json)
                frame.append(Data("\n\n".utf8))
                return stream.write(frame)
            }
            for event in past where !send(event) { return }
            while !stream.isClosed {
                if let job = jobs.get(id), job.status.isFinished, condition.withLock({ queue.isEmpty }) {
                    _ = stream.write(Data(": end of job\n\n".utf8))
                    return
                }
                let batch: [JobEvent] = condition.withLock {
                    if queue.isEmpty { _ = condition.wait(until: Date().addingTimeInterval(15)) }
                    defer { queue.removeAll() }
                    return queue
                }
                if batch.isEmpty { if !stream.write(Data(": keep-alive\n\n".utf8)) { return } }
                for event in batch where !send(event) { return }
            }
        })
    }

    /// Validates a base model name before queueing (the worker resolves it).
    static func resolveBaseModelName(_ name: String) throws -> String {
        if name.hasPrefix("/") || name.hasPrefix(".") || name.hasPrefix("~") || name.contains("..") || name.contains("\\") {
            throw APIError.badRequest("base_model '\(name)' looks like a local path; over HTTP name a model id (GET /v1/models) or a Hub id such as google/siglip2-base-patch16-224")
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw APIError.notFound("no model '\(name)': name a model id (GET /v1/models) or a Hub id such as google/siglip2-base-patch16-224")
        }
        return name
    }
}
