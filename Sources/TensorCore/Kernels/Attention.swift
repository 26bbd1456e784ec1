/// Multi-head self-attention without a mask (fixed-resolution SigLIP is non-causal and unpadded).
/// Reference: modeling_siglip.py `SiglipAttention.forward` + `eager_attention_forward`; REFERENCE.md 1.2 step 3.
///
///   S = (Q·Kᵀ)·HS^-0.5,  A = softmax(S) in float32 over keys,  O = A·V, heads concatenated head-major.
///
/// q, k and v come from one fused projection, laid out per token as [q (C) | k (C) | v (C)] with head h at
/// columns h·HS ..< (h+1)·HS of each part, so each head's Q, K and V are strided views (ld = 3C) that BLAS
/// reads in place.
public enum Attention {
    /// out[B, N, C] = attention(qkv[B, N, 3C]); probabilities[B, NH, N, N] receives A (kept for backward).
    public static func forward(
        out: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
        batch B: Int, tokens N: Int, channels C: Int, heads NH: Int
    ) {
        let HS = C / NH
        let scale = 1 / Float(HS).squareRoot()
        let rowStride = 3 * C
        // 1. Scores for every (b, h): S = scale · Q Kᵀ  [N, N]. OpenBLAS threads each GEMM.
        for b in 0..<B {
            for h in 0..<NH {
                let q = qkv + b * N * rowStride + h * HS
                let k = q + C
                BLAS.gemm(.none, .transposed, m: N, n: N, k: HS, alpha: scale,
                          a: q, lda: rowStride, b: k, ldb: rowStride, c: probabilities + (b * NH + h) * N * N, ldc: N)
            }
        }
        // 2. Softmax over keys, all B·NH·N rows in one parallel sweep.
        Softmax.forwardRows(probabilities, rows: B * NH * N, columns: N)
        // 3. O = A·V into the head's columns of out [B, N, C].
        for b in 0..<B {
            for h in 0..<NH {
                let v = qkv + b * N * rowStride + 2 * C + h * HS
                BLAS.gemm(.none, .none, m: N, n: HS, k: N,
                          a: probabilities + (b * NH + h) * N * N, lda: N, b: v, ldb: rowStride,
                          c: out + b * N * C + h * HS, ldc: C)
            }
        }
    }
}

/// Row softmax in float32. Reference: torch.softmax (max-subtracted exp, then division by the row sum).
public enum Softmax {
    /// In place: each of `rows` rows of `columns` values becomes softmax(row).
    public static func forwardRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns N: Int) {
        parallelFor(rows, minimumPerChunk: 32) { range in
            for row in range { forwardRow(x + row * N, count: N) }
        }
    }

    @inline(__always)
    static func forwardRow(_ x: UnsafeMutablePointer<Float>, count N: Int) {
        var maxLanes = Float8(repeating: -.infinity)
        var i = 0
        while i + 8 <= N { maxLanes = VectorMath.max(maxLanes, x.loadFloat8(at: i)); i += 8 }
        var rowMax = maxLanes.max()
        while i < N { rowMax = max(rowMax, x[i]); i += 1 }
        var sumLanes = Float8()
        i = 0
        while i + 8 <= N {
            let e = VectorMath.exp(x.loadFloat8(at: i) - rowMax)
            x.storeFloat8(e, at: i)
            sumLanes += e
            i += 8
        }
        var sum = sumLanes.sum()
        while i < N { let e = VectorMath.exp(x[i] - rowMax); x[i] = e; sum += e; i += 1 }
        let inverse = 1 / sum
        i = 0
        while i + 8 <= N { x.storeFloat8(x.loadFloat8(at: i) * inverse, at: i); i += 8 }
        while i < N { x[i] *= inverse; i += 1 }
    }
}

extension Attention {
    /// Gradients of `forward` from the saved probabilities A.
    ///
    ///   O = A·V:            dA = dO·Vᵀ,  dV = Aᵀ·dO
    ///   A = softmax(S):     dS = A ⊙ (dA − rowsum(dA ⊙ A))
    ///   S = scale·Q·Kᵀ:     dQ = scale·dS·K,  dK = scale·dSᵀ·Q
    ///
    /// - Parameters:
    ///   - dqkv: [B, N, 3C] gradient of the fused projection output (overwritten).
    ///   - dout: [B, N, C] gradient of the concatenated heads.
    ///   - scratch: [B, NH, N, N] for dA / dS.
    public static func backward(
        dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        qkv: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
        batch B: Int, tokens N: Int, channels C: Int, heads NH: Int
    ) {
        let HS = C / NH
        let scale = 1 / Float(HS).squareRoot()
        let rowStride = 3 * C
        for b in 0..<B {
            for h in 0..<NH {
                let head = (b * NH + h) * N * N
                let dO = dout + b * N * C + h * HS
                let v = qkv + b * N * rowStride + 2 * C + h * HS
                // dA = dO·Vᵀ  [N, N]
                BLAS.gemm(.none, .transposed, m: N, n: N, k: HS, a: dO, lda: C, b: v, ldb: rowStride, c: scratch + head, ldc: N)
                // dV = Aᵀ·dO  [N, HS]
                BLAS.gemm(.transposed, .none, m: N, n: HS, k: N, a: probabilities + head, lda: N, b: dO, ldb: C,
                          c: dqkv + b * N * rowStride + 2 * C + h * HS, ldc: rowStride)
            }
        }
        Softmax.backwardRows(scratch, probabilities: probabilities, rows: B * NH * N, columns: N)
        for b in 0..<B {
            for h in 0..<NH {
                let dS = scratch + (b * NH + h) * N * N
                let q = qkv + b * N * rowStride + h * HS
                let k = q + C
                let dq = dqkv + b * N * rowStride + h * HS
                // dQ = scale·dS·K,  dK = scale·dSᵀ·Q  [N, HS]
                BLAS.gemm(.none, .none, m: N, n: HS, k: N, alpha: scale, a: dS, lda: N, b: k, ldb: rowStride, c: dq, ldc: rowStride)
                BLAS.gemm(.transposed, .none, m: N, n: HS, k: N, alpha: scale, a: dS, lda: N, b: q, ldb: rowStride, c: dq + C, ldc: rowStride)
            }
        }
    }
}

extension Softmax {
    /// In place: each row of `gradient` (dA) becomes dS = A ⊙ (dA − Σ_j dA_j·A_j) for the softmax output A.
    public static func backwardRows(_ gradient: UnsafeMutablePointer<Float>, probabilities: UnsafePointer<Float>, rows: Int, columns N: Int) {
        parallelFor(rows, minimumPerChunk: 32) { range in
            for row in range {
                let g = gradient + row * N, a = probabilities + row * N
                var dotLanes = Float8()
                var i = 0
                while i + 8 <= N { dotLanes += g.loadFloat8(at: i) * a.loadFloat8(at: i); i += 8 }
                var dot = dotLanes.sum()
                while i < N { dot += g[i] * a[i]; i += 1 }
                i = 0
                while i + 8 <= N { g.storeFloat8(a.loadFloat8(at: i) * (g.loadFloat8(at: i) - dot), at: i); i += 8 }
                while i < N { g[i] = a[i] * (g[i] - dot); i += 1 }
            }
        }
    }
}
