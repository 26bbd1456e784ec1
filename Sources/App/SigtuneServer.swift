import Foundation
import HTTPServer
import Hub
import Imaging
import Inference
import Jobs
import SigLIP
import TensorCore
import Training

/// The HTTP application: where HTTP meets the domain. It owns the data directory
/// (`datasets/`, `jobs/`, `models/`, `uploads/`), the job store and worker pool, the model registry,
/// and the router whose routes are exactly the paths of openapi.yaml.
public final class SigtuneServer: @unchecked Sendable {
    public struct Configuration {
        public var dataDirectory: URL
        public var host = "127.0.0.1"
        public var port = 8080
        public var workers = 1
        /// Bearer token; nil disables authentication.
        public var token: String?
        /// Largest accepted request body (dataset and model uploads).
        public var maxBodyBytes = 4 << 30
        /// Where `GET /` and `/assets/*` are served from.
        public var publicDirectory: URL?
        /// Resolves Hub ids for `base_model` (nil: Hub ids are refused with an explanation).
        public var resolveHubModel: (@Sendable (String) throws -> URL)?
        /// The Hub settings pushes use (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE...).
        public var hubEnvironment = HubEnvironment()

        public init(dataDirectory: URL) { self.dataDirectory = dataDirectory }
    }

    public let configuration: Configuration
    public let jobs: JobStore
    public let events: JobEventHub
    public let models: ModelRegistry
    public let pool: WorkerPool
    public let datasets: DatasetService
    let metrics = ServerMetrics()
    let pushes = PushTasks()
    let auth: BearerAuth?
    private(set) var router = Router()
    private var server: HTTPServer?

    public init(configuration: Configuration) throws {
        self.configuration = configuration
        let root = configuration.dataDirectory
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        jobs = try JobStore(directory: root.appendingPathComponent("jobs"))
        events = JobEventHub(store: jobs)
        models = try ModelRegistry(directory: root.appendingPathComponent("models"))
        datasets = try DatasetService(directory: root.appendingPathComponent("datasets"))
        auth = configuration.token.flatMap { $0.isEmpty ? nil : BearerAuth(token: $0) }
        let registry = models, hub = configuration.resolveHubModel, datasetService = datasets
        let runner = TrainingJobRunner(store: jobs, registry: models,
            resolveBaseModel: { name in try SigtuneServer.resolveBaseModel(name, registry: registry, hub: hub) },
            loadSplits: { dataset, options, preprocessor in try datasetService.splits(dataset, options: options, preprocessor: preprocessor) })
        pool = WorkerPool(store: jobs, events: events, runner: runner, workers: configuration.workers)
        buildRoutes()
    }

    /// A registry model id, or a Hub id (`org/name`) through the Hub client. A local path is never accepted
    /// over HTTP: a client must not make the server read arbitrary files.
    static func resolveBaseModel(_ name: String, registry: ModelRegistry, hub: (@Sendable (String) throws -> URL)?) throws -> URL {
        if registry.get(name) != nil { return registry.modelDirectory(name) }
        _ = try resolveBaseModelName(name)
        guard let hub else {
            throw APIError.unprocessable("base_model '\(name)' is a Hub id but this server has no Hub access configured; upload the model (POST /v1/models) instead")
        }
        return try hub(name)
    }

    /// The routes (method, template), for the test that holds them equal to openapi.yaml's paths.
    public var routes: [(method: String, template: String)] { router.routes }

    /// Binds, starts the workers, and serves. Returns the bound port.
    public func start() throws -> Int {
        var http = HTTPServer.Configuration()
        http.host = configuration.host
        http.port = configuration.port
        http.maxBodyBytes = configuration.maxBodyBytes
        http.uploadDirectory = configuration.dataDirectory.appendingPathComponent("uploads")
        try FileManager.default.createDirectory(at: http.uploadDirectory, withIntermediateDirectories: true)
        let server = HTTPServer(configuration: http) { [unowned self] request in self.handle(request) }
        let port = try server.start()
        self.server = server
        pool.start()
        pool.notify()
        return port
    }

    /// Graceful stop: no new connections, requests in flight finish, running jobs checkpoint and requeue.
    public func stop() {
        server?.stop(deadline: 10)
        pool.shutdown()
    }

    /// Every request: authentication, routing, error mapping, access metrics.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let start = DispatchTime.now().uptimeNanoseconds
        let response: HTTPResponse
        if let auth, let denied = auth.check(request) {
            response = denied
        } else {
            response = router.handle(request)
        }
        // Label by route template, not by path, so metrics do not grow with ids.
        let route = router.template(matching: request.rawPath) ?? "unmatched"
        metrics.record(route: route, method: request.method, status: response.status,
                       seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        return response
    }

    /// Adds a route whose handler may throw any error: it becomes the right JSON error response.
    func route(_ method: String, _ template: String, _ handler: @escaping (HTTPRequest, [String: String]) throws -> HTTPResponse) {
        router.add(method, template) { request, parameters in
            do { return try handler(request, parameters) } catch { return APIError.from(error).response }
        }
    }

    func buildRoutes() {
        addJobRoutes()
        addModelRoutes()
        addPushRoutes()
        addDatasetRoutes()
        addOperationRoutes()
    }
}
