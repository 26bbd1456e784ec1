import Foundation

/// Serialises Foundation JSON values (dictionaries, arrays, strings, numbers, booleans, NSNull) as Python's
/// `json.dumps(indent=2, sort_keys=True)` would, keeping a floating-point number a float: 1.0 stays `1.0`.
///
/// Foundation's JSONSerialization on Linux writes 1.0 as `1`, and transformers 5 validates config fields
/// strictly (`initializer_factor` must be a float), so a config.json written that way no longer loads.
public enum JSONWriter {
    /// The text of `value`, pretty-printed with two-space indentation and sorted keys, ending in a newline.
    public static func serialize(_ value: Any, pretty: Bool = true) -> String {
        var out = ""
        write(value, into: &out, indent: pretty ? 0 : nil)
        return pretty ? out + "\n" : out
    }

    public static func data(_ value: Any, pretty: Bool = true) -> Data { Data(serialize(value, pretty: pretty).utf8) }

    static func write(_ value: Any, into out: inout String, indent: Int?) {
        let newline = indent.map { "\n" + String(repeating: "  ", count: $0 + 1) } ?? ""
        let closing = indent.map { "\n" + String(repeating: "  ", count: $0) } ?? ""
        let inner = indent.map { $0 + 1 }
        switch value {
        case let string as String:
            out += quote(string)
        case let dictionary as [String: Any]:
            if dictionary.isEmpty { out += "{}"; return }
            out += "{"
            for (i, key) in dictionary.keys.sorted().enumerated() {
                out += (i == 0 ? "" : ",") + newline + quote(key) + (indent == nil ? ":" : ": ")
                write(dictionary[key]!, into: &out, indent: inner)
            }
            out += closing + "}"
        case let array as [Any]:
            if array.isEmpty { out += "[]"; return }
            out += "["
            for (i, element) in array.enumerated() {
                out += (i == 0 ? "" : ",") + newline
                write(element, into: &out, indent: inner)
            }
            out += closing + "]"
        case is NSNull:
            out += "null"
        case let number as NSNumber:
            out += format(number)
        case Optional<Any>.none:
            out += "null"
        default:
            out += quote("\(value)")
        }
    }

    /// Booleans as true/false, integers as integers, floats with their shortest round-trip spelling and
    /// always a decimal point or exponent; NaN and infinities (not JSON) as null.
    static func format(_ number: NSNumber) -> String {
        switch String(cString: number.objCType) {
        case "c", "B": return number.boolValue ? "true" : "false"
        case "f":
            let value = number.floatValue
            return value.isFinite ? floatText(Double("\(value)") ?? Double(value)) : "null"
        case "d":
            return number.doubleValue.isFinite ? floatText(number.doubleValue) : "null"
        default:
            return number.stringValue
        }
    }

    static func floatText(_ value: Double) -> String {
        let text = "\(value)"
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }

    static func quote(_ string: String) -> String { OrderedJSON.quote(string) }
}
