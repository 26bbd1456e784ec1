import Foundation

/// The numbers `GET /metrics` exposes in the Prometheus text format (version 0.0.4): requests by route
/// and status, a request latency histogram, jobs by state, training images per second.
final class ServerMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var requests: [String: Int] = [:]              // "route|method|status" → count
    private var latencyBuckets: [Double: Int] = [:]
    private var latencyCount = 0
    private var latencySum = 0.0
    private var trainingImagesPerSecond: [String: Double] = [:]
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    func record(route: String, method: String, status: Int, seconds: Double) {
        lock.withLock {
            requests["\(route)|\(method)|\(status)", default: 0] += 1
            latencyCount += 1
            latencySum += seconds
            for bound in Self.buckets where seconds <= bound { latencyBuckets[bound, default: 0] += 1 }
        }
    }

    func setTrainingRate(job: String, imagesPerSecond: Double?) {
        lock.withLock { trainingImagesPerSecond[job] = imagesPerSecond }
    }

    func render(jobsByState: [String: Int]) -> String {
        lock.withLock {
            var out = "# HELP sigtune_http_requests_total HTTP requests by route template, method and status.\n"
            out += "# TYPE sigtune_http_requests_total counter\n"
            for key in requests.keys.sorted() {
                let parts = key.split(separator: "|", omittingEmptySubsequences: false)
                out += "sigtune_http_requests_total{route=\"\(parts[0])\",method=\"\(parts[1])\",status=\"\(parts[2])\"} \(requests[key]!)\n"
            }
            out += "# HELP sigtune_http_request_duration_seconds Request latency.\n# TYPE sigtune_http_request_duration_seconds histogram\n"
            for bound in Self.buckets { out += "sigtune_http_request_duration_seconds_bucket{le=\"\(bound)\"} \(latencyBuckets[bound] ?? 0)\n" }
            out += "sigtune_http_request_duration_seconds_bucket{le=\"+Inf\"} \(latencyCount)\n"
            out += "sigtune_http_request_duration_seconds_sum \(latencySum)\nsigtune_http_request_duration_seconds_count \(latencyCount)\n"
            out += "# HELP sigtune_jobs Jobs by state.\n# TYPE sigtune_jobs gauge\n"
            for state in jobsByState.keys.sorted() { out += "sigtune_jobs{state=\"\(state)\"} \(jobsByState[state]!)\n" }
            out += "# HELP sigtune_training_images_per_second Training throughput of running jobs.\n# TYPE sigtune_training_images_per_second gauge\n"
            for (job, rate) in trainingImagesPerSecond.sorted(by: { $0.key < $1.key }) { out += "sigtune_training_images_per_second{job=\"\(job)\"} \(rate)\n" }
            return out
        }
    }
}
