import Foundation
import XCTest
@testable import HTTPServer

final class RouterTests: XCTestCase {
    private struct Boom: Error {}

    private func makeRouter() -> Router {
        var router = Router()
        router.add("GET", "/v1/jobs") { _, _ in .json(200, ["route": "list"]) }
        router.add("POST", "/v1/jobs") { _, _ in .json(201, ["route": "create"]) }
        router.add("GET", "/v1/jobs/{id}") { _, parameters in .json(200, ["route": "get", "id": parameters["id"] ?? ""]) }
        router.add("DELETE", "/v1/jobs/{id}") { _, _ in .json(200, ["route": "delete"]) }
        router.add("GET", "/v1/jobs/latest") { _, _ in .json(200, ["route": "latest"]) }
        router.add("GET", "/v1/jobs/{id}/events") { _, parameters in .json(200, ["route": "events", "id": parameters["id"] ?? ""]) }
        router.add("GET", "/static/{path...}") { _, parameters in .json(200, ["route": "static", "path": parameters["path"] ?? ""]) }
        router.add("GET", "/boom") { _, _ in throw Boom() }
        router.add("GET", "/teapot") { _, _ in throw HTTPError(418, code: "teapot", message: "short and stout") }
        return router
    }

    private func handle(_ router: Router, _ method: String, _ target: String) -> (Int, [String: Any], HTTPHeaders) {
        let response = router.handle(HTTPRequest(method: method, target: target))
        guard case .data(let data) = response.body else { return (response.status, [:], response.headers) }
        return (response.status, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:], response.headers)
    }

    func testCapturesAndLiteralsWin() {
        let router = makeRouter()
        XCTAssertEqual(handle(router, "GET", "/v1/jobs/abc").1["id"] as? String, "abc")
        XCTAssertEqual(handle(router, "GET", "/v1/jobs/latest").1["route"] as? String, "latest")
        XCTAssertEqual(handle(router, "GET", "/v1/jobs/abc/events").1["route"] as? String, "events")
        XCTAssertEqual(handle(router, "POST", "/v1/jobs").0, 201)
    }

    func testCapturesArePercentDecodedPerSegment() {
        let router = makeRouter()
        XCTAssertEqual(handle(router, "GET", "/v1/jobs/a%20b%C3%A9").1["id"] as? String, "a bé")
        // An encoded slash stays inside the segment instead of splitting the path.
        XCTAssertEqual(handle(router, "GET", "/v1/jobs/a%2Fb").1["id"] as? String, "a/b")
        XCTAssertEqual(handle(router, "GET", "/v1/jobs/%ZZ").0, 400)
    }

    func testTrailingSlashAndEmptySegments() {
        let router = makeRouter()
        XCTAssertEqual(handle(router, "GET", "/v1/jobs/").1["route"] as? String, "list")
        XCTAssertEqual(handle(router, "GET", "/v1/jobs/abc/").1["route"] as? String, "get")
        XCTAssertEqual(handle(router, "GET", "/v1//jobs").0, 404)
        XCTAssertEqual(handle(router, "GET", "/v1/jobs//events").0, 404, "a capture needs a non-empty segment")
    }

    func testRemainderCapture() {
        let router = makeRouter()
        XCTAssertEqual(handle(router, "GET", "/static/css/app.css").1["path"] as? String, "css/app.css")
        XCTAssertEqual(handle(router, "GET", "/static/").1["path"] as? String, "")
        XCTAssertEqual(handle(router, "GET", "/static/../secret").0, 404)
        XCTAssertEqual(handle(router, "GET", "/static/a/%2e%2e/b").0, 404)
    }

    func testNotFoundAndMethodNotAllowed() {
        let router = makeRouter()
        let (status, body, _) = handle(router, "GET", "/nope")
        XCTAssertEqual(status, 404)
        XCTAssertEqual((body["error"] as? [String: Any])?["code"] as? String, "not_found")
        let (status405, body405, headers) = handle(router, "PUT", "/v1/jobs/abc")
        XCTAssertEqual(status405, 405)
        XCTAssertEqual(headers["Allow"], "DELETE, GET, HEAD")
        XCTAssertEqual((body405["error"] as? [String: Any])?["code"] as? String, "method_not_allowed")
        XCTAssertEqual(handle(router, "HEAD", "/v1/jobs").0, 200, "HEAD falls back to GET")
    }

    func testThrownErrors() {
        var router = makeRouter()
        var logged: Error?
        router.onHandlerError = { _, error in logged = error }
        let (status, body, headers) = handle(router, "GET", "/boom")
        XCTAssertEqual(status, 500)
        XCTAssertEqual(headers["Content-Type"], "application/json")
        let error = body["error"] as? [String: Any]
        XCTAssertEqual(error?["code"] as? String, "internal_error")
        XCTAssertFalse((error?["message"] as? String ?? "").contains("Boom"), "no internals in the message")
        XCTAssertTrue(logged is Boom)
        let (teapot, teapotBody, _) = handle(router, "GET", "/teapot")
        XCTAssertEqual(teapot, 418)
        XCTAssertEqual((teapotBody["error"] as? [String: Any])?["message"] as? String, "short and stout")
    }

    func testRoutesListInOrder() {
        let routes = makeRouter().routes
        XCTAssertEqual(routes.count, 9)
        XCTAssertEqual(routes[0].method, "GET")
        XCTAssertEqual(routes[0].template, "/v1/jobs")
        XCTAssertEqual(routes[5].template, "/v1/jobs/{id}/events")
    }

    func testQueryParsing() {
        let request = HTTPRequest(method: "GET", target: "/search?q=a+b%26c&tag=x&tag=y&flag&empty=&%C3%A9=%E2%9C%93")
        XCTAssertEqual(request.path, "/search")
        XCTAssertEqual(request.query["q"], "a b&c")
        XCTAssertEqual(request.query["tag"], "x", "first value wins")
        XCTAssertEqual(request.queryItems.filter { $0.0 == "tag" }.map(\.1), ["x", "y"])
        XCTAssertEqual(request.query["flag"], "")
        XCTAssertEqual(request.query["empty"], "")
        XCTAssertEqual(request.query["é"], "✓")
    }

    func testTargetForms() {
        XCTAssertEqual(RequestTarget.parse("/a%20b?x=1")?.path, "/a b")
        XCTAssertEqual(RequestTarget.parse("/a%20b?x=1")?.rawPath, "/a%20b")
        XCTAssertEqual(RequestTarget.parse("http://example.com/v1/x?y=2")?.path, "/v1/x")
        XCTAssertEqual(RequestTarget.parse("http://example.com")?.path, "/")
        XCTAssertEqual(RequestTarget.parse("*")?.path, "*")
        XCTAssertNil(RequestTarget.parse("/a#frag"))
        XCTAssertNil(RequestTarget.parse("/bad%2"))
        XCTAssertNil(RequestTarget.parse("/%FF"), "not UTF-8")
        XCTAssertNil(RequestTarget.parse("example.com:443"))
    }
}

final class HTTPHeadersTests: XCTestCase {
    func testCaseInsensitiveMultiValued() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain"]
        headers.add(name: "Set-Cookie", value: "a=1")
        headers.add(name: "set-cookie", value: "b=2")
        XCTAssertEqual(headers["content-type"], "text/plain")
        XCTAssertEqual(headers.values(for: "SET-COOKIE"), ["a=1", "b=2"])
        headers.set(name: "Set-Cookie", value: "c=3")
        XCTAssertEqual(headers.values(for: "set-cookie"), ["c=3"])
        headers["X-Thing"] = "1"
        headers["x-thing"] = nil
        XCTAssertFalse(headers.contains(name: "X-Thing"))
        headers.remove(name: "content-type")
        XCTAssertEqual(headers.map(\.name), ["Set-Cookie"])
        headers.add(name: "Connection", value: "keep-alive, Upgrade")
        XCTAssertTrue(headers.containsToken("upgrade", in: "connection"))
        XCTAssertFalse(headers.containsToken("close", in: "connection"))
    }

    func testDescriptionHidesValues() {
        let headers: HTTPHeaders = ["Authorization": "Bearer secret"]
        XCTAssertFalse(headers.description.contains("secret"))
    }
}
