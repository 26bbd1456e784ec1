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
