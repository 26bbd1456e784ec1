import CCurl
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// libcurl's two variadic entry points, `curl_easy_setopt` and `curl_easy_getinfo`, which Swift cannot call.
///
/// The package has no C target for the Hub to put a wrapper in, so we look the functions up and call them
/// through a fixed three-argument C prototype. That is sound on the System V x86-64 and AAPCS64 (Linux)
/// ABIs for what we pass: every value (long, curl_off_t, pointer, function pointer) travels in one general
/// register exactly as in a variadic call.
enum CurlCalls {
    typealias SetOption = @convention(c) (UnsafeMutableRawPointer?, CURLoption, UnsafeRawPointer?) -> CURLcode
    typealias GetInfo = @convention(c) (UnsafeMutableRawPointer?, CURLINFO, UnsafeMutableRawPointer?) -> CURLcode

    /// The symbols, looked up once; `curl_global_init` runs first (it is not thread-safe, so only here).
    static let functions: (setopt: SetOption, getinfo: GetInfo) = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        let process = dlopen(nil, RTLD_NOW)
        guard let setopt = dlsym(process, "curl_easy_setopt"), let getinfo = dlsym(process, "curl_easy_getinfo") else {
            fatalError("libcurl: curl_easy_setopt/curl_easy_getinfo not found in the process")
        }
        return (unsafeBitCast(setopt, to: SetOption.self), unsafeBitCast(getinfo, to: GetInfo.self))
    }()

    static func set(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, _ value: Int) -> CURLcode {
        functions.setopt(handle, option, UnsafeRawPointer(bitPattern: value))
    }

    static func set(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, _ pointer: UnsafeRawPointer?) -> CURLcode {
        functions.setopt(handle, option, pointer)
    }

    /// String options: libcurl copies them (since 7.17), so the Swift string need not outlive the call.
    static func set(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, _ text: String) -> CURLcode {
        text.withCString { functions.setopt(handle, option, UnsafeRawPointer($0)) }
    }

    static func responseCode(_ handle: UnsafeMutableRawPointer) -> Int {
        var code = 0
        _ = withUnsafeMutablePointer(to: &code) { functions.getinfo(handle, CURLINFO_RESPONSE_CODE, UnsafeMutableRawPointer($0)) }
        return code
    }

    static func effectiveURL(_ handle: UnsafeMutableRawPointer) -> String? {
        var pointer: UnsafePointer<CChar>?
        _ = withUnsafeMutablePointer(to: &pointer) { functions.getinfo(handle, CURLINFO_EFFECTIVE_URL, UnsafeMutableRawPointer($0)) }
        return pointer.map { String(cString: $0) }
    }
}
