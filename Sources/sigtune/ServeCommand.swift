import App
import Dispatch
import Foundation
import Hub
import TensorCore

/// `sigtune serve`: the HTTP server (datasets, jobs, models, classify, the progress page).
enum ServeCommand {
    static let usage = """
    Usage: sigtune serve [--host 127.0.0.1] [--port 8080] [--data DIR] [--workers 1] [--token T]
                         [--max-upload-mb 4096] [--public DIR] [--demo]

    Serves the API of openapi.yaml and the progress page at http://HOST:PORT/.
      --data DIR        where datasets, jobs and models live (default ./sigtune-data, or SIGTUNE_DATA)
      --workers N       training jobs run at once (default 1)
      --token T         require Authorization: Bearer T (or set SIGTUNE_API_TOKEN); /health/* and the page stay open
      --max-upload-mb   largest accepted upload (default 4096)
      --public DIR      the page's files (default: Public/ beside the executable's package, or /usr/share/sigtune/Public)
      --demo            also register a generated demo dataset and a tiny randomly initialised base model
                        (named as such), to walk through the whole flow offline in a minute
    Hub ids (google/siglip2-base-patch16-224) work as base models; HF_TOKEN, HF_HOME, HF_HUB_OFFLINE apply.
    SIGTERM or SIGINT stops gracefully: requests in flight finish, running jobs checkpoint and resume at the next start.
    """

    static func run(_ words: [String]) throws -> Int32 {
        setvbuf(stdout, nil, _IOLBF, 0)  // log lines appear as they happen, also when piped
        let args = try Arguments(words, valued: ["host", "port", "data", "workers", "token", "max-upload-mb", "public"], booleans: ["demo"])
        guard args.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(args.positionals[0])'") }
        let environment = ProcessInfo.processInfo.environment
        let data = args.string("data") ?? environment["SIGTUNE_DATA"] ?? "sigtune-data"
        var configuration = SigtuneServer.Configuration(dataDirectory: URL(fileURLWithPath: data))
        configuration.host = args.string("host") ?? "127.0.0.1"
        configuration.port = try args.int("port", default: 8080, range: 0...65535)
        configuration.workers = try args.int("workers", default: 1, range: 1...64)
        configuration.token = args.string("token") ?? environment["SIGTUNE_API_TOKEN"]
        configuration.maxBodyBytes = try args.int("max-upload-mb", default: 4096, range: 1...1_048_576) << 20
        configuration.publicDirectory = publicDirectory(args.string("public"))
        let hub = HubEnvironment()
        configuration.resolveHubModel = { id in try ModelLocator.resolve(id, environment: hub) }

        let server = try SigtuneServer(configuration: configuration)
        if args.has("demo") {
            let (dataset, model) = try server.registerDemo()
            print("demo: dataset \(dataset), base model \(model) (tiny, randomly initialised: for trying the flow, not for accuracy)")
        }
        let port = try server.start()
        let shown = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        print("sigtune serving http://\(shown):\(port)/  data \(configuration.dataDirectory.path)\(configuration.token == nil ? "" : "  (token required)")")

        // Graceful shutdown on SIGTERM/SIGINT, handled on a dispatch queue rather than in a signal handler.
        let done = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                print("stopping: finishing requests, checkpointing running jobs…")
                server.stop()
                done.signal()
            }
            source.resume()
            sources.append(source)
        }
        done.wait()
        _ = sources
        return 0
    }

    /// --public, else Public/ in the working directory or in a folder above the executable (the source tree
    /// it was built in: .build/<triple>/<configuration>/sigtune), else the installed copy.
    static func publicDirectory(_ explicit: String?) -> URL? {
        if let explicit { return URL(fileURLWithPath: explicit) }
        var candidates = [URL(fileURLWithPath: "Public")]
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            folder = folder.deletingLastPathComponent()
            candidates.append(folder.appendingPathComponent("Public"))
        }
        candidates.append(URL(fileURLWithPath: "/usr/share/sigtune/Public"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.html").path) }
    }
}
