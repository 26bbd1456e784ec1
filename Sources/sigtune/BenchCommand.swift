import Foundation
import SigLIP
import TensorCore

/// `sigtune bench forward`: forward throughput of a randomly initialised model of any config, next to the
/// sgemm rate measured at that model's own GEMM shapes in the same run (the GEMM-bound ceiling).
enum BenchCommand {
    static let usage = """
    Usage: sigtune bench forward [--batch 8] [--threads N] [--config FILE] [--iterations 3] [--json]
           sigtune bench train   [--batch 8] [--micro-batch N] [--threads N] [--config FILE] [--iterations 3] [--json]
           sigtune bench recipe  [--threads N] [--json]

    forward: builds a model with random weights (default: SigLIP base, 224/16, 768 hidden, 12 layers,
    12 heads), times the forward pass, and times the same GEMMs alone through OpenBLAS.
    train: times a full training step (forward, backward, clipping, AdamW) at --batch images, run as
    micro-batches of --micro-batch (default: the batch), beside the sgemm-bound ideal (3× forward FLOPs).
    recipe: the whole recipe on a small model: 1,800 generated 32×32 images of 10 classes, a 4-layer,
    96-wide model, 20 epochs with augmentation and evaluation every epoch; reports the wall time.
      --batch N        images per forward or training step (default 8)
      --threads N      threads for OpenBLAS and the other kernels (default: all cores)
      --config FILE    a config.json (SiglipForImageClassification / SiglipModel / a vision_config object)
      --iterations N   timed forwards after one warm-up (default 3)
      --json           print one JSON object instead of text
    """

    static func run(_ words: [String]) throws -> Int32 {
        let args = try Arguments(words, valued: ["batch", "threads", "config", "iterations", "micro-batch"], booleans: ["json"])
        switch args.positionals {
        case ["forward"]: return try forward(args)
        case ["train"]: return try TrainBench.run(args)
        case ["recipe"]: return try RecipeBench.run(args)
        default:
            throw UsageError(message: args.positionals.isEmpty ? "name a benchmark: forward, train or recipe"
                : "unknown benchmark '\(args.positionals.joined(separator: " "))' (available: forward, train, recipe)")
        }
    }

    static func forward(_ args: Arguments) throws -> Int32 {
        let batch = try args.int("batch", default: 8, range: 1...4096)
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...512)
        let iterations = try args.int("iterations", default: 3, range: 1...1000)
        let vision = try visionConfig(path: args.string("config"))
        BLAS.threads = threads
        ComputeThreads.count = threads

        let model = SiglipVisionClassifier.randomlyInitialized(vision: vision, numLabels: 10, seed: 1)
        let activations = SiglipActivations(layout: model.parameters.layout, batch: batch, keepForBackward: false)
        let pixelCount = batch * vision.numChannels * vision.imageSize * vision.imageSize
        let pixels = FloatBuffer(count: pixelCount)
        var random = SeededRandom(seed: 2)
        random.fillNormal(pixels.pointer, count: pixelCount, std: 1)

        model.forward(pixelValues: pixels.pointer, batch: batch, activations: activations)  // warm-up
        var forwardSeconds: [Double] = []
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            model.forward(pixelValues: pixels.pointer, batch: batch, activations: activations)
            forwardSeconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let gemm = GEMMBenchmark(vision: vision, batch: batch, numLabels: 10)
        let gemmSeconds = gemm.time(iterations: iterations)

        let secondsPerBatch = median(forwardSeconds)
        let imagesPerSecond = Double(batch) / secondsPerBatch
        let flopsPerImage = model.forwardFLOPsPerImage
        let achievedGFLOPs = flopsPerImage * imagesPerSecond / 1e9
        let sgemmGFLOPs = gemm.flops / gemmSeconds / 1e9
        let boundImagesPerSecond = sgemmGFLOPs * 1e9 / flopsPerImage
        let peakRSS = peakResidentBytes()
        if args.has("json") {
            let report: [String: Any] = [
                "benchmark": "forward", "batch": batch, "threads": threads, "iterations": iterations,
                "config": ["image_size": vision.imageSize, "patch_size": vision.patchSize, "hidden_size": vision.hiddenSize,
                           "intermediate_size": vision.intermediateSize, "num_hidden_layers": vision.numHiddenLayers,
                           "num_attention_heads": vision.numAttentionHeads],
                "seconds_per_batch": secondsPerBatch, "images_per_second": imagesPerSecond,
                "flops_per_image": flopsPerImage, "gflops": achievedGFLOPs, "sgemm_gflops": sgemmGFLOPs,
                "gemm_bound_images_per_second": boundImagesPerSecond,
                "fraction_of_gemm_bound": imagesPerSecond / boundImagesPerSecond,
                "peak_rss_bytes": peakRSS,
            ]
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "forward  %d×%d/%d, hidden %d, %d layers, %d heads; batch %d, %d threads",
                         vision.imageSize, vision.imageSize, vision.patchSize, vision.hiddenSize, vision.numHiddenLayers,
                         vision.numAttentionHeads, batch, threads))
            print(String(format: "  %.3f s per batch (median of %d): %.3f images/s, %.1f GFLOP/s (%.2f GFLOP per image)",
                         secondsPerBatch, iterations, imagesPerSecond, achievedGFLOPs, flopsPerImage / 1e9))
            print(String(format: "  sgemm at the model's shapes: %.1f GFLOP/s → GEMM-bound %.3f images/s; forward reaches %.1f%%",
                         sgemmGFLOPs, boundImagesPerSecond, 100 * imagesPerSecond / boundImagesPerSecond))
            print(String(format: "  peak RSS %.0f MiB", Double(peakRSS) / 1_048_576))
        }
        return 0
    }

    static func visionConfig(path: String?) throws -> SiglipVisionConfig {
        guard let path else { return SiglipVisionConfig() }
        guard let data = FileManager.default.contents(atPath: path) else { throw UsageError(message: "cannot read --config \(path)") }
        if let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any], json["model_type"] == nil, json["vision_config"] == nil {
            return try SiglipVisionConfig(json: json)
        }
        return try SiglipCheckpointConfig(data: data, path: path).vision
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024  // Linux reports kilobytes
    }
}

/// The GEMMs of one forward at a given batch, run alone through OpenBLAS with the forward's exact shapes
/// and leading dimensions: the rate they reach is the ceiling for the whole forward.
struct GEMMBenchmark {
    struct Shape { let m, n, k, lda, ldb, ldc: Int; let transB: BLAS.Transpose; let count: Int }
    let shapes: [Shape]
    let flops: Double
    let a: FloatBuffer, b: FloatBuffer, c: FloatBuffer

    init(vision: SiglipVisionConfig, batch B: Int, numLabels K: Int) {
        let N = vision.numPatches, C = vision.hiddenSize, F = vision.intermediateSize, NH = vision.numAttentionHeads
        let HS = C / NH, M = B * N, P2 = vision.numChannels * vision.patchSize * vision.patchSize, L = vision.numHiddenLayers
        shapes = [
            Shape(m: M, n: C, k: P2, lda: P2, ldb: P2, ldc: C, transB: .transposed, count: 1),            // patch embedding
            Shape(m: M, n: 3 * C, k: C, lda: C, ldb: C, ldc: 3 * C, transB: .transposed, count: L),       // q, k, v
            Shape(m: N, n: N, k: HS, lda: 3 * C, ldb: 3 * C, ldc: N, transB: .transposed, count: L * B * NH), // Q·Kᵀ
            Shape(m: N, n: HS, k: N, lda: N, ldb: 3 * C, ldc: C, transB: .none, count: L * B * NH),     // A·V
            Shape(m: M, n: C, k: C, lda: C, ldb: C, ldc: C, transB: .transposed, count: L),               // out_proj
            Shape(m: M, n: F, k: C, lda: C, ldb: C, ldc: F, transB: .transposed, count: L),               // fc1
            Shape(m: M, n: C, k: F, lda: F, ldb: F, ldc: C, transB: .transposed, count: L),               // fc2
            Shape(m: B, n: K, k: C, lda: C, ldb: C, ldc: K, transB: .transposed, count: 1),               // classifier
        ]
        flops = shapes.reduce(0) { $0 + 2 * Double($1.m) * Double($1.n) * Double($1.k) * Double($1.count) }
        let size = max(M * max(F, 3 * C, P2), B * NH * N * N, N * 3 * C * B)
        a = FloatBuffer(count: size)
        b = FloatBuffer(count: max(F * C, 3 * C * C, size))
        c = FloatBuffer(count: size)
        var random = SeededRandom(seed: 3)
        random.fillNormal(a.pointer, count: a.count, std: 1)
        random.fillNormal(b.pointer, count: b.count, std: 1)
    }

    /// Median seconds for the whole GEMM sequence, after one warm-up.
    func time(iterations: Int) -> Double {
        func runAll() {
            for shape in shapes {
                for _ in 0..<shape.count {
                    BLAS.gemm(.none, shape.transB, m: shape.m, n: shape.n, k: shape.k,
                              a: a.pointer, lda: shape.lda, b: b.pointer, ldb: shape.ldb, c: c.pointer, ldc: shape.ldc)
                }
            }
        }
        runAll()
        var seconds: [Double] = []
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            runAll()
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return BenchCommand.median(seconds)
    }
}
