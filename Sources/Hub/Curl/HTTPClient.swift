import CCurl
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 client over one libcurl easy handle per request.
///
/// Hub traffic is a handful of sequential calls, so there is no connection pool or event loop; long
/// transfers run on the caller's thread. Bodies may be streamed: `onBody` receives each chunk of a 2xx
/// response (a non-2xx body is collected for the error message instead).
struct HTTPClient {
    /// Stops a transfer that moves less than one byte per second for this long (a stalled CDN).
    var stallTimeout: Int = 30
    var connectTimeout: Int = 10

    /// Performs `request`. Throws `TransportError` when no complete HTTP response arrived, or rethrows
    /// what `onBody` threw.
    /// - Parameters:
    ///   - onResponse: called once the final response's headers are in, before any of its body.
    ///   - onBody: receives the body of a 2xx response chunk by chunk; nil collects it in `body`.
    ///   - onUpload: the number of request-body bytes sent so far.
    func perform(_ request: HTTPRequest,
                 onResponse: ((_ status: Int, _ headers: [(name: String, value: String)]) throws -> Void)? = nil,
                 onBody: ((UnsafeRawBufferPointer) throws -> Void)? = nil,
                 onUpload: ((Int64) -> Void)? = nil) throws -> HTTPResponse {
        _ = CurlCalls.functions
        guard let handle = curl_easy_init() else { throw TransportError(code: -1, message: "curl_easy_init failed", abortedByCaller: false) }
        defer { curl_easy_cleanup(handle) }

        let transfer = try Transfer(request: request, onResponse: onResponse, onBody: onBody, onUpload: onUpload)
        defer { transfer.close() }
        let context = Unmanaged.passUnretained(transfer).toOpaque()

        var headerList: UnsafeMutablePointer<curl_slist>?
        // An empty "Expect:" stops curl from waiting for 100-continue before large bodies.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            headerList = curl_slist_append(headerList, line)
        }
        defer { curl_slist_free_all(headerList) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        var codes: [CURLcode] = [
            CurlCalls.set(handle, CURLOPT_URL, request.url),
            CurlCalls.set(handle, CURLOPT_NOSIGNAL, 1),
            CurlCalls.set(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
            CurlCalls.set(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
            CurlCalls.set(handle, CURLOPT_CONNECTTIMEOUT, connectTimeout),
            CurlCalls.set(handle, CURLOPT_LOW_SPEED_LIMIT, 1),
            CurlCalls.set(handle, CURLOPT_LOW_SPEED_TIME, stallTimeout),
            CurlCalls.set(handle, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0),
            CurlCalls.set(handle, CURLOPT_MAXREDIRS, 10),
            CurlCalls.set(handle, CURLOPT_HTTPHEADER, UnsafeRawPointer(headerList)),
            CurlCalls.set(handle, CURLOPT_HEADERFUNCTION, unsafeBitCast(headerCallback, to: UnsafeRawPointer.self)),
            CurlCalls.set(handle, CURLOPT_HEADERDATA, UnsafeRawPointer(context)),
            CurlCalls.set(handle, CURLOPT_WRITEFUNCTION, unsafeBitCast(writeCallback, to: UnsafeRawPointer.self)),
            CurlCalls.set(handle, CURLOPT_WRITEDATA, UnsafeRawPointer(context)),
        ]
        if let timeout = request.timeout { codes.append(CurlCalls.set(handle, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))) }
        let length = Int(request.body.length)
        switch request.method {
        case "GET": codes.append(CurlCalls.set(handle, CURLOPT_HTTPGET, 1))
        case "HEAD": codes.append(CurlCalls.set(handle, CURLOPT_NOBODY, 1))
        case "POST":
            codes += [CurlCalls.set(handle, CURLOPT_POST, 1), CurlCalls.set(handle, CURLOPT_POSTFIELDSIZE_LARGE, length)]
        case "PUT":
            codes += [CurlCalls.set(handle, CURLOPT_UPLOAD, 1), CurlCalls.set(handle, CURLOPT_INFILESIZE_LARGE, length)]
        default:
            codes.append(CurlCalls.set(handle, CURLOPT_CUSTOMREQUEST, request.method))
        }
        if request.method == "POST" || request.method == "PUT" {
            codes += [CurlCalls.set(handle, CURLOPT_READFUNCTION, unsafeBitCast(readCallback, to: UnsafeRawPointer.self)),
                      CurlCalls.set(handle, CURLOPT_READDATA, UnsafeRawPointer(context))]
        }
        if let bad = codes.first(where: { $0 != CURLE_OK }) {
            throw TransportError(code: Int(bad.rawValue), message: "libcurl rejected an option: \(String(cString: curl_easy_strerror(bad)))", abortedByCaller: false)
        }

        let result = errorBuffer.withUnsafeMutableBufferPointer { buffer -> CURLcode in
            _ = CurlCalls.set(handle, CURLOPT_ERRORBUFFER, UnsafeRawPointer(buffer.baseAddress))
            return curl_easy_perform(handle)
        }
        if let error = transfer.callbackError { throw error }
        guard result == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            throw TransportError(code: Int(result.rawValue),
                                 message: detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail,
                                 abortedByCaller: false)
        }
        return HTTPResponse(status: CurlCalls.responseCode(handle), headers: transfer.headers, body: transfer.body,
                            url: CurlCalls.effectiveURL(handle) ?? request.url)
    }
}

/// The state one transfer's C callbacks share, reached through curl's `userdata` pointer.
private final class Transfer {
    var status = 0
    var headers: [(name: String, value: String)] = []
    var body = Data()
    var headersDelivered = false
    var callbackError: Error?
    let onResponse: ((Int, [(name: String, value: String)]) throws -> Void)?
    let onBody: ((UnsafeRawBufferPointer) throws -> Void)?
    let onUpload: ((Int64) -> Void)?

    // Request body source.
    let payload: Data?
    let file: FileHandle?
    var offset: Int64
    var remaining: Int64
    var sent: Int64 = 0

    init(request: HTTPRequest, onResponse: ((Int, [(name: String, value: String)]) throws -> Void)?,
         onBody: ((UnsafeRawBufferPointer) throws -> Void)?, onUpload: ((Int64) -> Void)?) throws {
        self.onResponse = onResponse
        self.onBody = onBody
        self.onUpload = onUpload
        switch request.body {
        case .none:
            payload = nil; file = nil; offset = 0; remaining = 0
        case let .data(data):
            payload = data; file = nil; offset = 0; remaining = Int64(data.count)
        case let .file(url, start, length):
            payload = nil
            do { file = try FileHandle(forReadingFrom: url) } catch {
                throw HubError.fileSystem(path: url.path, detail: "cannot open for upload: \(error.localizedDescription)")
            }
            offset = start; remaining = length
        }
    }

    func close() { try? file?.close() }

    func header(line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("HTTP/") {
            // A new response (1xx, a redirect curl follows, or the final one) starts a new header block.
            let fields = trimmed.split(separator: " ")
            status = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
            headers = []
            headersDelivered = false
        } else if let colon = trimmed.firstIndex(of: ":") {
            headers.append((String(trimmed[..<colon]), trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
    }

    /// Returns false to abort the transfer.
    func write(_ chunk: UnsafeRawBufferPointer) -> Bool {
        do {
            if !headersDelivered {
                headersDelivered = true
                try onResponse?(status, headers)
            }
            if let onBody, (200..<300).contains(status) {
                try onBody(chunk)
            } else if body.count < 4 << 20 {
                body.append(contentsOf: chunk)
            }
            return true
        } catch {
            callbackError = error
            return false
        }
    }

    /// Fills `buffer` with the next request-body bytes; returns the count, 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let count = Int(min(Int64(buffer.count), remaining))
        guard count > 0 else { return 0 }
        if let payload {
            let start = payload.count - Int(remaining)
            payload.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<start + count])) }
        } else if let file {
            let got = pread(file.fileDescriptor, buffer.baseAddress, count, off_t(offset))
            guard got > 0 else {
                callbackError = HubError.fileSystem(path: "upload source", detail: "read failed: \(String(cString: strerror(errno)))")
                return nil
            }
            offset += Int64(got)
            remaining -= Int64(got)
            sent += Int64(got)
            onUpload?(sent)
            return got
        }
        remaining -= Int64(count)
        sent += Int64(count)
        onUpload?(sent)
        return count
    }
}

private let headerCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, context in
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
    transfer.header(line: String(decoding: bytes, as: UTF8.self))
    return size * count
}

private let writeCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, context in
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    return transfer.write(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
}

private let readCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, context in
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    return transfer.read(into: UnsafeMutableRawBufferPointer(start: data, count: size * count)) ?? Int(CURL_READFUNC_ABORT)
}
