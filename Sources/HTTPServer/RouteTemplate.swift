/// A path template such as "/v1/jobs/{id}/events" or "/static/{path...}", matched segment by segment
/// against a request path.
struct RouteTemplate: Equatable {
    enum Segment: Equatable {
        case literal(String)
        /// `{name}`: exactly one non-empty segment.
        case capture(String)
        /// `{name...}`: the rest of the path (possibly empty), segments joined by "/"; only last.
        case remainder(String)
    }

    let text: String
    let segments: [Segment]

    init(_ text: String) {
        self.text = text
        self.segments = RouteTemplate.pathSegments(of: text).map { segment in
            guard segment.hasPrefix("{"), segment.hasSuffix("}"), segment.count > 2 else { return .literal(segment) }
            let name = String(segment.dropFirst().dropLast())
            return name.hasSuffix("...") ? .remainder(String(name.dropLast(3))) : .capture(name)
        }
    }

    /// How specific a match is, compared segment by segment: a literal beats a capture beats a remainder,
    /// so "/v1/jobs/latest" wins over "/v1/jobs/{id}" whichever was added first.
    var specificity: [Int] {
        segments.map { segment in
            switch segment {
            case .literal: return 2
            case .capture: return 1
            case .remainder: return 0
            }
        }
    }

    /// The captured values when `decodedSegments` (the request path's segments, each percent-decoded)
    /// fit the template; nil otherwise.
    func match(_ decodedSegments: [String]) -> [String: String]? {
        var parameters: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .literal(let literal):
                guard index < decodedSegments.count, decodedSegments[index] == literal else { return nil }
            case .capture(let name):
                guard index < decodedSegments.count, !decodedSegments[index].isEmpty else { return nil }
                parameters[name] = decodedSegments[index]
            case .remainder(let name):
                let rest = decodedSegments[index...]
                // The remainder is meant for file paths: refuse what could climb out of a directory.
                guard rest.allSatisfy({ $0 != "." && $0 != ".." && !$0.contains("/") && !$0.contains("\0") }) else {
                    return nil
                }
                parameters[name] = rest.joined(separator: "/")
                return parameters
            }
        }
        return decodedSegments.count == segments.count ? parameters : nil
    }

    /// "/a/b/" → ["a", "b"]: one trailing slash is ignored, so "/v1/jobs/" routes like "/v1/jobs";
    /// "/" → [].
    static func pathSegments(of path: String) -> [String] {
        var trimmed = Substring(path)
        if trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        if trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty { return [] }
        return trimmed.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }
}
