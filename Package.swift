// swift-tools-version:6.0
// sigtune: fine-tune and serve SigLIP 2 image classifiers on the CPU.
//
// Module layout (ARCHITECTURE.md): arrows point down only.
//   sigtune (executable: argument parsing and wiring)
//   App        (routes of openapi.yaml, auth, metrics, datasets/models/jobs over HTTP) → HTTPServer, Jobs
//   Jobs       (job specs, file-backed store, worker pool, model registry, classify batching, events)
//   Training   (losses, AdamW, schedules, data order, metrics, trainer loop, checkpoints)
//   Hub        (Hugging Face download / upload, cache)     → CCurl, Checksums
//   HTTPServer (generic HTTP/1.1 on POSIX sockets; knows nothing of ML)
//   Datasets   (archives, layouts, health report, splits)  → Imaging, Checksums, CZlib
//   Checksums  (SHA-256)                                  → COpenSSL
//   Inference  (model + preprocessing → predictions)       → SigLIP, Imaging
//   Imaging    (decode PNG/JPEG, Pillow-exact resize, normalisation) → CImageCodecs
//   SigLIP     (config, parameters, forward, HF names, checkpoint I/O) → TensorCore
//   TensorCore (aligned buffers, BLAS, kernels, parallel loops, safetensors) → COpenBLAS
// Each C library is imported by exactly one Swift module (or by our C shim).
import PackageDescription

func systemLibrary(_ name: String, apt: String) -> Target {
    .systemLibrary(name: name, path: "Sources/C/\(name)", providers: [.apt([apt])])
}

let package = Package(
    name: "sigtune",
    products: [
        .executable(name: "sigtune", targets: ["sigtune"]),
    ],
    targets: [
        // C libraries from Debian, one system-library target each.
        systemLibrary("COpenBLAS", apt: "libopenblas-dev"),
        systemLibrary("CPNG", apt: "libpng-dev"),
        systemLibrary("CJPEG", apt: "libjpeg-dev"),
        systemLibrary("CZlib", apt: "zlib1g-dev"),
        systemLibrary("CCurl", apt: "libcurl4-openssl-dev"),
        systemLibrary("COpenSSL", apt: "libssl-dev"),
        // Our own C: libpng and libjpeg report errors by longjmp, which Swift cannot catch.
        // A C target gets no autolinking from the modulemaps' `link` lines, so it links them itself.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG"],
                linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),

        .target(name: "TensorCore", dependencies: ["COpenBLAS"]),
        .target(name: "Checksums", dependencies: ["COpenSSL"]),
        .target(name: "HTTPServer"),
        .target(name: "Hub", dependencies: ["CCurl", "Checksums"]),
        .target(name: "SigLIP", dependencies: ["TensorCore"]),
        .target(name: "Imaging", dependencies: ["CImageCodecs"]),
        .target(name: "Inference", dependencies: ["SigLIP", "Imaging", "TensorCore"]),
        .target(name: "Datasets", dependencies: ["Imaging", "TensorCore", "Checksums", "CZlib"]),
        .target(name: "Training", dependencies: ["Datasets", "Inference", "SigLIP", "Imaging", "TensorCore"]),
        .target(name: "Jobs", dependencies: ["Training", "Datasets", "Inference", "SigLIP", "Imaging", "TensorCore"]),
        .target(name: "App", dependencies: ["HTTPServer", "Jobs", "Hub", "Datasets", "Training", "Inference", "SigLIP", "Imaging", "TensorCore"]),
        .executableTarget(name: "sigtune", dependencies: ["App", "Datasets", "Training", "Inference", "SigLIP", "Imaging", "TensorCore", "Hub"]),

        .target(name: "TestSupport", dependencies: ["TensorCore"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"]),
        .testTarget(name: "SigLIPTests", dependencies: ["SigLIP", "TensorCore", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"]),
        .testTarget(name: "ChecksumsTests", dependencies: ["Checksums"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "TestSupport"]),
        .testTarget(name: "HubTests", dependencies: ["Hub", "Checksums", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TensorCore", "TestSupport"]),
        .testTarget(name: "AppTests", dependencies: ["App", "HTTPServer", "Jobs", "Hub", "Imaging", "TensorCore", "TestSupport"]),
        .testTarget(name: "JobsTests", dependencies: ["Jobs", "Training", "Inference", "Imaging", "SigLIP", "TensorCore", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "SigLIP", "Imaging", "TensorCore", "TestSupport"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "SigLIP", "Imaging", "TensorCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
