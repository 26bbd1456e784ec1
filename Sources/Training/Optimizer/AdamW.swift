import Foundation
import SigLIP
import TensorCore

/// AdamW as the Trainer runs it: `torch.optim.AdamW(fused=True)` (optim `adamw_torch_fused`), two
/// parameter groups (weight decay only where `Trainer.get_decay_parameter_names` applies it), and only
/// the parameters that receive gradients (REFERENCE.md 3.2; aten/src/ATen/native/cpu/FusedAdamKernel.cpp
/// `adam_math`, ADAMW mode).
public final class AdamW {
    public struct Hyperparameters: Codable, Equatable, Sendable {
        public var beta1: Double = 0.9
        public var beta2: Double = 0.999
        public var epsilon: Double = 1e-8
        public var weightDecay: Double = 0

        public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }
    }

    /// A run of parameters stepped together: one tensor and whether it decays.
    public struct Segment: Equatable, Sendable {
        public let name: String
        public let offset: Int
        public let count: Int
        public let decays: Bool

        public init(name: String, offset: Int, count: Int, decays: Bool) {
            self.name = name
            self.offset = offset
            self.count = count
            self.decays = decays
        }
    }

    public let hyperparameters: Hyperparameters
    public let segments: [Segment]
    /// First moments (`exp_avg`) and second moments (`exp_avg_sq`), in the parameter layout.
    public let firstMoments: FloatBuffer
    public let secondMoments: FloatBuffer
    /// Optimizer steps taken (torch keeps one per parameter; all trained parameters step together here).
    public private(set) var stepCount = 0

    /// - Parameter scope: which tensors train; the MAP head and frozen tensors are not in the optimizer.
    public init(layout: SiglipParameterLayout, scope: TrainableScope, hyperparameters: Hyperparameters) {
        self.hyperparameters = hyperparameters
        segments = layout.entries.filter { scope.trains($0, layout: layout) }.map {
            Segment(name: $0.name, offset: $0.offset, count: $0.count, decays: AdamW.decays($0.name))
        }
        firstMoments = FloatBuffer(count: layout.count)
        secondMoments = FloatBuffer(count: layout.count)
    }

    /// Whether the Trainer applies weight decay to a parameter: not to biases and not to LayerNorm (or
    /// any norm) parameters. Trainer `get_decay_parameter_names` (trainer.py): excluded when inside an
    /// `nn.LayerNorm` or when the lower-cased name matches `bias`, `layernorm`, `rmsnorm`,
    /// `(^|\.)norm($|\.)` or `_norm($|\.)`.
    public static func decays(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower.contains("bias") || lower.contains("layernorm") || lower.contains("rmsnorm") { return false }
        let components = lower.split(separator: ".")
        if components.contains("norm") || components.contains(where: { $0.hasSuffix("_norm") }) { return false }
        // SigLIP's nn.LayerNorm modules: layer_norm1, layer_norm2 (post_layernorm/head.layernorm matched above).
        if components.contains(where: { $0.hasPrefix("layer_norm") }) { return false }
        return true
    }

    /// One update with learning rate `lr` (the scheduler's value for this step), gradients already clipped.
    ///
    ///   t += 1;  bc1 = 1 − β1^t;  bc2 = 1 − β2^t  (double)
    ///   p ← p·f32(1 − lr·wd)                       (decoupled decay; skipped when wd = 0)
    ///   m ← m + f32(1 − β1)·(g − m)                 (lerp, one fused multiply-add)
    ///   v ← v·f32(β2) + f32(1 − β2)·g·g
    ///   p ← p + f32(−lr/bc1) · m / (√v / f32(√bc2) + f32(ε))
    public func step(parameters: SiglipParameters, gradients: SiglipParameters, learningRate lr: Double) {
        stepCount += 1
        let t = Double(stepCount)
        let h = hyperparameters
        let biasCorrection1 = 1 - Foundation.pow(h.beta1, t)
        let biasCorrection2Sqrt = Float((1 - Foundation.pow(h.beta2, t)).squareRoot())
        let stepSize = Float(-(lr / biasCorrection1))
        let decayFactor = Float(1 - lr * h.weightDecay)
        let oneMinusBeta1 = Float(1 - h.beta1), beta2 = Float(h.beta2), oneMinusBeta2 = Float(1 - h.beta2)
        let epsilon = Float(h.epsilon)
        let p = parameters.buffer.pointer, g = gradients.buffer.pointer
        let m = firstMoments.pointer, v = secondMoments.pointer
        for segment in segments {
            let decay = segment.decays && h.weightDecay != 0
            parallelFor(segment.count, minimumPerChunk: 32_768) { range in
                for i in (segment.offset + range.lowerBound)..<(segment.offset + range.upperBound) {
                    var param = p[i]
                    if decay { param *= decayFactor }
                    let grad = g[i]
                    let mNew = m[i].addingProduct(oneMinusBeta1, grad - m[i])
                    let vNew = v[i] * beta2 + oneMinusBeta2 * grad * grad
                    m[i] = mNew
                    v[i] = vNew
                    let denominator = vNew.squareRoot() / biasCorrection2Sqrt + epsilon
                    p[i] = param + stepSize * mNew / denominator
                }
            }
        }
    }

    /// Restores the step count (with the moments, from a checkpoint).
    public func restore(stepCount: Int) { self.stepCount = stepCount }
}

