import Foundation
import Hub

/// `sigtune push`: publish a trained model directory to the Hugging Face Hub.
enum PushCommand {
    static let usage = """
    Usage: sigtune push DIR REPO_ID [--public] [--revision main] [--base-model ID] [--message TEXT]

    Uploads the model in DIR (config.json, model.safetensors or its shards, preprocessor_config.json)
    with a generated README.md model card (metrics, confusion matrix, labels and training options
    from DIR/metrics.json and trainer_state.json) and prints the commit URL. Checkpoints, optimizer
    state and trainer_state.json are not uploaded. Needs HF_TOKEN (or `hf auth login`) with write access.
      REPO_ID          namespace/name; created if it does not exist
      --public         create the repo public (default private; an existing repo keeps its visibility)
      --revision R     the branch to commit to (default main)
      --base-model ID  the Hub model it was fine-tuned from, for the card
      --message TEXT   the commit message
    """

    static func run(_ words: [String]) throws -> Int32 {
        let args = try Arguments(words, valued: ["revision", "base-model", "message"], booleans: ["public"])
        guard args.positionals.count == 2 else { throw UsageError(message: "give the model directory and the repo id") }
        let commit = try ModelPusher.push(directory: URL(fileURLWithPath: args.positionals[0]), repoId: args.positionals[1],
                                          private: !args.has("public"), revision: args.string("revision") ?? "main",
                                          baseModel: args.string("base-model"), commitMessage: args.string("message"),
                                          progress: TransferProgressPrinter().report)
        print(commit.absoluteString)
        return 0
    }
}
