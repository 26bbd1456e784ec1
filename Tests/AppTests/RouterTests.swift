import App
import Foundation
import HTTPServer
import Hub
import TestSupport
import XCTest

/// The API in-process, through `SigtuneServer.handle` (no sockets).
final class RouterTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws { root = try makeTemporaryDirectory("app-router") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func server(token: String? = nil) throws -> SigtuneServer {
        var configuration = SigtuneServer.Configuration(dataDirectory: root)
        configuration.token = token
        configuration.publicDirectory = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Public")
        return try SigtuneServer(configuration: configuration)
    }

    func request(_ method: String, _ target: String, body: Data? = nil, headers: [String: String] = [:]) -> HTTPRequest {
        var h = HTTPHeaders()
        for (name, value) in headers { h.set(name: name, value: value) }
        return HTTPRequest(method: method, target: target, headers: h, body: body.map { .data($0) } ?? .empty)
    }

    func json(_ response: HTTPResponse) -> [String: Any] {
        guard case .data(let data) = response.body else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// The router's routes and openapi.yaml's paths and methods are the same set.
    func testRoutesMatchOpenAPISpec() throws {
        let spec = try String(contentsOf: Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("openapi.yaml"), encoding: .utf8)
        var specRoutes = Set<String>()
        var inPaths = false
        var currentPath: String?
        for line in spec.components(separatedBy: "\n") {
            if line == "paths:" { inPaths = true; continue }
            if inPaths && !line.hasPrefix(" ") && !line.isEmpty { inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /") && line.hasSuffix(":") && !line.hasPrefix("   ") { currentPath = String(line.dropFirst(2).dropLast()); continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("    ") && !line.hasPrefix("     "), let path = currentPath,
               let method = ["get", "post", "put", "delete", "patch"].first(where: { trimmed == "\($0):" }) {
                specRoutes.insert("\(method.uppercased()) \(path)")
            }
        }
        let routerRoutes = Set(try server().routes.map { "\($0.method) \($0.template)" })
        XCTAssertGreaterThan(specRoutes.count, 20)
        XCTAssertEqual(routerRoutes.subtracting(specRoutes), [], "routes missing from openapi.yaml")
        XCTAssertEqual(specRoutes.subtracting(routerRoutes), [], "paths of openapi.yaml the router lacks")
    }

    func testEveryRouteButHealthAndThePageNeedsTheToken() throws {
        let app = try server(token: "s3cret-token")
        for route in app.routes {
            let path = route.template.replacingOccurrences(of: "{id}", with: "x").replacingOccurrences(of: "{name}", with: "app.js")
            let open = path.hasPrefix("/health/") || path == "/" || path.hasPrefix("/assets/")
            let denied = app.handle(request(route.method, path))
            if open {
                XCTAssertNotEqual(denied.status, 401, "\(route.method) \(path) is public")
            } else {
                XCTAssertEqual(denied.status, 401, "\(route.method) \(path)")
                XCTAssertEqual(denied.headers["WWW-Authenticate"], "Bearer realm=\"sigtune\"")
                let wrong = app.handle(request(route.method, path, headers: ["Authorization": "Bearer nope"]))
                XCTAssertEqual(wrong.status, 401)
                XCTAssertTrue(wrong.headers["WWW-Authenticate"]?.contains("invalid_token") ?? false)
                let allowed = app.handle(request(route.method, path, headers: ["Authorization": "Bearer s3cret-token"]))
                XCTAssertNotEqual(allowed.status, 401, "\(route.method) \(path) with the token")
            }
        }
    }

    func testErrorsAreJSONAndSayWhatToDo() throws {
        let app = try server()
        let missing = app.handle(request("GET", "/v1/jobs/nope"))
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual((json(missing)["error"] as? [String: Any])?["code"] as? String, "not_found")
        let badSpec = app.handle(request("POST", "/v1/jobs", body: Data(#"{"dataset": "d"}"#.utf8)))
        XCTAssertEqual(badSpec.status, 400)
        XCTAssertTrue(((json(badSpec)["error"] as? [String: Any])?["message"] as? String ?? "").contains("base_model"))
        let unknownDataset = app.handle(request("POST", "/v1/jobs", body: Data(#"{"dataset": "d", "base_model": "a/b"}"#.utf8)))
        XCTAssertEqual(unknownDataset.status, 404)
        let badStatus = app.handle(request("GET", "/v1/jobs?status=done"))
        XCTAssertEqual(badStatus.status, 400)
        let notAllowed = app.handle(request("PUT", "/v1/jobs"))
        XCTAssertEqual(notAllowed.status, 405)
        XCTAssertNotNil(notAllowed.headers["Allow"])
        let noPage = app.handle(request("GET", "/assets/../../etc/passwd"))
        XCTAssertEqual(noPage.status, 404)
        XCTAssertEqual(app.handle(request("GET", "/")).status, 200)
        XCTAssertEqual(app.handle(request("GET", "/health/live")).status, 200)
        XCTAssertEqual(app.handle(request("GET", "/health/ready")).status, 200)
        let emptyUpload = app.handle(request("POST", "/v1/datasets"))
        XCTAssertEqual(emptyUpload.status, 400)
        let garbage = app.handle(request("POST", "/v1/datasets", body: Data("not an archive".utf8)))
        XCTAssertEqual(garbage.status, 422)
    }

    func testPushRunsInTheBackgroundAndReportsHubErrors() throws {
        var configuration = SigtuneServer.Configuration(dataDirectory: root)
        configuration.hubEnvironment = HubEnvironment(["HF_HUB_OFFLINE": "1", "HF_HOME": root.appendingPathComponent("hf").path])
        let app = try SigtuneServer(configuration: configuration)
        let (_, model) = try app.registerDemo()
        XCTAssertEqual(app.handle(request("POST", "/v1/models/\(model)/push", body: Data("{}".utf8))).status, 400)
        XCTAssertEqual(app.handle(request("POST", "/v1/models/nope/push", body: Data(#"{"repo_id": "me/m"}"#.utf8))).status, 404)
        XCTAssertEqual(app.handle(request("GET", "/v1/models/\(model)/push")).status, 404)
        let started = app.handle(request("POST", "/v1/models/\(model)/push", body: Data(#"{"repo_id": "me/m"}"#.utf8)))
        XCTAssertEqual(started.status, 202)
        var task: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(10)
        repeat {
            task = json(app.handle(request("GET", "/v1/models/\(model)/push")))
            Thread.sleep(forTimeInterval: 0.02)
        } while task["status"] as? String == "running" && Date() < deadline
        XCTAssertEqual(task["status"] as? String, "failed")
        XCTAssertTrue((task["error"] as? String ?? "").lowercased().contains("offline"), "\(task)")
    }

    func testALocalPathIsNeverAcceptedAsABaseModel() throws {
        let app = try server()
        // Register a dataset first so the base model check is what fails.
        _ = try app.registerDemo()
        let dataset = app.datasets.store.datasetIDs().first!
        for path in ["/etc", "../models/x", "./m", "~/m"] {
            let response = app.handle(request("POST", "/v1/jobs", body: Data(#"{"dataset": "\#(dataset)", "base_model": "\#(path)"}"#.utf8)))
            XCTAssertEqual(response.status, 400, path)
            XCTAssertTrue(((json(response)["error"] as? [String: Any])?["message"] as? String ?? "").contains("local path"), path)
        }
    }
}
