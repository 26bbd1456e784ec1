import Foundation
import HTTPServer
import Jobs

extension SigtuneServer {
    func addDatasetRoutes() {
        route("POST", "/v1/datasets") { [unowned self] request, _ in
            let (dataset, created) = try self.datasets.ingest(request, name: request.query["name"])
            return JSONBodies.response(created ? 201 : 200, dataset)
        }
        route("GET", "/v1/datasets") { [unowned self] _, _ in
            JSONBodies.response(200, ["datasets": self.datasets.list()])
        }
        route("GET", "/v1/datasets/{id}") { [unowned self] _, parameters in
            JSONBodies.response(200, try self.datasets.get(parameters["id"]!))
        }
        route("DELETE", "/v1/datasets/{id}") { [unowned self] _, parameters in
            let id = parameters["id"]!
            if let user = self.jobs.list().first(where: { $0.dataset == id && !$0.status.isFinished }) {
                throw APIError.conflict("dataset \(id) is used by job \(user.id), which has not finished; cancel it first")
            }
            try self.datasets.delete(id)
            return HTTPResponse(status: 204)
        }
    }
}
