import TensorCore
import TestSupport
import XCTest

final class GEMMTests: XCTestCase {
    /// Every transpose combination, odd sizes and leading dimensions larger than the logical width
    /// (the strided views attention uses), alpha and beta, against the naive reference.
    func testSgemmMatchesNaiveReferenceForAllTransposesAndStrides() {
        for (transA, transB) in [(BLAS.Transpose.none, BLAS.Transpose.none), (.none, .transposed), (.transposed, .none), (.transposed, .transposed)] {
            let m = 13, n = 7, k = 29, pad = 3
            let lda = (transA == .none ? k : m) + pad
            let ldb = (transB == .none ? n : k) + pad
            let ldc = n + pad
            let a = randomFloats((transA == .none ? m : k) * lda, seed: 1)
            let b = randomFloats((transB == .none ? k : n) * ldb, seed: 2)
            let c0 = randomFloats(m * ldc, seed: 3)
            var fast = c0, slow = c0
            fast.withUnsafeMutableBufferPointer { c in
                BLAS.gemm(transA, transB, m: m, n: n, k: k, alpha: 0.75, a: a, lda: lda, b: b, ldb: ldb, beta: 0.5, c: c.baseAddress!, ldc: ldc)
            }
            slow.withUnsafeMutableBufferPointer { c in
                BLAS.gemmReference(transA, transB, m: m, n: n, k: k, alpha: 0.75, a: a, lda: lda, b: b, ldb: ldb, beta: 0.5, c: c.baseAddress!, ldc: ldc)
            }
            assertTensorsClose("gemm \(transA)/\(transB)", fast, slow, tolerance: 1e-4)
            // The padding columns of C are never written.
            for i in 0..<m { for j in n..<ldc { XCTAssertEqual(fast[i * ldc + j], c0[i * ldc + j]) } }
        }
    }

    func testGemmWithEmptyInnerDimensionScalesC() {
        var c: [Float] = [1, 2, 3, 4]
        let a: [Float] = [0], b: [Float] = [0]
        c.withUnsafeMutableBufferPointer { BLAS.gemm(.none, .none, m: 2, n: 2, k: 0, a: a, lda: 1, b: b, ldb: 2, beta: 0, c: $0.baseAddress!, ldc: 2) }
        XCTAssertEqual(c, [0, 0, 0, 0])
    }

    func testBLASThreadCountCanBeSet() {
        let previous = BLAS.threads
        BLAS.threads = 1
        XCTAssertEqual(BLAS.threads, 1)
        BLAS.threads = previous
    }
}
