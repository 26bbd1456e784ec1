import Foundation
import Imaging
import TensorCore

/// What a preprocessed cache holds: every image resized to one model input, uint8 RGB. Another size or
/// filter is another cache file.
public struct CacheSpec: Hashable, Sendable {
    public var width: Int
    public var height: Int
    public var filter: ResampleFilter
    public var passOrder: ResizePassOrder

    public init(width: Int, height: Int, filter: ResampleFilter = .bilinear, passOrder: ResizePassOrder = .pillow13) {
        self.width = width
        self.height = height
        self.filter = filter
        self.passOrder = passOrder
    }

    /// The file name under `<dataset>/cache/`, e.g. `rgb-224x224-bilinear-pillow13.u8`.
    public var fileName: String {
        let filterName: String
        switch filter {
        case .nearest: filterName = "nearest"
        case .bilinear: filterName = "bilinear"
        case .bicubic: filterName = "bicubic"
        }
        return "rgb-\(width)x\(height)-\(filterName)-\(passOrder == .pillow13 ? "pillow13" : "pillow11").u8"
    }

    var recordBytes: Int { width * height * 3 }
}

/// A preprocessed cache file: a 64-byte header ("SGTRGB01", then little-endian u32 width, height, filter,
/// pass order (0 = pillow13, 1 = pillow11) and u64 count), then `count` images of width × height × 3
/// bytes (HWC) in manifest order. Records are read one at a time with `pread`.
public final class ImageCache {
    static let magic = Array("SGTRGB01".utf8)
    static let headerBytes = 64

    public let spec: CacheSpec
    public let count: Int
    public let url: URL
    private let fd: Int32

    /// Opens and checks a cache file against the spec and the expected image count.
    init(url: URL, spec: CacheSpec, expectedCount: Int) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestError.io(path: url.path, detail: "cannot open the cache") }
        var header = [UInt8](repeating: 0, count: ImageCache.headerBytes)
        let n = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        var info = stat()
        fstat(fd, &info)
        let expectedHeader = ImageCache.header(spec: spec, count: expectedCount)
        guard n == ImageCache.headerBytes, header == expectedHeader,
              Int64(info.st_size) == Int64(ImageCache.headerBytes) + Int64(expectedCount) * Int64(spec.recordBytes) else {
            close(fd)
            throw IngestError.corrupt(entry: url.lastPathComponent, detail: "the preprocessed cache does not match the manifest")
        }
        self.fd = fd
        self.url = url
        self.spec = spec
        self.count = expectedCount
    }

    deinit { close(fd) }

    /// Image `index` (manifest order), already resized to the spec.
    public func image(at index: Int) throws -> RGBImage {
        precondition(index >= 0 && index < count, "cache index \(index) out of 0..<\(count)")
        let size = spec.recordBytes
        let pixels = try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            let offset = off_t(ImageCache.headerBytes) + off_t(index) * off_t(size)
            var done = 0
            while done < size {
                let n = pread(fd, buffer.baseAddress! + done, size - done, offset + off_t(done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw IngestError.io(path: url.path, detail: "short read of cache record \(index)") }
                done += n
            }
            initialized = size
        }
        return RGBImage(width: spec.width, height: spec.height, pixels: pixels)
    }

    static func header(spec: CacheSpec, count: Int) -> [UInt8] {
        var header = magic
        func u32(_ v: Int) { header += withUnsafeBytes(of: UInt32(v).littleEndian, Array.init) }
        u32(spec.width)
        u32(spec.height)
        u32(spec.filter.rawValue)
        u32(spec.passOrder == .pillow13 ? 0 : 1)
        header += withUnsafeBytes(of: UInt64(count).littleEndian, Array.init)
        header += [UInt8](repeating: 0, count: headerBytes - header.count)
        return header
    }
}

/// Decoding images on all cores: each file is read, its header probed against the pixel limit, decoded,
/// resized and written to its slot of a cache file. One image per thread is in memory at a time.
enum ImageBatchDecoder {
    enum Outcome {
        case decoded(format: String, width: Int, height: Int)
        case failed(DatasetProblem)
    }

    /// Decodes `files` (named `names` in problems); with a cache spec and file descriptor, writes image i
    /// to record i. Work is handed out one image at a time, so large and small images balance across threads.
    static func decode(files: [URL], names: [String], maxPixels: Int, cache: (spec: CacheSpec, fd: Int32)?, threads: Int) -> [Outcome] {
        var outcomes = [Outcome?](repeating: nil, count: files.count)
        let lock = NSLock()
        var next = 0
        outcomes.withUnsafeMutableBufferPointer { results in
            let results = results
            DispatchQueue.concurrentPerform(iterations: max(1, min(threads, files.count))) { _ in
                while true {
                    lock.lock()
                    let index = next
                    next += 1
                    lock.unlock()
                    guard index < files.count else { return }
                    results[index] = decodeOne(files[index], name: names[index], maxPixels: maxPixels, cache: cache, slot: index)
                }
            }
        }
        return outcomes.map { $0! }
    }

    private static func decodeOne(_ url: URL, name: String, maxPixels: Int, cache: (spec: CacheSpec, fd: Int32)?, slot: Int) -> Outcome {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            return .failed(DatasetProblem(path: name, kind: .undecodable, reason: "cannot read the file: \(error.localizedDescription)"))
        }
        if let header = ImageDecoder.probe(data), header.width * header.height > maxPixels {
            return .failed(DatasetProblem(path: name, kind: .tooManyPixels,
                reason: "the header declares \(header.width)x\(header.height) = \(header.width * header.height) pixels, over max_pixels = \(maxPixels) (a decompression bomb, or downscale it); not decoded"))
        }
        let image: RGBImage
        do {
            image = try ImageDecoder.decodeRGB(data, name: name)
        } catch let error as ImageDecodeError {
            let kind: DatasetProblem.Kind
            switch error.kind {
            case .unsupportedFormat: kind = .unsupportedFormat
            case .tooManyPixels: kind = .tooManyPixels
            default: kind = .undecodable
            }
            return .failed(DatasetProblem(path: name, kind: kind, reason: error.description))
        } catch {
            return .failed(DatasetProblem(path: name, kind: .undecodable, reason: "\(error)"))
        }
        let format = ImageDecoder.probe(data)?.format ?? "unknown"
        if let cache {
            let resized = resize(image, width: cache.spec.width, height: cache.spec.height, filter: cache.spec.filter,
                                 passOrder: cache.spec.passOrder)
            let offset = off_t(ImageCache.headerBytes) + off_t(slot) * off_t(cache.spec.recordBytes)
            let ok = resized.pixels.withUnsafeBytes { raw -> Bool in
                var done = 0
                while done < raw.count {
                    let n = pwrite(cache.fd, raw.baseAddress! + done, raw.count - done, offset + off_t(done))
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { return false }
                    done += n
                }
                return true
            }
            if !ok {
                return .failed(DatasetProblem(path: name, kind: .undecodable, reason: "cannot write the cache: \(String(cString: strerror(errno)))"))
            }
        }
        return .decoded(format: format, width: image.width, height: image.height)
    }
}

/// Writing a cache file: created, filled by the decoder, compacted when some images failed, synced.
enum CacheWriter {
    /// Creates `url` sized for `count` records, with its header.
    static func create(_ url: URL, spec: CacheSpec, count: Int) throws -> Int32 {
        let fd = open(url.path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IngestError.io(path: url.path, detail: "cannot create the cache: \(String(cString: strerror(errno)))") }
        let header = ImageCache.header(spec: spec, count: count)
        let ok = header.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } == header.count
            && ftruncate(fd, off_t(ImageCache.headerBytes) + off_t(count) * off_t(spec.recordBytes)) == 0
        if !ok {
            let detail = String(cString: strerror(errno))
            close(fd)
            throw IngestError.io(path: url.path, detail: "cannot size the cache: \(detail)")
        }
        return fd
    }

    /// Moves the records of `kept` slots (ascending) to the front, shrinks the file, rewrites the header.
    static func compact(_ fd: Int32, url: URL, spec: CacheSpec, kept: [Int]) throws {
        let size = spec.recordBytes
        var record = [UInt8](repeating: 0, count: size)
        for (target, source) in kept.enumerated() where target != source {
            let base = off_t(ImageCache.headerBytes)
            let ok = record.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress, size, base + off_t(source) * off_t(size)) == size
                    && pwrite(fd, raw.baseAddress, size, base + off_t(target) * off_t(size)) == size
            }
            guard ok else { throw IngestError.io(path: url.path, detail: "cannot compact the cache") }
        }
        let header = ImageCache.header(spec: spec, count: kept.count)
        guard ftruncate(fd, off_t(ImageCache.headerBytes) + off_t(kept.count) * off_t(size)) == 0,
              header.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == header.count else {
            throw IngestError.io(path: url.path, detail: "cannot shrink the cache")
        }
    }
}
