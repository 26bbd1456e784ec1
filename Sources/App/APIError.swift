import Foundation
import HTTPServer
import Datasets
import Imaging
import Jobs
import SigLIP
import TensorCore
import Training

/// An error a handler answers with: status, a stable machine-readable code, and a message that says what
/// was wrong and what to do.
struct APIError: Error {
    let status: Int
    let code: String
    let message: String

    static func badRequest(_ message: String) -> APIError { APIError(status: 400, code: "bad_request", message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: 404, code: "not_found", message: message) }
    static func conflict(_ message: String) -> APIError { APIError(status: 409, code: "conflict", message: message) }
    static func unprocessable(_ message: String) -> APIError { APIError(status: 422, code: "unprocessable", message: message) }

    /// Maps the domain's typed errors to HTTP: missing → 404, state conflicts → 409, bad input → 400/422,
    /// a full disk → 507 (nothing stored before is touched: every write is temp-then-rename).
    static func from(_ error: Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as JobStore.StoreError:
            switch error {
            case .notFound: return .notFound("\(error)")
            case .conflict: return .conflict("\(error)")
            case .io: return APIError(status: 500, code: "internal", message: "\(error)")
            }
        case let error as ModelRegistry.RegistryError:
            switch error {
            case .notFound: return .notFound("\(error)")
            case .invalidModel: return .unprocessable("\(error)")
            }
        case is JobSpec.SpecError, is TrainingOptions.OptionError, is Multipart.ParseError: return .badRequest("\(error)")
        case is ImageDecodeError, is CheckpointError, is SafetensorsError, is StratifiedSplitError: return .unprocessable("\(error)")
        case let error as IngestError:
            if case .limitExceeded = error { return APIError(status: 413, code: "limit_exceeded", message: "\(error)") }
            if case .io(_, let detail) = error, detail.contains(String(cString: strerror(ENOSPC))) { return diskFull("\(error)") }
            return .unprocessable("\(error)")
        case let error as AtomicFile.WriteError where error.errno == ENOSPC:
            return APIError(status: 507, code: "insufficient_storage", message: "the server's disk is full: \(error). Nothing stored before was changed; free space and retry.")
        case let error as CocoaError where error.code == .fileWriteOutOfSpace:
            return APIError(status: 507, code: "insufficient_storage", message: "the server's disk is full. Nothing stored before was changed; free space and retry.")
        case let error as NSError where error.domain == NSPOSIXErrorDomain && error.code == Int(ENOSPC):
            return APIError(status: 507, code: "insufficient_storage", message: "the server's disk is full. Nothing stored before was changed; free space and retry.")
        default:
            // Layers below report I/O failures with the system's message (strerror) in their text; a full
            // disk must still be a 507 wherever it struck.
            if "\(error)".contains(String(cString: strerror(ENOSPC))) { return diskFull("\(error)") }
            return APIError(status: 500, code: "internal", message: "\(error)")
        }
    }

    static func diskFull(_ detail: String) -> APIError {
        APIError(status: 507, code: "insufficient_storage", message: "the server's disk is full (\(detail)). Nothing stored before was changed; free space and retry.")
    }

    var response: HTTPResponse { .error(status, code: code, message: message) }
}
