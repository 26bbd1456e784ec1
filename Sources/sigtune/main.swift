import Foundation

/// sigtune's subcommands. Each issue that adds one registers it here; `sigtune --help` lists exactly these.
let commands: [(name: String, summary: String, usage: String, run: ([String]) throws -> Int32)] = [
    ("serve", "the HTTP server: datasets, fine-tune jobs, models, classify, the progress page", ServeCommand.usage, ServeCommand.run),
    ("predict", "classify image files with a model directory, one JSON object per image", PredictCommand.usage, PredictCommand.run),
    ("train", "fine-tune a model on an image folder (the Trainer recipe), write a model directory", TrainCommand.usage, TrainCommand.run),
    ("dataset", "check a dataset folder or archive (health report) or ingest it into a store", DatasetCommand.usage, DatasetCommand.run),
    ("bench", "measure forward throughput and the sgemm rate on this machine", BenchCommand.usage, BenchCommand.run),
    ("download", "fetch a Hub model into the Hugging Face cache, print its directory", DownloadCommand.usage, DownloadCommand.run),
    ("push", "upload a trained model directory with a model card to the Hub", PushCommand.usage, PushCommand.run),
]

func mainUsage() -> String {
    var text = "sigtune: fine-tune and serve SigLIP 2 image classifiers on the CPU\n\nUsage: sigtune <command> [options]\n\nCommands:\n"
    for command in commands { text += "  \(command.name.padding(toLength: 10, withPad: " ", startingAt: 0))\(command.summary)\n" }
    text += "\nRun 'sigtune <command> --help' for a command's options."
    return text
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, !["--help", "-h", "help"].contains(name) else {
    print(mainUsage())
    exit(arguments.isEmpty ? 2 : 0)
}
guard let command = commands.first(where: { $0.name == name }) else {
    printError("sigtune: unknown command '\(name)'\n\n" + mainUsage())
    exit(2)
}
let rest = Array(arguments.dropFirst())
if rest.contains("--help") || rest.contains("-h") {
    print(command.usage)
    exit(0)
}
do {
    exit(try command.run(rest))
} catch let error as UsageError {
    printError("sigtune \(command.name): \(error.message)\n\n\(command.usage)")
    exit(2)
} catch {
    printError("sigtune \(command.name): \(error)")
    exit(1)
}
