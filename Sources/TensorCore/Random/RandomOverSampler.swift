/// The rows imbalanced-learn's `RandomOverSampler(random_state: seed).fit_resample(X, y)` returns,
/// as indices into the original rows (its `sample_indices_`), for the default
/// `sampling_strategy="auto"` and no shrinkage. REFERENCE.md 5.1; imblearn
/// `over_sampling/_random_over_sampler.py: _fit_resample`, `utils/_validation.py:
/// _sampling_strategy_not_majority`.
///
/// The original rows come first, in order. Then, for each class in sorted order other than the
/// majority (the first class, in sorted order, with the largest count), `n_max − n_c` rows are
/// drawn with replacement: `RandomState.choice(flatnonzero(y == c), need)`, which is `need` calls of
/// `randint(0, n_c)` mapped to that class's row indices. A class that ties the majority needs 0.
///
/// Labels may be any comparable type (class ids, names): only their sorted order matters, as in
/// `np.unique`. For strings, Swift's order equals numpy's code-point order on ASCII names.
public func randomOverSampleIndices<Label: Hashable & Comparable>(labels: [Label], seed: UInt32 = 83) -> [Int] {
    var rowsOfClass: [Label: [Int]] = [:]
    for (row, label) in labels.enumerated() { rowsOfClass[label, default: []].append(row) }
    let classes = rowsOfClass.keys.sorted()
    guard let majorityCount = classes.map({ rowsOfClass[$0]!.count }).max() else { return [] }
    let majority = classes.first { rowsOfClass[$0]!.count == majorityCount }!

    var random = NumpyRandomState(seed: seed)
    var indices = Array(labels.indices)
    for label in classes where label != majority {
        let rows = rowsOfClass[label]!
        for _ in 0..<(majorityCount - rows.count) {
            indices.append(rows[random.randint(0, rows.count)])
        }
    }
    return indices
}
