import Foundation

extension HTTPServer {
    /// Where to listen and the limits that keep one client from taking the server down.
    public struct Configuration {
        /// An IPv4 or IPv6 address (or a name) to bind; "0.0.0.0" / "::" for every interface.
        public var host: String
        /// 0 lets the kernel choose; `start()` returns the port bound.
        public var port: Int
        /// Larger request bodies get 413, as soon as Content-Length or the running total of chunk
        /// sizes shows it, before the excess is read. Default 1 GiB.
        public var maxBodyBytes: Int
        /// Bodies up to this size are handed over in memory; larger ones as a file. Default 1 MiB.
        public var bodyInMemoryLimit: Int
        /// Where large request bodies are written as they arrive (created if missing). Default: the
        /// system temporary directory.
        public var uploadDirectory: URL
        /// A longer request line gets 414. Default 8 KiB.
        public var maxRequestLineBytes: Int
        /// A larger header section (and, separately, chunked trailer section) gets 431. Default 16 KiB.
        public var maxHeaderBytes: Int
        /// Seconds from a request's first byte until its header section must be complete, else 408.
        /// Default 10.
        public var headerTimeout: TimeInterval
        /// Seconds a connection may wait for the first byte of its next request before it is closed
        /// (quietly: a 408 here could cross a request the client is just sending). Default 60.
        public var idleTimeout: TimeInterval
        /// Seconds a request body may go without a byte arriving, else 408. Default 30.
        public var bodyTimeout: TimeInterval
        /// Seconds a response may wait for the client to take more bytes before the connection is
        /// dropped. Default 30.
        public var writeTimeout: TimeInterval
        /// Threads that run handlers; complete requests wait in a queue for one. Default 16.
        public var handlerThreads: Int
        /// Open connections beyond this get a 503 and are closed. Default 4096.
        public var maxConnections: Int
        /// Streaming responses running at once (each producer has a thread of its own); beyond this
        /// a streaming response is replaced by 503. Default 256.
        public var maxStreamingResponses: Int
        /// Bytes a streaming producer may have queued before `ResponseStream.write` waits for the
        /// client. Default 256 KiB.
        public var streamBufferBytes: Int
        /// Pending-connection queue of `listen(2)`. Default 1024.
        public var listenBacklog: Int

        public init(host: String = "127.0.0.1", port: Int = 8080,
                    maxBodyBytes: Int = 1 << 30, bodyInMemoryLimit: Int = 1 << 20,
                    uploadDirectory: URL = FileManager.default.temporaryDirectory,
                    maxRequestLineBytes: Int = 8192, maxHeaderBytes: Int = 16384,
                    headerTimeout: TimeInterval = 10, idleTimeout: TimeInterval = 60,
                    bodyTimeout: TimeInterval = 30, writeTimeout: TimeInterval = 30,
                    handlerThreads: Int = 16, maxConnections: Int = 4096,
                    maxStreamingResponses: Int = 256, streamBufferBytes: Int = 256 << 10,
                    listenBacklog: Int = 1024) {
            self.host = host
            self.port = port
            self.maxBodyBytes = maxBodyBytes
            self.bodyInMemoryLimit = bodyInMemoryLimit
            self.uploadDirectory = uploadDirectory
            self.maxRequestLineBytes = maxRequestLineBytes
            self.maxHeaderBytes = maxHeaderBytes
            self.headerTimeout = headerTimeout
            self.idleTimeout = idleTimeout
            self.bodyTimeout = bodyTimeout
            self.writeTimeout = writeTimeout
            self.handlerThreads = handlerThreads
            self.maxConnections = maxConnections
            self.maxStreamingResponses = maxStreamingResponses
            self.streamBufferBytes = streamBufferBytes
            self.listenBacklog = listenBacklog
        }

        func validate() throws(HTTPServerError) {
            let problems = [
                (0...65535).contains(port) ? nil : "port \(port) is outside 0...65535",
                maxBodyBytes >= 0 ? nil : "maxBodyBytes is negative",
                bodyInMemoryLimit >= 0 ? nil : "bodyInMemoryLimit is negative",
                maxRequestLineBytes >= 16 ? nil : "maxRequestLineBytes is below 16",
                maxHeaderBytes >= 64 ? nil : "maxHeaderBytes is below 64",
                [headerTimeout, idleTimeout, bodyTimeout, writeTimeout].allSatisfy({ $0 > 0 }) ? nil : "timeouts must be positive",
                handlerThreads >= 1 ? nil : "handlerThreads is below 1",
                maxConnections >= 1 ? nil : "maxConnections is below 1",
                maxStreamingResponses >= 0 ? nil : "maxStreamingResponses is negative",
                streamBufferBytes >= 1 ? nil : "streamBufferBytes is below 1",
            ].compactMap { $0 }
            if let first = problems.first { throw .invalidConfiguration(first) }
        }
    }
}
