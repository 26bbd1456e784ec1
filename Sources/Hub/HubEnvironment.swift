import Foundation

/// The settings `huggingface_hub` reads from the environment (`constants.py`, `utils/_auth.py`), resolved once.
///
/// Every Hub call takes one of these explicitly instead of reading `ProcessInfo` itself, so tests (and the
/// server, which may serve several users) can point at another endpoint or cache without touching the
/// process environment. `HubEnvironment()` reads the real environment.
public struct HubEnvironment: Sendable {
    /// The Hub's base URL without a trailing `/` (`HF_ENDPOINT`, default `https://huggingface.co`).
    public var endpoint: String
    /// `HF_HOME`, default `$XDG_CACHE_HOME/huggingface` or `~/.cache/huggingface`.
    public var home: URL
    /// Where repositories are cached (`HF_HUB_CACHE`, else `HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`).
    public var cacheDirectory: URL
    /// The access token (`HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`, else the token file), if any.
    public var token: String?
    /// `HF_HUB_OFFLINE` (or `TRANSFORMERS_OFFLINE`): use the cache only, never the network.
    public var offline: Bool
    /// Sent as `user-agent` on every request.
    public var userAgent: String

    public static let defaultEndpoint = "https://huggingface.co"

    /// Reads `variables` (the process environment by default) exactly as `huggingface_hub` does.
    public init(_ variables: [String: String] = ProcessInfo.processInfo.environment) {
        let value = { (name: String) -> String? in
            guard let text = variables[name], !text.isEmpty else { return nil }
            return text
        }
        let userHome = value("HOME") ?? NSHomeDirectory()
        let path = { (text: String) -> URL in URL(fileURLWithPath: Self.expandingTilde(text, home: userHome)) }

        var endpoint = value("HF_ENDPOINT") ?? Self.defaultEndpoint
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        self.endpoint = endpoint

        let xdgCache = value("XDG_CACHE_HOME") ?? (userHome as NSString).appendingPathComponent(".cache")
        home = path(value("HF_HOME") ?? (xdgCache as NSString).appendingPathComponent("huggingface"))
        cacheDirectory = path(value("HF_HUB_CACHE") ?? value("HUGGINGFACE_HUB_CACHE") ?? home.appendingPathComponent("hub").path)

        let tokenFile = path(value("HF_TOKEN_PATH") ?? home.appendingPathComponent("token").path)
        token = Self.cleanToken(value("HF_TOKEN") ?? value("HUGGING_FACE_HUB_TOKEN"))
            ?? Self.cleanToken(try? String(contentsOf: tokenFile, encoding: .utf8))

        offline = Self.isTrue(value("HF_HUB_OFFLINE") ?? value("TRANSFORMERS_OFFLINE"))
        userAgent = "sigtune/1.0; hf_hub/compatible; curl"
    }

    /// `constants._is_true`: 1, ON, YES, TRUE in any case.
    static func isTrue(_ text: String?) -> Bool {
        guard let text else { return false }
        return ["1", "ON", "YES", "TRUE"].contains(text.uppercased())
    }

    /// `_auth._clean_token`: whitespace and line breaks removed; empty means none.
    static func cleanToken(_ text: String?) -> String? {
        guard let text else { return nil }
        let cleaned = text.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "")
            .trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? nil : cleaned
    }

    /// `os.path.expanduser` for the forms that occur in practice (`~` and `~/…`).
    static func expandingTilde(_ path: String, home: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return (home as NSString).appendingPathComponent(String(path.dropFirst(2))) }
        return path
    }
}
