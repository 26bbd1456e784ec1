import Foundation

/// Just enough of the safetensors format to read the reference fixtures, so these tests do not
/// depend on TensorCore: u64 little-endian header length N, N bytes of JSON
/// `{name: {dtype, shape, data_offsets: [begin, end]}}` (offsets relative to the data that
/// follows the header), then the data.
struct FixtureSafetensors {
    struct Tensor {
        let name: String
        let dtype: String
        let shape: [Int]
        let bytes: Data
    }

    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    private var tensors: [String: Tensor] = [:]

    var names: [String] { tensors.keys.sorted() }

    subscript(name: String) -> Tensor? { tensors[name] }

    /// Reads and merges every file; later files win on duplicate names.
    init(files: [URL]) throws {
        for url in files {
            let data = try Data(contentsOf: url)
            guard data.count >= 8 else { throw FormatError(description: "\(url.path): shorter than 8 bytes") }
            let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let dataStart = 8 + headerLength
            guard dataStart <= data.count,
                  let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart)) as? [String: Any]
            else { throw FormatError(description: "\(url.path): bad header") }
            for (name, value) in header where name != "__metadata__" {
                guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                      let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int],
                      offsets.count == 2, dataStart + offsets[1] <= data.count
                else { throw FormatError(description: "\(url.path): bad entry \(name)") }
                tensors[name] = Tensor(name: name, dtype: dtype, shape: shape,
                                       bytes: data.subdata(in: dataStart + offsets[0]..<dataStart + offsets[1]))
            }
        }
    }
}
