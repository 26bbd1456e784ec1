import Foundation
import TensorCore

/// `torch.nn.utils.clip_grad_norm_(params, max_norm)` as the Trainer calls it (REFERENCE.md 3.4):
/// total = ‖[‖g_i‖₂ for each tensor]‖₂ over the parameters that have gradients;
/// every gradient is multiplied by min(1, max_norm / (total + 1e-6)), even when that is 1.
public enum GradientClipping {
    /// The total L2 norm of the gradients in `segments` (accumulated in Double, chunks in parallel).
    public static func norm(_ gradients: UnsafePointer<Float>, segments: [AdamW.Segment]) -> Double {
        var total = 0.0
        for segment in segments {
            let g = gradients + segment.offset
            let chunkSize = 1 << 16
            let chunks = (segment.count + chunkSize - 1) / chunkSize
            let partial = UnsafeMutablePointer<Double>.allocate(capacity: max(chunks, 1))
            defer { partial.deallocate() }
            parallelFor(chunks) { range in
                for chunk in range {
                    var lanes = SIMD8<Float>()
                    var sum = 0.0
                    var i = chunk * chunkSize
                    let end = min(segment.count, i + chunkSize)
                    // Float lanes over short runs, flushed into Double: fast and accurate to ~1e-7.
                    var run = 0
                    while i + 8 <= end {
                        let v = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
                        lanes += v * v
                        i += 8
                        run += 1
                        if run == 64 { sum += Double(lanes.sum()); lanes = SIMD8<Float>(); run = 0 }
                    }
                    sum += Double(lanes.sum())
                    while i < end { sum += Double(g[i]) * Double(g[i]); i += 1 }
                    partial[chunk] = sum
                }
            }
            for chunk in 0..<chunks { total += partial[chunk] }
        }
        return total.squareRoot()
    }

    /// The factor every gradient is multiplied by: min(1, max_norm / (total + 1e-6)); 1 when clipping is off.
    public static func coefficient(norm: Double, maxNorm: Double) -> Float {
        maxNorm > 0 ? Float(min(1, maxNorm / (norm + 1e-6))) : 1
    }

    /// Clips in place and returns the pre-clip total norm (the Trainer's logged `grad_norm`).
    /// (The trainer instead passes the coefficient to `AdamW.step`, which applies it as it reads each
    /// gradient: the same products, one pass less over the gradients.)
    @discardableResult
    public static func clip(_ gradients: UnsafeMutablePointer<Float>, segments: [AdamW.Segment], maxNorm: Double) -> Double {
        let total = norm(gradients, segments: segments)
        let scale = coefficient(norm: total, maxNorm: maxNorm)
        for segment in segments {
            let g = gradients + segment.offset
            parallelFor(segment.count, minimumPerChunk: 65_536) { range in
                for i in range { g[i] *= scale }
            }
        }
        return total
    }
}
