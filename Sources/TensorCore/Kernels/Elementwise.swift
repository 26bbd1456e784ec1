/// Residual adds and broadcasts: the glue between the layers of a transformer block.
public enum Elementwise {
    /// out[i] = a[i] + b[i] for i < count. `out` may alias `a` or `b`.
    /// Reference: modeling_siglip.py `SiglipEncoderLayer.forward` (`hidden_states = residual + hidden_states`).
    public static func add(out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        parallelFor(count, minimumPerChunk: 32_768) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                out.storeFloat8(a.loadFloat8(at: i) + b.loadFloat8(at: i), at: i)
                i += 8
            }
            while i < range.upperBound { out[i] = a[i] + b[i]; i += 1 }
        }
    }

    /// x[b, n, :] += table[n, :] for every batch item: the learned position embedding.
    /// Reference: modeling_siglip.py `SiglipVisionEmbeddings.forward` (position_ids = arange(N)).
    public static func addRows(_ x: UnsafeMutablePointer<Float>, table: UnsafePointer<Float>, batch B: Int, rows N: Int, channels C: Int) {
        parallelFor(B, minimumPerChunk: 1) { items in
            for b in items {
                let base = x + b * N * C
                add(serialOut: base, base, table, count: N * C)
            }
        }
    }

    @inline(__always)
    static func add(serialOut out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count { out.storeFloat8(a.loadFloat8(at: i) + b.loadFloat8(at: i), at: i); i += 8 }
        while i < count { out[i] = a[i] + b[i]; i += 1 }
    }
}

extension Elementwise {
    /// Gradient of `addRows` for the table: dtable[n, :] += Σ_b dx[b, n, :].
    public static func addRowsBackward(dtable: UnsafeMutablePointer<Float>, dx: UnsafePointer<Float>, batch B: Int, rows N: Int, channels C: Int) {
        parallelFor(N, minimumPerChunk: 8) { rows in
            for n in rows {
                for b in 0..<B { add(serialOut: dtable + n * C, dtable + n * C, dx + (b * N + n) * C, count: C) }
            }
        }
    }

    /// dst[i] = src[i] for i < count (a gradient flowing unchanged through a residual connection).
    public static func copy(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
        parallelFor(count, minimumPerChunk: 65_536) { range in
            (dst + range.lowerBound).update(from: src + range.lowerBound, count: range.count)
        }
    }
}
