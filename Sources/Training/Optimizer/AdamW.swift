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

    /// One update with learning rate `lr` (the scheduler's value for this step). `gradientScale` is the
    /// clipping coefficient, applied to each gradient as it is read (g·scale, the same product
    /// `clip_grad_norm_` stores).
    ///
    ///   t += 1;  bc1 = 1 − β1^t;  bc2 = 1 − β2^t  (double)
    ///   p ← p·f32(1 − lr·wd)                       (decoupled decay; skipped when wd = 0)
    ///   m ← fma(f32(1 − β1), g − m, m)             (lerp)
    ///   v ← fma(f32(1 − β2)·g, g, v·f32(β2))        (the x86-64 build's contraction, seen bit-exact)
    ///   p ← p + f32(−lr/bc1) · m / (√v / f32(√bc2) + f32(ε))
    ///
    /// The fused multiply-adds are evaluated in Double and rounded once: the product of two floats is
    /// exact in Double, so this is the correctly rounded fma except in the ~2⁻²⁹ cases where the Double
    /// sum lands on a float rounding midpoint; it vectorises, where a call to fmaf per element does not.
    public func step(parameters: SiglipParameters, gradients: SiglipParameters, learningRate lr: Double, gradientScale: Float = 1) {
        stepCount += 1
        let t = Double(stepCount)
        let h = hyperparameters
        let biasCorrection1 = 1 - Foundation.pow(h.beta1, t)
        let biasCorrection2Sqrt = Float8(repeating: Float((1 - Foundation.pow(h.beta2, t)).squareRoot()))
        let stepSize = Float8(repeating: Float(-(lr / biasCorrection1)))
        let decayFactor = Float8(repeating: Float(1 - lr * h.weightDecay))
        let oneMinusBeta1 = Float8(repeating: Float(1 - h.beta1)), beta2 = Float8(repeating: Float(h.beta2))
        let oneMinusBeta2 = Float8(repeating: Float(1 - h.beta2)), epsilon = Float8(repeating: Float(h.epsilon))
        let scale = Float8(repeating: gradientScale)
        let p = parameters.buffer.pointer, g = gradients.buffer.pointer
        let m = firstMoments.pointer, v = secondMoments.pointer
        for segment in segments {
            let decay = segment.decays && h.weightDecay != 0
            parallelFor(segment.count, minimumPerChunk: 32_768) { range in
                var i = segment.offset + range.lowerBound
                let end = segment.offset + range.upperBound
                while i < end {
                    // Eight at a time; a short tail is padded into a local vector and written back lane by lane.
                    let lanes = min(8, end - i)
                    var param = Float8(), grad = Float8(), m0 = Float8(), v0 = Float8()
                    for k in 0..<lanes { param[k] = p[i + k]; grad[k] = g[i + k]; m0[k] = m[i + k]; v0[k] = v[i + k] }
                    grad *= scale
                    if decay { param *= decayFactor }
                    let mNew = fusedMultiplyAdd(oneMinusBeta1, grad - m0, m0)
                    let vNew = fusedMultiplyAdd(oneMinusBeta2 * grad, grad, v0 * beta2)
                    let denominator = squareRoot(vNew) / biasCorrection2Sqrt + epsilon
                    let pNew = param + stepSize * mNew / denominator
                    for k in 0..<lanes { p[i + k] = pNew[k]; m[i + k] = mNew[k]; v[i + k] = vNew[k] }
                    i += lanes
                }
            }
        }
    }

    /// a·b + c rounded once (see `step`).
    @inline(__always)
    func fusedMultiplyAdd(_ a: Float8, _ b: Float8, _ c: Float8) -> Float8 {
        Float8(SIMD8<Double>(a) * SIMD8<Double>(b) + SIMD8<Double>(c))
    }

    /// Lane-wise √ (the generic SIMD `squareRoot` is not inlined and costs 3× more).
    @inline(__always)
    func squareRoot(_ x: Float8) -> Float8 {
        var r = Float8()
        for k in 0..<8 { r[k] = x[k].squareRoot() }
        return r
    }

    /// Restores the step count (with the moments, from a checkpoint).
    public func restore(stepCount: Int) { self.stepCount = stepCount }
}

