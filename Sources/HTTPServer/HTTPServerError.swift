import Glibc

/// Why `HTTPServer.start()` failed.
public enum HTTPServerError: Error, CustomStringConvertible, Equatable {
    /// `host` is not an IP address or resolvable name.
    case unresolvableHost(host: String, port: Int, reason: String)
    /// socket/bind/listen failed, e.g. errno EADDRINUSE ("Address already in use").
    case cannotListen(host: String, port: Int, operation: String, errno: Int32, reason: String)
    /// The upload directory does not exist and cannot be created.
    case unusableUploadDirectory(path: String, reason: String)
    /// A configuration value is out of range.
    case invalidConfiguration(String)
    /// `start()` was called on a server that was already started (a stopped server is not restarted).
    case alreadyStarted

    public var description: String {
        switch self {
        case .unresolvableHost(let host, let port, let reason):
            return "cannot listen on \(HTTPServerError.hostPort(host, port)): \(reason)"
        case .cannotListen(let host, let port, let operation, _, let reason):
            return "cannot listen on \(HTTPServerError.hostPort(host, port)): \(operation): \(reason)"
        case .unusableUploadDirectory(let path, let reason):
            return "upload directory \(path) is unusable: \(reason)"
        case .invalidConfiguration(let message):
            return "invalid server configuration: \(message)"
        case .alreadyStarted:
            return "the server was already started"
        }
    }

    /// "127.0.0.1:8080", "[::1]:8080".
    static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    static func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
}
