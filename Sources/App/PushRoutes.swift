import Foundation
import HTTPServer
import Hub

/// Uploads of models to the Hugging Face Hub, run in the background; the latest one per model is kept.
final class PushTasks: @unchecked Sendable {
    struct Task {
        var model: String
        var repoID: String
        var status = "running"
        var progress = 0.0
        var commitURL: String?
        var error: String?

        var json: [String: Any] {
            ["model": model, "repo_id": repoID, "status": status, "progress": progress,
             "commit_url": commitURL ?? NSNull(), "error": error ?? NSNull()]
        }
    }

    private let lock = NSLock()
    private var tasks: [String: Task] = [:]

    func get(_ model: String) -> Task? { lock.withLock { tasks[model] } }

    /// Starts a push unless one for the same model is running.
    func start(model: String, repoID: String, directory: URL, token: String?, isPrivate: Bool, environment: HubEnvironment) -> Task? {
        let started: Task? = lock.withLock {
            if tasks[model]?.status == "running" { return nil }
            let task = Task(model: model, repoID: repoID)
            tasks[model] = task
            return task
        }
        guard started != nil else { return nil }
        let thread = Thread { [self] in
            do {
                let url = try ModelPusher.push(directory: directory, repoId: repoID, token: token, private: isPrivate, environment: environment) { progress in
                    let fraction = progress.totalBytes > 0 ? Double(progress.completedBytes) / Double(progress.totalBytes) : 0
                    self.lock.withLock { self.tasks[model]?.progress = fraction }
                }
                lock.withLock {
                    tasks[model]?.status = "succeeded"
                    tasks[model]?.progress = 1
                    tasks[model]?.commitURL = url.absoluteString
                }
            } catch {
                lock.withLock {
                    tasks[model]?.status = "failed"
                    tasks[model]?.error = "\(error)"
                }
            }
        }
        thread.name = "sigtune-push"
        thread.start()
        return started
    }
}

extension SigtuneServer {
    func addPushRoutes() {
        route("POST", "/v1/models/{id}/push") { [unowned self] request, parameters in
            let record = try self.model(parameters["id"]!)
            guard let body = try? JSONSerialization.jsonObject(with: try request.body.readData()) as? [String: Any],
                  let repoID = body["repo_id"] as? String, !repoID.isEmpty else {
                throw APIError.badRequest("send {\"repo_id\": \"namespace/name\", \"private\": true} (and \"token\" unless the server has HF_TOKEN)")
            }
            let isPrivate = body["private"] as? Bool ?? true
            guard let task = self.pushes.start(model: record.id, repoID: repoID, directory: self.models.modelDirectory(record.id),
                                               token: body["token"] as? String, isPrivate: isPrivate,
                                               environment: self.configuration.hubEnvironment) else {
                throw APIError.conflict("a push of model \(record.id) is already running (GET /v1/models/\(record.id)/push)")
            }
            return JSONBodies.response(202, task.json)
        }
        route("GET", "/v1/models/{id}/push") { [unowned self] _, parameters in
            let record = try self.model(parameters["id"]!)
            guard let task = self.pushes.get(record.id) else { throw APIError.notFound("model \(record.id) has not been pushed (POST /v1/models/\(record.id)/push)") }
            return JSONBodies.response(200, task.json)
        }
    }
}
