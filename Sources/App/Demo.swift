import Foundation
import Imaging
import SigLIP
import TensorCore

extension SigtuneServer {
    /// `serve --demo`: a generated dataset (4 classes of 40×40 pictures: colour and stripe patterns) and a
    /// tiny, randomly initialised SigLIP base model, registered under names that say what they are. With
    /// them a newcomer with no network can upload, train, watch and classify in about a minute.
    public func registerDemo() throws -> (dataset: String, model: String) {
        let folder = configuration.dataDirectory.appendingPathComponent("uploads/demo-shapes-\(UUID().uuidString)" + AtomicFile.temporarySuffix)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("demo-shapes")
        var random = SeededRandom(seed: 2026)
        let classes = ["red-stripes", "green-dots", "blue-checks", "yellow-plain"]
        let colors: [(Int, Int, Int)] = [(200, 60, 50), (60, 170, 80), (60, 90, 200), (220, 200, 60)]
        for (c, name) in classes.enumerated() {
            let classFolder = source.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: classFolder, withIntermediateDirectories: true)
            for i in 0..<24 {
                var pixels = [UInt8](repeating: 0, count: 40 * 40 * 3)
                for y in 0..<40 {
                    for x in 0..<40 {
                        let pattern: Bool
                        switch c {
                        case 0: pattern = (x + i) % 8 < 3
                        case 1: pattern = (x % 10 - 5) * (x % 10 - 5) + (y % 10 - 5) * (y % 10 - 5) < 8
                        case 2: pattern = ((x / 8) + (y / 8)) % 2 == 0
                        default: pattern = false
                        }
                        let (r, g, b) = colors[c]
                        let shade = pattern ? 60 : 0
                        let noise = { Int(random.nextUniform() * 50) - 25 }
                        pixels[(y * 40 + x) * 3] = UInt8(clamping: r - shade + noise())
                        pixels[(y * 40 + x) * 3 + 1] = UInt8(clamping: g - shade + noise())
                        pixels[(y * 40 + x) * 3 + 2] = UInt8(clamping: b - shade + noise())
                    }
                }
                try PNGEncoder.encode(RGBImage(width: 40, height: 40, pixels: pixels))
                    .write(to: classFolder.appendingPathComponent("\(name)-\(i).png"))
            }
        }
        let dataset = try datasets.store.ingest(source).dataset.id

        let demoModelID = "demo-tiny-random-siglip"
        if models.get(demoModelID) == nil {
            var vision = SiglipVisionConfig()
            vision.imageSize = 32
            vision.patchSize = 8
            vision.hiddenSize = 64
            vision.intermediateSize = 256
            vision.numHiddenLayers = 2
            vision.numAttentionHeads = 4
            let model = SiglipVisionClassifier.randomlyInitialized(vision: vision, numLabels: 0, seed: 7, withMAPHead: true)
            let staged = models.directory.appendingPathComponent(demoModelID + AtomicFile.temporarySuffix)
            try? FileManager.default.removeItem(at: staged)
            try CheckpointWriter.save(model, problemType: nil, to: staged)
            _ = try models.register(staged: staged, name: "demo: tiny randomly initialised SigLIP (not pretrained)", source: "upload", id: demoModelID)
        }
        return (dataset, demoModelID)
    }
}
