import Foundation

/// Header fields of a request or response: ordered, multi-valued, names compared without regard to
/// ASCII case (RFC 9110 §5.1). Names keep the spelling they were added with.
public struct HTTPHeaders: Sequence, ExpressibleByDictionaryLiteral, Equatable, CustomStringConvertible {
    public typealias Field = (name: String, value: String)

    private var fields: [Field] = []

    /// No fields.
    public init() {}

    /// The fields in the order given; repeated names stay separate fields.
    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The first value of `name`, or nil. Setting replaces every field of that name; nil removes them.
    public subscript(name: String) -> String? {
        get { fields.first { $0.name.equalsIgnoringASCIICase(name) }?.value }
        set {
            if let newValue { set(name: name, value: newValue) } else { remove(name: name) }
        }
    }

    /// Every value of `name`, in order (each field separately, not split at commas).
    public func values(for name: String) -> [String] {
        fields.filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
    }

    /// Whether at least one field is called `name`.
    public func contains(name: String) -> Bool {
        fields.contains { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// Whether the comma-separated list in the `name` fields holds `token` (ASCII case ignored),
    /// e.g. `Connection: keep-alive, Upgrade` holds `upgrade` (RFC 9110 §5.6.1 list syntax).
    public func containsToken(_ token: String, in name: String) -> Bool {
        commaSeparatedValues(for: name).contains { $0.equalsIgnoringASCIICase(token) }
    }

    /// The elements of the comma-separated lists in every `name` field, trimmed, empty elements dropped.
    public func commaSeparatedValues(for name: String) -> [String] {
        values(for: name).flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// Appends a field, keeping any others of the same name.
    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field called `name` with one field holding `value` (at the first one's place).
    public mutating func set(name: String, value: String) {
        if let first = fields.firstIndex(where: { $0.name.equalsIgnoringASCIICase(name) }) {
            fields[first].value = value
            var index = fields.index(after: first)
            while index < fields.endIndex {
                if fields[index].name.equalsIgnoringASCIICase(name) { fields.remove(at: index) } else { index += 1 }
            }
        } else {
            fields.append((name: name, value: value))
        }
    }

    /// Removes every field called `name`.
    public mutating func remove(name: String) {
        fields.removeAll { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// The number of fields (a repeated name counts once per field).
    public var count: Int { fields.count }

    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name.equalsIgnoringASCIICase($1.name) && $0.value == $1.value }
    }

    /// Names only: values can carry credentials (`Authorization`, cookies) and descriptions end up in logs.
    public var description: String { "HTTPHeaders(\(fields.map(\.name).joined(separator: ", ")))" }
}

extension String {
    /// Compares ASCII letters without regard to case and everything else exactly; header names and
    /// tokens are ASCII, so this avoids `lowercased()`'s allocation and Unicode rules.
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        let left = utf8, right = other.utf8
        guard left.count == right.count else { return false }
        for (a, b) in zip(left, right) where a != b {
            let lowerA = (a >= 0x41 && a <= 0x5A) ? a | 0x20 : a
            let lowerB = (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
            if lowerA != lowerB { return false }
        }
        return true
    }
}
