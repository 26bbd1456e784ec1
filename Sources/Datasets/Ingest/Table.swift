import Foundation

/// A metadata or label table: `metadata.csv`/`metadata.jsonl` (Hugging Face imagefolder) or a root
/// `labels.csv` of `path,label`. Values keep the distinction between a JSON list and a string.
struct Table {
    enum Value: Equatable {
        case string(String)
        case list([String])
        case null
    }

    /// Column names in order of first appearance.
    var columns: [String] = []
    var rows: [[String: Value]] = []
    /// Problems found while parsing (line numbers are 1-based).
    var rowProblems: [String] = []

    /// Parses CSV (RFC 4180: quoted fields, doubled quotes, CRLF, a UTF-8 BOM) or JSON Lines by name.
    static func parse(_ data: Data, isJSONLines: Bool) -> Table {
        isJSONLines ? parseJSONLines(data) : parseCSV(data)
    }

    static func parseCSV(_ data: Data) -> Table {
        var table = Table()
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var fieldStarted = false
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var i = 0
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldStarted = false
        }
        func endRecord() {
            endField()
            if !(record.count == 1 && record[0].isEmpty) { records.append(record) }   // blank lines
            record = []
        }
        while i < bytes.count {
            let byte = bytes[i]
            if quoted {
                if byte == 0x22 {
                    if i + 1 < bytes.count && bytes[i + 1] == 0x22 { field.append(0x22); i += 1 } else { quoted = false }
                } else {
                    field.append(byte)
                }
            } else if byte == 0x22 && !fieldStarted && field.isEmpty {
                quoted = true
                fieldStarted = true
            } else if byte == 0x2C {
                endField()
            } else if byte == 0x0A {
                endRecord()
            } else if byte == 0x0D {
                if i + 1 < bytes.count && bytes[i + 1] == 0x0A { i += 1 }
                endRecord()
            } else {
                field.append(byte)
                fieldStarted = true
            }
            i += 1
        }
        if !field.isEmpty || !record.isEmpty || fieldStarted { endRecord() }
        guard let header = records.first else { return table }
        table.columns = header.map { $0.trimmingCharacters(in: .whitespaces) }
        for (index, values) in records.dropFirst().enumerated() {
            if values.count != table.columns.count {
                table.rowProblems.append("line \(index + 2): \(values.count) fields, the header has \(table.columns.count)")
            }
            var row: [String: Value] = [:]
            for (column, value) in zip(table.columns, values) { row[column] = .string(value) }
            table.rows.append(row)
        }
        return table
    }

    static func parseJSONLines(_ data: Data) -> Table {
        var table = Table()
        var seen: Set<String> = []
        var lineNumber = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            var bytes = Data(line)
            if lineNumber == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
                table.rowProblems.append("line \(lineNumber): not a JSON object")
                continue
            }
            var row: [String: Value] = [:]
            for (key, value) in object {
                if seen.insert(key).inserted { table.columns.append(key) }
                row[key] = Table.value(value)
            }
            table.rows.append(row)
        }
        return table
    }

    private static func value(_ any: Any) -> Value {
        switch any {
        case is NSNull: return .null
        case let list as [Any]: return .list(list.compactMap { item in
            if case .string(let s) = value(item) { return s } else { return nil }
        })
        case let string as String: return .string(string)
        case let number as NSNumber:
            // JSON integers stay integers ("3", not "3.0"); booleans become "true"/"false".
            let type = String(cString: number.objCType)
            if type == "c" || type == "B" { return .string(number.boolValue ? "true" : "false") }
            if type != "d" && type != "f" { return .string(String(number.int64Value)) }
            return .string("\(number)")
        default: return .string("\(any)")
        }
    }
}
