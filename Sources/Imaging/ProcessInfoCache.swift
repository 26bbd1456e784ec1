import Foundation

/// Processor count read once (ProcessInfo is comparatively slow to query per call).
enum ProcessInfoCache {
    static let activeProcessorCount = ProcessInfo.processInfo.activeProcessorCount
}
