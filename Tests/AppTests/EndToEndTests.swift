import App
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import XCTest

/// The server as users meet it: a real listener on an ephemeral port, driven over HTTP.
final class EndToEndTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws { root = try makeTemporaryDirectory("app-e2e") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func start(token: String? = nil) throws -> (SigtuneServer, URL) {
        var configuration = SigtuneServer.Configuration(dataDirectory: root)
        configuration.port = 0
        configuration.token = token
        let server = try SigtuneServer(configuration: configuration)
        let port = try server.start()
        return (server, URL(string: "http://127.0.0.1:\(port)")!)
    }

    @discardableResult
    func call(_ method: String, _ url: URL, body: Data? = nil, contentType: String? = nil, token: String? = nil) throws -> (Int, Data) {
        var request = URLRequest(url: url, timeoutInterval: 60)
        request.httpMethod = method
        request.httpBody = body
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let done = DispatchSemaphore(value: 0)
        var result: (Int, Data)?
        var failure: Error?
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { failure = error } else { result = ((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data()) }
            done.signal()
        }.resume()
        done.wait()
        if let failure { throw failure }
        return result!
    }

    func object(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }

    /// multipart/form-data with the trainer fixture images as parts and their labels.
    func datasetUpload() throws -> (Data, String) {
        let boundary = "sigtune-test-boundary"
        let dataset = Fixtures.url("reference/trainer/dataset")
        var body = Data()
        var labels: [String: String] = [:]
        for label in try FileManager.default.contentsOfDirectory(atPath: dataset.path).sorted() {
            for file in try FileManager.default.contentsOfDirectory(atPath: dataset.appendingPathComponent(label).path).sorted() {
                labels[file] = label
                body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"\(file)\"\r\nContent-Type: image/png\r\n\r\n".utf8))
                body.append(try Data(contentsOf: dataset.appendingPathComponent("\(label)/\(file)")))
                body.append(Data("\r\n".utf8))
            }
        }
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"labels\"\r\n\r\n".utf8))
        body.append(try JSONSerialization.data(withJSONObject: labels))
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    /// A tar (ustar) of a model directory, built here so the upload path is the real one.
    func tarOfModel(_ directory: URL) throws -> Data {
        var tar = Data()
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
            let content = try Data(contentsOf: directory.appendingPathComponent(name))
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int) { for (i, byte) in text.utf8.enumerated() { header[offset + i] = byte } }
            put("tiny/\(name)", at: 0)
            put("0000644\0", at: 100); put("0000000\0", at: 108); put("0000000\0", at: 116)
            put(String(format: "%011o\0", content.count), at: 124)
            put("00000000000\0", at: 136)
            header[156] = UInt8(ascii: "0")
            put("ustar\0", at: 257); put("00", at: 263)
            for i in 148..<156 { header[i] = 0x20 }
            put(String(format: "%06o\0 ", header.reduce(0) { $0 + Int($1) }), at: 148)
            tar.append(contentsOf: header)
            tar.append(content)
            tar.append(Data(count: (512 - content.count % 512) % 512))
        }
        tar.append(Data(count: 1024))
        return tar
    }

    func waitForJob(_ base: URL, _ id: String, until statuses: Set<String>, timeout: TimeInterval = 120) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let job = object(try call("GET", base.appendingPathComponent("v1/jobs/\(id)")).1)
            if statuses.contains(job["status"] as? String ?? "") { return job }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTFail("job \(id) did not reach \(statuses)")
        return [:]
    }

    func testUploadTrainFollowAndClassify() throws {
        let (server, base) = try start()
        defer { server.stop() }
        let (datasetBody, datasetType) = try datasetUpload()
        let (uploadStatus, uploadData) = try call("POST", base.appendingPathComponent("v1/datasets"), body: datasetBody, contentType: datasetType)
        XCTAssertEqual(uploadStatus, 201, String(decoding: uploadData, as: UTF8.self))
        let dataset = object(uploadData)
        XCTAssertEqual(dataset["labels"] as? [String], ["circle", "square", "triangle"])
        XCTAssertNotNil(dataset["health"])
        let (again, _) = try call("POST", base.appendingPathComponent("v1/datasets"), body: datasetBody, contentType: datasetType)
        XCTAssertEqual(again, 200, "the same upload twice is recognised")

        let (modelStatus, modelData) = try call("POST", base.appendingPathComponent("v1/models"), body: try tarOfModel(Fixtures.url("models/tiny32")), contentType: "application/x-tar")
        XCTAssertEqual(modelStatus, 201, String(decoding: modelData, as: UTF8.self))
        let baseModel = object(modelData)["id"] as! String

        let spec = #"{"dataset": "\#(dataset["id"]!)", "base_model": "\#(baseModel)", "num_train_epochs": 2, "per_device_train_batch_size": 8, "learning_rate": 0.001, "validation_size": 0.3}"#
        let (jobStatus, jobData) = try call("POST", base.appendingPathComponent("v1/jobs"), body: Data(spec.utf8), contentType: "application/json")
        XCTAssertEqual(jobStatus, 202, String(decoding: jobData, as: UTF8.self))
        let id = object(jobData)["id"] as! String

        // Server-Sent Events: read the stream until the job ends.
        let (eventsStatus, events) = try call("GET", base.appendingPathComponent("v1/jobs/\(id)/events"))
        XCTAssertEqual(eventsStatus, 200)
        let text = String(decoding: events, as: UTF8.self)
        for kind in ["event: state", "event: progress", "event: evaluation"] { XCTAssertTrue(text.contains(kind), kind) }
        XCTAssertTrue(text.contains("\"status\":\"succeeded\""))

        let job = try waitForJob(base, id, until: ["succeeded", "failed"])
        XCTAssertEqual(job["status"] as? String, "succeeded", "\(job)")
        XCTAssertEqual(job["step"] as? Int, job["total_steps"] as? Int)
        let model = job["model"] as! String
        let metrics = object(try call("GET", base.appendingPathComponent("v1/jobs/\(id)/metrics")).1)
        XCTAssertEqual((metrics["history"] as? [Any])?.count, 3)
        let confusion = object(try call("GET", base.appendingPathComponent("v1/jobs/\(id)/confusion-matrix")).1)
        XCTAssertEqual(confusion["labels"] as? [String], ["circle", "square", "triangle"])
        XCTAssertEqual((confusion["matrix"] as? [[Int]])?.count, 3)

        let image = try Data(contentsOf: Fixtures.url("images/png_rgb8.png"))
        let (classifyStatus, classifyData) = try call("POST", base.appendingPathComponent("v1/models/\(model)/classify").appending(queryItems: [URLQueryItem(name: "top_k", value: "2")]), body: image, contentType: "image/png")
        XCTAssertEqual(classifyStatus, 200, String(decoding: classifyData, as: UTF8.self))
        let predictions = object(classifyData)["predictions"] as! [[[String: Any]]]
        XCTAssertEqual(predictions.count, 1)
        XCTAssertEqual(predictions[0].count, 2)
        let (badImage, badData) = try call("POST", base.appendingPathComponent("v1/models/\(model)/classify"), body: Data("nope".utf8), contentType: "image/png")
        XCTAssertEqual(badImage, 422, String(decoding: badData, as: UTF8.self))

        let (fileStatus, fileData) = try call("GET", base.appendingPathComponent("v1/models/\(model)/files/config.json"))
        XCTAssertEqual(fileStatus, 200)
        XCTAssertTrue(String(decoding: fileData, as: UTF8.self).contains("SiglipForImageClassification"))
        let prometheus = String(decoding: try call("GET", base.appendingPathComponent("metrics")).1, as: UTF8.self)
        XCTAssertTrue(prometheus.contains("sigtune_jobs{state=\"succeeded\"} 1"))
        XCTAssertTrue(prometheus.contains("route=\"/v1/models/{id}/classify\""))
        XCTAssertTrue(prometheus.contains("sigtune_http_request_duration_seconds_bucket"))

        // Concurrent classify requests are all answered, batched or not.
        let group = DispatchGroup()
        let lock = NSLock()
        var statuses: [Int] = []
        for _ in 0..<16 {
            group.enter()
            DispatchQueue.global().async {
                let status = (try? self.call("POST", base.appendingPathComponent("v1/models/\(model)/classify"), body: image, contentType: "image/png").0) ?? -1
                lock.withLock { statuses.append(status) }
                group.leave()
            }
        }
        group.wait()
        XCTAssertEqual(statuses, [Int](repeating: 200, count: 16))
    }

    /// A server stopped mid-training checkpoints the job; the next server on the same data resumes it.
    func testRestartMidJobResumes() throws {
        var (server, base) = try start()
        _ = try server.registerDemo()
        let dataset = server.datasets.store.datasetIDs().first!
        let spec = #"{"dataset": "\#(dataset)", "base_model": "demo-tiny-random-siglip", "num_train_epochs": 4, "per_device_train_batch_size": 4, "learning_rate": 0.001}"#
        let id = object(try call("POST", base.appendingPathComponent("v1/jobs"), body: Data(spec.utf8), contentType: "application/json").1)["id"] as! String
        let deadline = Date().addingTimeInterval(60)
        while (server.jobs.get(id)?.progress?.step ?? 0) < 3 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        server.stop()
        XCTAssertEqual(server.jobs.get(id)?.status, .queued)
        (server, base) = try start()
        defer { server.stop() }
        let job = try waitForJob(base, id, until: ["succeeded", "failed"])
        XCTAssertEqual(job["status"] as? String, "succeeded", "\(job)")
        XCTAssertEqual(job["attempts"] as? Int, 2)
    }

    func testTokenIsRequiredOverTheWire() throws {
        let (server, base) = try start(token: "t0ken")
        defer { server.stop() }
        XCTAssertEqual(try call("GET", base.appendingPathComponent("v1/jobs")).0, 401)
        XCTAssertEqual(try call("GET", base.appendingPathComponent("v1/jobs"), token: "t0ken").0, 200)
        XCTAssertEqual(try call("GET", base.appendingPathComponent("health/live")).0, 200)
    }
}
