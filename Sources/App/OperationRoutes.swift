import Foundation
import HTTPServer
import Jobs

extension SigtuneServer {
    func addOperationRoutes() {
        route("GET", "/health/live") { _, _ in JSONBodies.response(200, ["status": "ok"]) }
        route("GET", "/health/ready") { [unowned self] _, _ in
            // Ready when the data directory takes writes.
            let probe = self.configuration.dataDirectory.appendingPathComponent(".ready-probe")
            do {
                try Data("ok".utf8).write(to: probe)
                try FileManager.default.removeItem(at: probe)
            } catch {
                return APIError(status: 503, code: "not_ready", message: "the data directory \(self.configuration.dataDirectory.path) is not writable: \(error)").response
            }
            return JSONBodies.response(200, ["status": "ready", "workers": self.configuration.workers, "running_jobs": self.pool.activeJobs])
        }
        route("GET", "/metrics") { [unowned self] _, _ in
            var counts: [String: Int] = [:]
            for state in JobRecord.Status.allCases { counts[state.rawValue] = 0 }
            for job in self.jobs.list() {
                counts[job.status.rawValue, default: 0] += 1
                self.metrics.setTrainingRate(job: job.id, imagesPerSecond: job.status == .running ? job.progress?.imagesPerSecond : nil)
            }
            var headers = HTTPHeaders()
            headers.set(name: "Content-Type", value: "text/plain; version=0.0.4")
            return HTTPResponse(status: 200, headers: headers, body: .data(Data(self.metrics.render(jobsByState: counts).utf8)))
        }
        route("GET", "/") { [unowned self] _, _ in try self.staticFile("index.html") }
        route("GET", "/assets/{name}") { [unowned self] _, parameters in try self.staticFile("assets/" + parameters["name"]!) }
    }

    /// A file of Public/, by a name the directory lists (no path can leave it).
    func staticFile(_ relative: String) throws -> HTTPResponse {
        guard let root = configuration.publicDirectory else { throw APIError.notFound("this server has no Public/ directory configured") }
        let url = root.appendingPathComponent(relative)
        let parent = url.deletingLastPathComponent()
        let listed = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        guard !relative.contains(".."), listed.contains(url.lastPathComponent) else { throw APIError.notFound("no file \(relative)") }
        var headers = HTTPHeaders()
        let types = ["html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8", "svg": "image/svg+xml"]
        headers.set(name: "Content-Type", value: types[url.pathExtension] ?? "application/octet-stream")
        return HTTPResponse(status: 200, headers: headers, body: .file(url))
    }
}
