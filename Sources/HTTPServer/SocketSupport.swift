import Foundation
import Glibc

/// The few POSIX socket operations the server needs, with errors and addresses in Swift types.
enum SocketSupport {
    /// Binds and listens on the first address `host` resolves to; returns the socket (non-blocking)
    /// and the port actually bound (the kernel's choice when `port` is 0).
    static func listen(host: String, port: Int, backlog: Int32) throws(HTTPServerError) -> (descriptor: Int32, port: Int) {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &results)
        guard status == 0, let first = results else {
            throw .unresolvableHost(host: host, port: port, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(results) }

        var failure: (operation: String, code: Int32) = ("bind", EADDRNOTAVAIL)
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let descriptor = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { failure = ("socket", errno); continue }
            var one: Int32 = 1
            // Restarting the server must not wait out TIME_WAIT connections of the previous run.
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if bind(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
                failure = ("bind", errno)
            } else if Glibc.listen(descriptor, backlog) != 0 {
                failure = ("listen", errno)
            } else if !setNonBlocking(descriptor) {
                failure = ("fcntl", errno)
            } else {
                return (descriptor, boundPort(descriptor) ?? port)
            }
            close(descriptor)
        }
        throw .cannotListen(host: host, port: port, operation: failure.operation, errno: failure.code,
                            reason: HTTPServerError.errnoText(failure.code))
    }

    enum AcceptResult {
        case accepted(descriptor: Int32, remoteAddress: String)
        /// Nothing pending (EAGAIN) or the client already gave up (ECONNABORTED): try later.
        case nothingPending
        /// Out of descriptors (EMFILE/ENFILE) or memory: stop accepting for a moment.
        case exhausted(errno: Int32)
    }

    /// Accepts one connection and makes it non-blocking, close-on-exec and without Nagle's delay
    /// (responses are written whole, so waiting to coalesce small writes would only add latency).
    static func accept(_ listener: Int32) -> AcceptResult {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let descriptor = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &length) }
            }
            if descriptor >= 0 {
                _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
                _ = setNonBlocking(descriptor)
                var one: Int32 = 1
                setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return .accepted(descriptor: descriptor, remoteAddress: ipAddress(storage))
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK, ECONNABORTED, EPROTO: return .nothingPending
            default: return .exhausted(errno: errno)
            }
        }
    }

    static func setNonBlocking(_ descriptor: Int32) -> Bool {
        let flags = fcntl(descriptor, F_GETFL)
        return flags >= 0 && fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) == 0
    }

    static func boundPort(_ descriptor: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard status == 0 else { return nil }
        return withUnsafePointer(to: &storage) { pointer -> Int? in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET: return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            case AF_INET6: return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            default: return nil
            }
        }
    }

    /// The numeric IP address in `storage` ("127.0.0.1", "::1").
    static func ipAddress(_ storage: sockaddr_storage) -> String {
        var storage = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = Int32(storage.ss_family)
        let converted: UnsafePointer<CChar>? = withUnsafePointer(to: &storage) { pointer in
            switch family {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    withUnsafePointer(to: address.pointee.sin_addr) { inet_ntop(AF_INET, $0, &text, socklen_t(text.count)) }
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    withUnsafePointer(to: address.pointee.sin6_addr) { inet_ntop(AF_INET6, $0, &text, socklen_t(text.count)) }
                }
            default:
                return nil
            }
        }
        return converted == nil ? "unknown" : String(cString: text)
    }

    /// Lifts the soft limit on open descriptors towards `wanted` (never above the hard limit): the
    /// common default of 1024 would not hold a thousand idle keep-alive connections.
    static func raiseDescriptorLimit(to wanted: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(wanted) else { return }
        limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
