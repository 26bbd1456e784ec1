import Foundation
import TensorCore

/// `torch.nn.utils.clip_grad_norm_(params, max_norm)` as the Trainer calls it (REFERENCE.md 3.4):
/// total = ‖[‖g_i‖₂ for each tensor]‖₂ over the parameters that have gradients;
/// every gradient is multiplied by min(1, max_norm / (total + 1e-6)), even when that is 1.
public enum GradientClipping {
    /// Clips in place and returns the pre-clip total norm (the Trainer's logged `grad_norm`).
    @discardableResult
    public static func clip(_ gradients: UnsafeMutablePointer<Float>, segments: [AdamW.Segment], maxNorm: Double) -> Double {
        var total = 0.0
        for segment in segments {
            var sum = 0.0
            let g = gradients + segment.offset
            for i in 0..<segment.count { sum += Double(g[i]) * Double(g[i]) }
            total += sum  // ‖g_i‖² summed: the L2 of the per-tensor norms
        }
        let norm = total.squareRoot()
        guard maxNorm > 0 else { return norm }
        let coefficient = Float(min(1, maxNorm / (norm + 1e-6)))
        for segment in segments {
            let g = gradients + segment.offset
            parallelFor(segment.count, minimumPerChunk: 65_536) { range in
                for i in range { g[i] *= coefficient }
            }
        }
        return norm
    }
}
