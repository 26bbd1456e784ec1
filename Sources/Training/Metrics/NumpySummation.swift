// Sums and averages in the order numpy adds, so that averages agree with scikit-learn to the last bit.
//
// Why bother: the classification report rounds to 4 digits, and a 1-ulp difference in a macro average
// can flip the last printed digit when the exact value sits on a rounding boundary. scikit-learn averages
// with `np.average` / `np.nanmean`, which reduce with numpy's pairwise summation.

/// `np.sum` of a float64 array: numpy's pairwise summation
/// (numpy/_core/src/umath/loops_utils.h.src, `pairwise_sum_DOUBLE`), added to the reduction's
/// initial value 0.0.
///
/// Below 8 elements it adds left to right; up to 128 it keeps 8 interleaved partial sums combined as
/// ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) and then adds the tail; above 128 it splits at a multiple of 8
/// near the middle and recurses.
func numpySum(_ values: [Double]) -> Double {
    values.withUnsafeBufferPointer { 0.0 + pairwiseSum($0[...]) }
}

private func pairwiseSum(_ values: Slice<UnsafeBufferPointer<Double>>) -> Double {
    let n = values.count
    let start = values.startIndex
    if n < 8 {
        var sum = 0.0
        for value in values { sum += value }
        return sum
    }
    if n <= 128 {
        var partial = (0..<8).map { values[start + $0] }
        var i = 8
        while i < n - n % 8 {
            for j in 0..<8 { partial[j] += values[start + i + j] }
            i += 8
        }
        var sum = ((partial[0] + partial[1]) + (partial[2] + partial[3]))
            + ((partial[4] + partial[5]) + (partial[6] + partial[7]))
        while i < n {
            sum += values[start + i]
            i += 1
        }
        return sum
    }
    var half = n / 2
    half -= half % 8
    return pairwiseSum(values[start..<(start + half)]) + pairwiseSum(values[(start + half)...])
}

/// `np.mean` (and `np.nanmean` without NaNs): the numpy sum divided by the count. Empty gives 0,
/// where numpy would give NaN; callers never average an empty list.
func numpyMean(_ values: [Double]) -> Double {
    values.isEmpty ? 0 : numpySum(values) / Double(values.count)
}

/// `np.average(values, weights=weights)`: Σ(values·weights) / Σweights, both numpy sums
/// (numpy/lib/_function_base_impl.py, `average`). When every weight is zero, scikit-learn's
/// `_nanaverage` (sklearn/utils/extmath.py) falls back to the unweighted mean; so does this.
func numpyWeightedAverage(_ values: [Double], weights: [Double]) -> Double {
    precondition(values.count == weights.count, "values and weights differ in length")
    let totalWeight = numpySum(weights)
    if totalWeight == 0 { return numpyMean(values) }
    return numpySum(zip(values, weights).map { $0 * $1 }) / totalWeight
}
