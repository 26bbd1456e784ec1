import Foundation

extension HubSession {
    /// `create_repo(exist_ok=True)`: `POST /api/repos/create`. A 409 means the repo exists, which is fine
    /// (its visibility is left as it is); any other refusal, in particular 401/403, is an error, because
    /// hiding it would only make the upload fail later with a vaguer message.
    func createRepo(_ repo: RepoID, isPrivate: Bool, token: String) throws {
        let payload: [String: Any] = ["name": repo.name, "organization": repo.namespace ?? NSNull(), "type": "model",
                                      "visibility": isPrivate ? "private" : "public"]
        let url = "\(environment.endpoint)/api/repos/create"
        for attempt in 1... {
            do {
                _ = try sendJSON("POST", url, payload, headers: headers(token: token), context: context(repo: repo, token: token))
                return
            } catch let HubError.http(status, _, message) where status == 409 {
                // The Hub also answers 409 while another operation on the repo is still running: wait for it.
                guard message?.contains("another conflicting operation is in progress") == true, attempt < 5 else { return }
                Thread.sleep(forTimeInterval: 0.5 * Double(attempt))
            }
        }
    }
}
