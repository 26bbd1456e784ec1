import Foundation
import Imaging
import SigLIP
import TensorCore
import Training

/// `sigtune bench train`: one full training step (forward, backward, clipping, AdamW) of a randomly
/// initialised model, next to the sgemm-bound ideal for the same step (three times the forward's GEMM FLOPs:
/// the backward multiplies by both the weights and the inputs).
enum TrainBench {
    static func run(_ args: Arguments) throws -> Int32 {
        let batch = try args.int("batch", default: 8, range: 1...4096)
        let microBatch = try args.int("micro-batch", default: batch, range: 1...batch)
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...512)
        let iterations = try args.int("iterations", default: 3, range: 1...1000)
        let vision = try BenchCommand.visionConfig(path: args.string("config"))
        BLAS.threads = threads
        ComputeThreads.count = threads

        let K = 10
        let model = SiglipVisionClassifier.randomlyInitialized(vision: vision, numLabels: K, seed: 1, withMAPHead: true)
        let layout = model.parameters.layout
        let gradients = SiglipParameters(layout: layout)
        let optimizer = AdamW(layout: layout, scope: .all, hyperparameters: .init(weightDecay: 0.02))
        let activations = SiglipActivations(layout: layout, batch: microBatch, keepForBackward: true)
        let workspace = SiglipBackwardWorkspace(layout: layout, batch: microBatch)
        let imageValues = vision.numChannels * vision.imageSize * vision.imageSize
        let pixels = FloatBuffer(count: batch * imageValues)
        var random = SeededRandom(seed: 2)
        random.fillNormal(pixels.pointer, count: pixels.count, std: 1)
        let labels = (0..<batch).map { $0 % K }
        let dlogits = FloatBuffer(count: microBatch * K)

        func step() -> Double {
            for segment in optimizer.segments { (gradients.buffer.pointer + segment.offset).update(repeating: 0, count: segment.count) }
            var lossSum = 0.0
            var start = 0
            while start < batch {
                let count = min(microBatch, batch - start)
                model.forward(pixelValues: pixels.pointer + start * imageValues, batch: count, activations: activations)
                let loss = ClassificationLoss.compute(logits: activations.logits, targets: .classes(Array(labels[start..<(start + count)])),
                                                      batch: count, classes: K, dlogits: dlogits.pointer)
                for i in 0..<(count * K) { dlogits[i] *= Float(count) / Float(batch) }
                model.backward(dlogits: dlogits.pointer, batch: count, activations: activations, gradients: gradients, workspace: workspace)
                lossSum += Double(loss) * Double(count)
                start += count
            }
            let norm = GradientClipping.norm(gradients.buffer.pointer, segments: optimizer.segments)
            optimizer.step(parameters: model.parameters, gradients: gradients, learningRate: 1e-5,
                           gradientScale: GradientClipping.coefficient(norm: norm, maxNorm: 1))
            return lossSum / Double(batch)
        }
        _ = step()  // warm-up
        var seconds: [Double] = []
        for _ in 0..<iterations {
            let begin = DispatchTime.now().uptimeNanoseconds
            _ = step()
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
        }
        let gemm = GEMMBenchmark(vision: vision, batch: microBatch, numLabels: K)
        let sgemmGFLOPs = gemm.flops / gemm.time(iterations: iterations) / 1e9
        let secondsPerStep = BenchCommand.median(seconds)
        let imagesPerSecond = Double(batch) / secondsPerStep
        let stepFLOPsPerImage = 3 * model.forwardFLOPsPerImage
        let boundImagesPerSecond = sgemmGFLOPs * 1e9 / stepFLOPsPerImage
        let peakRSS = BenchCommand.peakResidentBytes()
        if args.has("json") {
            let report: [String: Any] = [
                "benchmark": "train", "batch": batch, "micro_batch": microBatch, "threads": threads, "iterations": iterations,
                "seconds_per_step": secondsPerStep, "images_per_second": imagesPerSecond,
                "flops_per_image": stepFLOPsPerImage, "gflops": stepFLOPsPerImage * imagesPerSecond / 1e9,
                "sgemm_gflops": sgemmGFLOPs, "gemm_bound_images_per_second": boundImagesPerSecond,
                "fraction_of_gemm_bound": imagesPerSecond / boundImagesPerSecond, "peak_rss_bytes": peakRSS,
                "parameters": layout.count,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(String(format: "train step  %d×%d/%d, hidden %d, %d layers; batch %d in micro-batches of %d, %d threads",
                         vision.imageSize, vision.imageSize, vision.patchSize, vision.hiddenSize, vision.numHiddenLayers, batch, microBatch, threads))
            print(String(format: "  %.3f s per step (median of %d): %.3f images/s, %.1f GFLOP/s", secondsPerStep, iterations, imagesPerSecond,
                         stepFLOPsPerImage * imagesPerSecond / 1e9))
            print(String(format: "  sgemm at the model's shapes: %.1f GFLOP/s → GEMM-bound %.3f images/s; the step reaches %.1f%%",
                         sgemmGFLOPs, boundImagesPerSecond, 100 * imagesPerSecond / boundImagesPerSecond))
            print(String(format: "  peak RSS %.0f MiB", Double(peakRSS) / 1_048_576))
        }
        return 0
    }
}

/// `sigtune bench recipe`: the whole recipe (split, oversampling, augmentation, evaluation every epoch,
/// best model) on a small model and a generated dataset, where per-step overhead rather than GEMMs decides.
enum RecipeBench {
    static func run(_ args: Arguments) throws -> Int32 {
        let threads = try args.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...512)
        BLAS.threads = threads
        ComputeThreads.count = threads
        var vision = SiglipVisionConfig()
        vision.imageSize = 32
        vision.patchSize = 8
        vision.hiddenSize = 96
        vision.intermediateSize = 384
        vision.numHiddenLayers = 4
        vision.numAttentionHeads = 4
        let classes = 10, perClass = 180
        let labels = (0..<classes).map { "class\($0)" }
        let base = SiglipVisionClassifier.randomlyInitialized(vision: vision, numLabels: classes, seed: 7, withMAPHead: true)
        // Generated images: a class colour, a class-dependent stripe and noise, 32×32.
        var random = SeededRandom(seed: 11)
        var samples: [TrainingSample] = []
        for c in 0..<classes {
            for i in 0..<perClass {
                var pixels = [UInt8](repeating: 0, count: 32 * 32 * 3)
                for y in 0..<32 { for x in 0..<32 { for ch in 0..<3 {
                    let stripe = (x + y * (c % 3 + 1)) % (c + 2) == 0 ? 80 : 0
                    let value = (c * 37 + ch * 71) % 200 + stripe + Int(random.nextUniform() * 40)
                    pixels[(y * 32 + x) * 3 + ch] = UInt8(min(255, value))
                } } }
                samples.append(TrainingSample(image: RGBImage(width: 32, height: 32, pixels: pixels), target: .classIndex(c), source: "class\(c)/\(i).png"))
            }
        }
        var options = TrainingOptions()
        options.numTrainEpochs = 20
        options.learningRate = 2e-4
        let begin = DispatchTime.now().uptimeNanoseconds
        let (split, _) = try TrainingData.split(samples: samples, labels: labels, options: options)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sigtune-bench-recipe-\(getpid())")
        defer { try? FileManager.default.removeItem(at: output) }
        let trainer = try Trainer(baseModel: base, splits: split, options: options, outputDirectory: output)
        let result = try trainer.run()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
        let trainImages = Double(split.train.count) * options.numTrainEpochs
        if args.has("json") {
            let report: [String: Any] = ["benchmark": "recipe", "images": samples.count, "classes": classes, "epochs": options.numTrainEpochs,
                                         "train_images_per_epoch": split.train.count, "seconds": seconds,
                                         "train_images_per_second": trainImages / seconds, "steps": result.state.globalStep,
                                         "test_accuracy": result.test.scalars["eval_accuracy"] ?? 0, "peak_rss_bytes": BenchCommand.peakResidentBytes()]
            print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(String(format: "recipe  %d images (%d classes, 32×32), 4 layers × 96 wide, %.0f epochs, %d steps, augmentation on",
                         samples.count, classes, options.numTrainEpochs, result.state.globalStep))
            print(String(format: "  %.1f s in all (%.0f training images/s incl. evaluation); test accuracy %.4f",
                         seconds, trainImages / seconds, result.test.scalars["eval_accuracy"] ?? 0))
        }
        return 0
    }
}
