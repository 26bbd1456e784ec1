import Foundation

/// The body of a request as the handler receives it.
///
/// Bodies up to `Configuration.bodyInMemoryLimit` arrive in memory; larger ones were streamed to a
/// temporary file in `Configuration.uploadDirectory` while they arrived. The server deletes that file
/// once the handler returns, unless the handler moved it away (to keep an upload, move it).
public enum HTTPBody {
    case empty
    case data(Data)
    case file(URL, length: Int)

    /// The body's length in bytes.
    public var count: Int {
        switch self {
        case .empty: return 0
        case .data(let data): return data.count
        case .file(_, let length): return length
        }
    }

    /// The whole body as Data. A `.file` body is memory-mapped, not read: its pages load on demand, so a
    /// large upload can be parsed (multipart) without holding it in memory.
    public func readData() throws -> Data {
        switch self {
        case .empty: return Data()
        case .data(let data): return data
        case .file(let url, _): return try Data(contentsOf: url, options: .alwaysMapped)
        }
    }
}
