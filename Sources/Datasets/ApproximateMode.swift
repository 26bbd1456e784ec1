import TensorCore

/// How many of `draws` samples each class gets so that every class keeps its share of the population:
/// the approximate mode of the multivariate hypergeometric distribution.
///
/// Reference: scikit-learn `_approximate_mode` (sklearn/utils/extmath.py), which `datasets` copies as
/// `approximate_mode` (src/datasets/utils/stratify.py). Each class first gets
/// `floor(draws · count / total)`; the samples still missing go one each to the classes with the largest
/// fractional remainders, largest first. Where classes tie on a remainder and only some of them can get
/// one, the reference draws them with `rng.choice(..., replace=False)` from numpy's generator; here the tied
/// classes (in ascending class order) are shuffled with the seeded generator and the first ones win.
/// Without ties the result is the reference's exactly, whatever the seed.
///
/// - Parameters:
///   - classCounts: population per class, in class order.
///   - draws: total to allocate, at most the population.
/// - Returns: per class, the number drawn; the counts sum to `draws`.
func approximateMode(classCounts: [Int], draws: Int, random: inout SeededRandom) -> [Int] {
    let total = classCounts.reduce(0, +)
    precondition(draws >= 0 && draws <= total, "cannot draw \(draws) of \(total)")
    // numpy: n_draws * class_counts / class_counts.sum(), an exact integer product then one division.
    let continuous = classCounts.map { Double(draws * $0) / Double(total) }
    var allocated = continuous.map { Int($0.rounded(.down)) }
    var missing = draws - allocated.reduce(0, +)
    let remainders = zip(continuous, allocated).map { $0 - Double($1) }
    for remainder in Set(remainders).sorted(by: >) where missing > 0 {
        let tied = remainders.indices.filter { remainders[$0] == remainder }
        let winners = tied.count <= missing ? tied : Array(random.shuffled(tied).prefix(missing))
        for index in winners { allocated[index] += 1 }
        missing -= winners.count
    }
    return allocated
}
