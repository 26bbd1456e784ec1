import COpenBLAS

/// Row-major matrix products over OpenBLAS `cblas_sgemm`, and a naive reference used by tests.
///
/// Every matrix is row-major with an explicit leading dimension (row stride), so that views into a
/// larger buffer (one head's columns of a [N, 3C] qkv block, say) need no copy.
public enum BLAS {
    /// OpenBLAS's thread count for GEMMs. Set against the number of concurrent workers.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// Whether an operand is used as stored or transposed.
    public enum Transpose: Sendable { case none, transposed }

    /// C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C.
    ///
    /// `op(A)` is `A` [M,K] (lda ≥ K) or, when transposed, `Aᵀ` of a stored [K,M] (lda ≥ M); likewise B.
    @inlinable
    public static func gemm(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // BLAS leaves C·beta; make the degenerate case explicit.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        cblas_sgemm(
            CblasRowMajor,
            transA == .none ? CblasNoTrans : CblasTrans,
            transB == .none ? CblasNoTrans : CblasTrans,
            Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y[M] = alpha · op(A) · x + beta · y, with op(A) = A [M, N] (lda ≥ N) or Aᵀ of a stored [N, M].
    @inlinable
    public static func gemv(
        _ transA: Transpose, rows: Int, columns: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        guard rows > 0, columns > 0 else { return }
        cblas_sgemv(CblasRowMajor, transA == .none ? CblasNoTrans : CblasTrans, Int32(rows), Int32(columns),
                    alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// The same contract as `gemm`, computed with three plain loops and a Double accumulator.
    /// Slow; it exists so tests can check the BLAS path and every GEMM-shaped kernel against it.
    public static func gemmReference(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let aValue = transA == .none ? a[i * lda + p] : a[p * lda + i]
                    let bValue = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                    sum += Double(aValue) * Double(bValue)
                }
                let previous = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * sum + previous)
            }
        }
    }
}
