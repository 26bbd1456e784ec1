import Foundation

/// What is wrong with a safetensors file: the file, the tensor (when one is at fault) and the rule broken.
public struct SafetensorsError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let tensor: String?
    public let rule: String

    public init(file: String, tensor: String? = nil, rule: String) {
        self.file = file
        self.tensor = tensor
        self.rule = rule
    }

    public var description: String {
        if let tensor { return "\(file): tensor '\(tensor)': \(rule)" }
        return "\(file): \(rule)"
    }
}

/// Where one tensor lives in a safetensors file.
public struct TensorInfo: Equatable, Sendable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Byte range relative to the start of the data buffer (end exclusive).
    public let dataOffsets: Range<Int>

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A safetensors file opened read-only and memory-mapped: tensors are read straight from the page cache,
/// converted once into the caller's buffer (no intermediate copy).
///
/// Format and validation: REFERENCE.md 7; safetensors/src/tensor.rs `Metadata::validate`.
public final class SafetensorsFile: @unchecked Sendable {
    /// The largest header the reference accepts (safetensors `MAX_HEADER_SIZE`).
    public static let maxHeaderSize = 100_000_000

    public let path: String
    /// Tensors in header order.
    public let tensors: [TensorInfo]
    /// `__metadata__`, or empty.
    public let metadata: [String: String]
    private let byName: [String: Int]
    private let mapping: UnsafeRawPointer
    private let mappedLength: Int
    private let dataStart: Int

    /// Opens and validates `url`. Throws `SafetensorsError` naming the rule a malformed file breaks.
    public init(url: URL) throws {
        path = url.path
        let file = url.path
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SafetensorsError(file: file, rule: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SafetensorsError(file: file, rule: "cannot stat: \(String(cString: strerror(errno)))") }
        let fileSize = Int(info.st_size)
        guard fileSize >= 8 else { throw SafetensorsError(file: file, rule: "file is \(fileSize) bytes; a safetensors file starts with an 8-byte header length") }
        guard let raw = mmap(nil, fileSize, PROT_READ, MAP_PRIVATE, fd, 0), raw != MAP_FAILED else {
            throw SafetensorsError(file: file, rule: "cannot memory-map: \(String(cString: strerror(errno)))")
        }
        mapping = UnsafeRawPointer(raw)
        mappedLength = fileSize
        do {
            let parsed = try SafetensorsFile.parseHeader(UnsafeRawBufferPointer(start: mapping, count: fileSize), file: file)
            tensors = parsed.tensors
            metadata = parsed.metadata
            dataStart = parsed.dataStart
        } catch {
            munmap(raw, fileSize)
            throw error
        }
        var index: [String: Int] = [:]
        for (i, tensor) in tensors.enumerated() { index[tensor.name] = i }
        byName = index
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: mapping), mappedLength) }

    /// The tensor called `name`, or nil.
    public func info(_ name: String) -> TensorInfo? { byName[name].map { tensors[$0] } }

    /// The raw little-endian bytes of a tensor (valid while this object lives).
    public func rawBytes(_ tensor: TensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mapping + dataStart + tensor.dataOffsets.lowerBound, count: tensor.dataOffsets.count)
    }

    /// Converts a tensor to Float into `destination` (capacity ≥ elementCount).
    public func readFloats(_ tensor: TensorInfo, into destination: UnsafeMutablePointer<Float>) throws {
        let bytes = rawBytes(tensor)
        let count = tensor.elementCount
        switch tensor.dtype {
        case .f32:
            if count > 0 { memcpy(destination, bytes.baseAddress!, count * 4) }
        case .bf16:
            for i in 0..<count { destination[i] = HalfPrecision.floatFromBF16(bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .f16:
            for i in 0..<count { destination[i] = HalfPrecision.floatFromF16(bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .f64:
            for i in 0..<count { destination[i] = Float(bytes.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
        case .u8:
            for i in 0..<count { destination[i] = Float(bytes[i]) }
        default:
            throw SafetensorsError(file: path, tensor: tensor.name, rule: "dtype \(tensor.dtype.rawValue) cannot be read as floats (supported: F32, F16, BF16, F64, U8)")
        }
    }

    /// A tensor as a Float array.
    public func floats(_ name: String) throws -> [Float] {
        guard let tensor = info(name) else { throw SafetensorsError(file: path, tensor: name, rule: "no such tensor in the file") }
        var values = [Float](repeating: 0, count: tensor.elementCount)
        try values.withUnsafeMutableBufferPointer { try readFloats(tensor, into: $0.baseAddress!) }
        return values
    }

    /// A U8 tensor's bytes.
    public func bytes(_ name: String) throws -> [UInt8] {
        guard let tensor = info(name) else { throw SafetensorsError(file: path, tensor: name, rule: "no such tensor in the file") }
        guard tensor.dtype == .u8 else { throw SafetensorsError(file: path, tensor: name, rule: "dtype is \(tensor.dtype.rawValue), expected U8") }
        return Array(rawBytes(tensor))
    }

    /// Parses and validates the header of a whole file image. Rules (safetensors `Metadata::validate`):
    /// header length ≤ 100,000,000 and inside the file; JSON object; unique keys; known dtypes; integer
    /// shapes; `end − begin == elements × bits / 8`; offsets tile the buffer from 0 without holes or
    /// overlaps; 8 + N + last end == file size; `__metadata__` maps strings to strings.
    static func parseHeader(_ file: UnsafeRawBufferPointer, file name: String) throws
        -> (tensors: [TensorInfo], metadata: [String: String], dataStart: Int)
    {
        func fail(_ rule: String, tensor: String? = nil) -> SafetensorsError { SafetensorsError(file: name, tensor: tensor, rule: rule) }
        let headerLength = file.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
        guard headerLength <= UInt64(maxHeaderSize) else {
            throw fail("header length \(headerLength) exceeds the limit of \(maxHeaderSize) bytes")
        }
        let n = Int(headerLength)
        guard 8 + n <= file.count else {
            throw fail("header length \(n) runs past the end of the file (\(file.count) bytes): truncated or not a safetensors file")
        }
        let headerBytes = UnsafeBufferPointer(start: file.baseAddress!.advanced(by: 8).assumingMemoryBound(to: UInt8.self), count: n)
        guard headerBytes.first == UInt8(ascii: "{") else { throw fail("header must be a JSON object starting with '{'") }
        let json: OrderedJSON
        do { json = try OrderedJSON.parse(headerBytes) } catch { throw fail("header is not valid JSON: \(error)") }
        guard case .object(let members) = json else { throw fail("header must be a JSON object") }

        var seen = Set<String>()
        var tensors: [TensorInfo] = []
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard seen.insert(key).inserted else { throw fail("duplicate key in header", tensor: key) }
            if key == "__metadata__" {
                guard case .object(let entries) = value else { throw fail("__metadata__ must be an object of strings") }
                for (metaKey, metaValue) in entries {
                    guard case .string(let string) = metaValue else { throw fail("__metadata__ value for '\(metaKey)' must be a string") }
                    metadata[metaKey] = string
                }
                continue
            }
            guard case .object(let fields) = value else { throw fail("entry must be an object with dtype, shape, data_offsets", tensor: key) }
            let field = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
            guard case .string(let dtypeName)? = field["dtype"] else { throw fail("missing dtype", tensor: key) }
            guard let dtype = DType(rawValue: dtypeName) else { throw fail("unknown dtype '\(dtypeName)'", tensor: key) }
            guard case .array(let dims)? = field["shape"] else { throw fail("missing shape", tensor: key) }
            var shape: [Int] = []
            for dim in dims {
                guard case .number(let d, _) = dim, d >= 0, d == d.rounded(), d < 1e15 else {
                    throw fail("shape must be a list of non-negative integers", tensor: key)
                }
                shape.append(Int(d))
            }
            guard case .array(let offsets)? = field["data_offsets"], offsets.count == 2,
                  case .number(let begin, _) = offsets[0], case .number(let end, _) = offsets[1],
                  begin >= 0, end >= begin, begin == begin.rounded(), end == end.rounded(), end < 1e15
            else { throw fail("data_offsets must be [begin, end] with 0 ≤ begin ≤ end", tensor: key) }
            let (elements, overflow) = shape.reduce((1, false)) { acc, d in
                let (product, o) = acc.0.multipliedReportingOverflow(by: d)
                return (product, acc.1 || o)
            }
            guard !overflow, elements <= Int.max / 8 else { throw fail("shape \(shape) is too large", tensor: key) }
            let expectedBytes = (elements * dtype.bits + 7) / 8
            guard Int(end) - Int(begin) == expectedBytes else {
                throw fail("data_offsets span \(Int(end) - Int(begin)) bytes but shape \(shape) of \(dtype.rawValue) needs \(expectedBytes)", tensor: key)
            }
            tensors.append(TensorInfo(name: key, dtype: dtype, shape: shape, dataOffsets: Int(begin)..<Int(end)))
        }
        // Offsets must tile [0, total) contiguously.
        let sorted = tensors.sorted { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound) }
        var cursor = 0
        for tensor in sorted {
            guard tensor.dataOffsets.lowerBound == cursor else {
                let what = tensor.dataOffsets.lowerBound < cursor ? "overlaps the previous tensor" : "leaves a hole after byte \(cursor)"
                throw fail("data_offsets \(tensor.dataOffsets.lowerBound)..<\(tensor.dataOffsets.upperBound) \(what) (tensors must be contiguous from 0)", tensor: tensor.name)
            }
            cursor = tensor.dataOffsets.upperBound
        }
        guard 8 + n + cursor == file.count else {
            throw fail("file is \(file.count) bytes but header and tensors account for \(8 + n + cursor): \(file.count < 8 + n + cursor ? "truncated" : "trailing bytes")")
        }
        return (tensors, metadata, 8 + n)
    }
}

/// Builds a safetensors file: the reference writer's layout (safetensors `prepare`): tensors sorted by
/// descending dtype then name, laid out contiguously, the header space-padded so the data starts 8-aligned.
public struct SafetensorsWriter {
    /// One tensor to write: its raw little-endian bytes in `dtype`.
    public struct Entry {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        public let data: Data
    }

    public private(set) var entries: [Entry] = []
    public var metadata: [String: String]

    /// `metadata` defaults to what transformers writes, `{"format": "pt"}`.
    public init(metadata: [String: String] = ["format": "pt"]) { self.metadata = metadata }

    /// Adds float values stored as `dtype` (F32, or F16/BF16 rounded to nearest even).
    public mutating func add(_ name: String, shape: [Int], values: UnsafeBufferPointer<Float>, as dtype: DType = .f32) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values for \(name)")
        var data: Data
        switch dtype {
        case .f32:
            data = Data(count: values.count * 4)
            data.withUnsafeMutableBytes { out in
                for (i, v) in values.enumerated() { out.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
            }
        case .bf16, .f16:
            data = Data(count: values.count * 2)
            data.withUnsafeMutableBytes { out in
                for (i, v) in values.enumerated() {
                    let half = dtype == .bf16 ? HalfPrecision.bf16FromFloat(v) : HalfPrecision.f16FromFloat(v)
                    out.storeBytes(of: half.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                }
            }
        default:
            preconditionFailure("SafetensorsWriter writes floats as F32, F16 or BF16, not \(dtype.rawValue)")
        }
        entries.append(Entry(name: name, dtype: dtype, shape: shape, data: data))
    }

    public mutating func add(_ name: String, shape: [Int], values: [Float], as dtype: DType = .f32) {
        values.withUnsafeBufferPointer { add(name, shape: shape, values: $0, as: dtype) }
    }

    /// Adds raw bytes already in `dtype`'s little-endian encoding (U8 images, say).
    public mutating func add(_ name: String, dtype: DType, shape: [Int], rawData: Data) {
        precondition((shape.reduce(1, *) * dtype.bits + 7) / 8 == rawData.count, "size mismatch for \(name)")
        entries.append(Entry(name: name, dtype: dtype, shape: shape, data: rawData))
    }

    /// The whole file's bytes.
    public func serialized() -> Data {
        let ordered = entries.sorted { a, b in
            a.dtype.writeRank != b.dtype.writeRank ? a.dtype.writeRank > b.dtype.writeRank : a.name < b.name
        }
        var members: [(key: String, value: OrderedJSON)] = []
        if !metadata.isEmpty {
            members.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        var offset = 0
        for entry in ordered {
            members.append((entry.name, .object([
                ("dtype", .string(entry.dtype.rawValue)),
                ("shape", .array(entry.shape.map { .integer($0) })),
                ("data_offsets", .array([.integer(offset), .integer(offset + entry.data.count)])),
            ])))
            offset += entry.data.count
        }
        var header = Array(OrderedJSON.object(members).serialized.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for entry in ordered { out.append(entry.data) }
        return out
    }

    /// Writes the file atomically (temp file, fsync, rename, fsync of the directory).
    public func write(to url: URL) throws {
        try AtomicFile.write(serialized(), to: url)
    }
}
