import Foundation

/// The training losses of `SiglipForImageClassification`, chosen by `problem_type`
/// (transformers loss/loss_utils.py `ForSequenceClassificationLoss`; REFERENCE.md 1.2 step 8).
public enum ClassificationLoss {
    /// Targets of one batch, in the form each problem type takes.
    public enum Targets {
        /// Class ids [B] (cross entropy; `-100` entries are ignored as `ignore_index`).
        case classes([Int])
        /// Multi-hot floats [B·K] (BCE with logits).
        case multiHot([Float])
        /// Regression targets [B·K] (MSE).
        case values([Float])
    }

    /// Mean loss over the batch and its gradient with respect to the logits.
    ///
    /// - single-label: `cross_entropy(logits, labels, reduction="mean")`: mean over non-ignored rows of
    ///   logsumexp(z) − z_y; dz = (softmax(z) − onehot(y)) / count.
    /// - multi-label: `BCEWithLogitsLoss()`: mean over all B·K of max(z,0) − z·y + log(1 + e^−|z|);
    ///   dz = (σ(z) − y) / (B·K).
    /// - regression: `MSELoss()`: mean over B·K of (z − y)²; dz = 2(z − y) / (B·K).
    ///
    /// Sums run in Double; the result is rounded once.
    public static func compute(logits: UnsafePointer<Float>, targets: Targets, batch B: Int, classes K: Int,
                               dlogits: UnsafeMutablePointer<Float>?) -> Float {
        switch targets {
        case .classes(let labels):
            precondition(labels.count == B, "cross entropy needs one label per image")
            let counted = labels.filter { $0 != -100 }.count
            var total = 0.0
            for b in 0..<B {
                let z = logits + b * K
                let label = labels[b]
                var maximum = -Double.infinity
                for k in 0..<K { maximum = max(maximum, Double(z[k])) }
                var sum = 0.0
                for k in 0..<K { sum += exp(Double(z[k]) - maximum) }
                let logSumExp = maximum + log(sum)
                if label != -100 {
                    precondition((0..<K).contains(label), "label \(label) outside 0..<\(K)")
                    total += logSumExp - Double(z[label])
                }
                if let dlogits {
                    for k in 0..<K {
                        let probability = exp(Double(z[k]) - logSumExp)
                        let gradient = label == -100 ? 0 : (probability - (k == label ? 1 : 0)) / Double(max(counted, 1))
                        dlogits[b * K + k] = Float(gradient)
                    }
                }
            }
            return counted == 0 ? .nan : Float(total / Double(counted))
        case .multiHot(let y):
            precondition(y.count == B * K, "BCE needs B·K multi-hot targets")
            var total = 0.0
            let count = Double(B * K)
            for i in 0..<(B * K) {
                let z = Double(logits[i]), t = Double(y[i])
                total += max(z, 0) - z * t + log1p(exp(-abs(z)))
                dlogits?[i] = Float((1 / (1 + exp(-z)) - t) / count)
            }
            return Float(total / count)
        case .values(let y):
            precondition(y.count == B * K, "MSE needs B·K targets")
            var total = 0.0
            let count = Double(B * K)
            for i in 0..<(B * K) {
                let difference = Double(logits[i]) - Double(y[i])
                total += difference * difference
                dlogits?[i] = Float(2 * difference / count)
            }
            return Float(total / count)
        }
    }
}
