import TensorCore

// Random choices for dataset splits, written out here rather than taken from the standard library:
// Swift does not promise that `shuffle(using:)` or `Int.random(in:using:)` keep their algorithm across
// releases, and a split must stay the same for the same seed forever.

extension SeededRandom {
    /// A uniform integer in `0..<bound` by rejection: draws below the largest multiple of `bound` that fits
    /// in 64 bits are reduced modulo `bound`, others are redrawn, so there is no modulo bias.
    mutating func uniformIndex(below bound: Int) -> Int {
        precondition(bound > 0, "empty range")
        let range = UInt64(bound)
        let rejectFrom = UInt64.max - UInt64.max % range   // values ≥ this would favour small results
        while true {
            let draw = next()
            if draw < rejectFrom { return Int(draw % range) }
        }
    }

    /// Fisher–Yates from the back: for i = n−1 … 1, swap element i with a uniform j in 0…i.
    mutating func shuffled<T>(_ values: [T]) -> [T] {
        var result = values
        var i = result.count - 1
        while i > 0 {
            result.swapAt(i, uniformIndex(below: i + 1))
            i -= 1
        }
        return result
    }
}
