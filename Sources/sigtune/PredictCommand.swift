enum PredictCommand {
    static let usage = "Usage: sigtune predict --model DIR IMAGE... [--top-k K] [--logits]"
    static func run(_ words: [String]) throws -> Int32 { throw UsageError(message: "not yet") }
}
