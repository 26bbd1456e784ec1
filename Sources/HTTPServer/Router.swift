import Foundation

/// Routes requests by method and path template ("/v1/jobs/{id}/events") to handlers, answering 404,
/// 405 and 500 itself with JSON error bodies.
public struct Router {
    public typealias Handler = (HTTPRequest, [String: String]) throws -> HTTPResponse

    private struct Route {
        let method: String
        let template: RouteTemplate
        let handler: Handler
    }

    private var table: [Route] = []

    /// Called with errors other than `HTTPError` that handlers throw (the 500 response itself says
    /// nothing about them), so the application can log them.
    public var onHandlerError: ((HTTPRequest, Error) -> Void)?

    public init() {}

    /// Adds a route. In `template`, `{name}` captures one path segment and a final `{name...}` captures
    /// the rest of the path; captured values are percent-decoded. A trailing slash in the request path is
    /// ignored. A GET route also answers HEAD (RFC 9110 §9.3.2), the server dropping the body.
    public mutating func add(_ method: String, _ template: String, _ handler: @escaping Handler) {
        table.append(Route(method: method, template: RouteTemplate(template), handler: handler))
    }

    /// Every route's method and template, in the order added.
    public var routes: [(method: String, template: String)] {
        table.map { (method: $0.method, template: $0.template.text) }
    }

    /// The template of the most specific route whose path matches `rawPath` (any method), or nil: a label
    /// for per-route metrics that does not grow with ids.
    public func template(matching rawPath: String) -> String? {
        let segments = RouteTemplate.pathSegments(of: rawPath).map { PercentDecoding.decode($0) ?? $0 }
        var best: Route?
        for route in table where route.template.match(segments) != nil {
            if let current = best, !route.template.specificity.lexicographicallyPrecedes(current.template.specificity, by: >) { continue }
            best = route
        }
        return best?.template.text
    }

    /// Runs the handler of the most specific matching route. No template matches → 404; templates match
    /// but none for this method → 405 with `Allow` (RFC 9110 §15.5.6); a thrown `HTTPError` → its
    /// response; any other thrown error → 500.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        // Split before decoding so an encoded "/" (%2F) stays inside its segment.
        let decodedSegments = RouteTemplate.pathSegments(of: request.rawPath).map { PercentDecoding.decode($0) }
        guard !decodedSegments.contains(where: { $0 == nil }) else {
            return .error(400, code: "invalid_path", message: "the path is not valid percent-encoded UTF-8")
        }
        let segments = decodedSegments.map { $0! }
        var matches: [(route: Route, parameters: [String: String])] = []
        for route in table {
            if let parameters = route.template.match(segments) { matches.append((route, parameters)) }
        }
        guard !matches.isEmpty else {
            return .error(404, code: "not_found", message: "no route for \(request.path)")
        }
        let candidates = matches.filter { $0.route.method == request.method }
            + (request.method == "HEAD" ? matches.filter { $0.route.method == "GET" } : [])
        guard let chosen = mostSpecific(candidates) else {
            var allowed = Set(matches.map(\.route.method))
            if allowed.contains("GET") { allowed.insert("HEAD") }
            let allow = allowed.sorted().joined(separator: ", ")
            return .error(405, code: "method_not_allowed", message: "\(request.method) is not allowed for \(request.path)",
                          headers: ["Allow": allow])
        }
        do {
            return try chosen.route.handler(request, chosen.parameters)
        } catch let error as HTTPError {
            return error.response
        } catch {
            onHandlerError?(request, error)
            return .error(500, code: "internal_error", message: "internal server error")
        }
    }

    private func mostSpecific(_ candidates: [(route: Route, parameters: [String: String])]) -> (route: Route, parameters: [String: String])? {
        var best: (route: Route, parameters: [String: String])?
        for candidate in candidates {
            if let current = best, !candidate.route.template.specificity.lexicographicallyPrecedes(current.route.template.specificity, by: >) {
                continue
            }
            best = candidate
        }
        return best
    }
}
