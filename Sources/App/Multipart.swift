import Foundation

/// One part of a `multipart/form-data` body (RFC 7578).
struct MultipartPart {
    let name: String?
    let filename: String?
    let contentType: String?
    let body: Data
}

/// Parses `multipart/form-data` bodies. The body may be a memory-mapped upload file: parts are slices of
/// it, not copies.
enum Multipart {
    struct ParseError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// The boundary of a `multipart/form-data` Content-Type, or nil for other types.
    static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" { return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return nil
    }

    static func parse(_ body: Data, boundary: String) throws -> [MultipartPart] {
        let delimiter = Data("--\(boundary)".utf8)
        let crlf = Data("\r\n".utf8)
        guard var cursor = body.range(of: delimiter)?.upperBound else {
            throw ParseError(message: "multipart body has no boundary line '--\(boundary)'")
        }
        var parts: [MultipartPart] = []
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard body[cursor...].starts(with: crlf) else { throw ParseError(message: "malformed multipart boundary line") }
            cursor += 2
            guard let headerEnd = body.range(of: Data("\r\n\r\n".utf8), in: cursor..<body.endIndex) else {
                throw ParseError(message: "multipart part without the blank line after its headers")
            }
            let headerText = String(decoding: body[cursor..<headerEnd.lowerBound], as: UTF8.self)
            cursor = headerEnd.upperBound
            guard let next = body.range(of: crlf + delimiter, in: cursor..<body.endIndex) else {
                throw ParseError(message: "multipart body ends before the closing boundary (truncated upload?)")
            }
            var name: String?, filename: String?, contentType: String?
            for line in headerText.components(separatedBy: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                switch pair[0].lowercased() {
                case "content-disposition":
                    for item in pair[1].split(separator: ";").dropFirst() {
                        let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                        guard kv.count == 2 else { continue }
                        let value = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                        if kv[0].lowercased() == "name" { name = value }
                        if kv[0].lowercased() == "filename" { filename = value }
                    }
                case "content-type": contentType = pair[1]
                default: break
                }
            }
            parts.append(MultipartPart(name: name, filename: filename, contentType: contentType, body: body[cursor..<next.lowerBound]))
            cursor = next.upperBound
        }
        return parts
    }
}
