import Foundation

/// JSON helpers for machine-readable output.
public enum JSONOutput {
    /// A Float as the JSON number with its shortest round-trip spelling (0.1 instead of 0.10000000149011612).
    public static func number(_ value: Float) -> Any {
        guard value.isFinite else { return NSNull() }
        return Double("\(value)") ?? Double(value)
    }

    /// One line of compact JSON with sorted keys.
    public static func line(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
