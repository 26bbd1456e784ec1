import TensorCore

// Stratified train/test (and train/validation) splits with the sizes of scikit-learn's
// StratifiedShuffleSplit and of `datasets`' `train_test_split(stratify_by_column=...)`
// (src/datasets/arrow_dataset.py `train_test_split`, src/datasets/utils/stratify.py).

extension ImageFolderDataset {
    /// Splits sample indices `0..<labels.count` into train and test so that every class keeps its share.
    ///
    /// Sizes follow `datasets`: `n_test = ceil(testSize · n)` (the floating-point product, as Python
    /// computes it), `n_train = n − n_test`. Per class, the train count is `approximateMode` of the class
    /// counts for `n_train` and the test count is the rest, as in `stratified_shuffle_split_generate_indices`.
    /// Which members of a class go to test is a seeded shuffle of that class (classes in ascending order,
    /// each class's indices in ascending order, after the tie-breaking draws of the allocation): the same
    /// seed gives the same split on every platform. The members differ from `datasets`' (numpy's generator
    /// is not reproduced); the per-class counts agree.
    ///
    /// - Parameters:
    ///   - labels: the class of each sample, in dataset order.
    ///   - testSize: the fraction held out for test, strictly between 0 and 1.
    ///   - seed: seeds `SeededRandom`.
    ///   - labelNames: class names for error messages (optional).
    /// - Returns: the indices of each part, ascending (dataset order), so a later seeded shuffle of the
    ///   training set sees the same sequence for the same split.
    /// - Throws: `StratifiedSplitError` when `testSize` is outside (0, 1), a class has fewer than 2 samples,
    ///   a part would be smaller than the number of classes, or a class would get no sample in a part.
    public static func stratifiedSplit(labels: [Int], testSize: Double, seed: UInt64,
                                       labelNames: [String] = []) throws -> (train: [Int], test: [Int]) {
        let parts = try stratifiedParts(labels: labels, heldOutFraction: testSize, fractionName: "test_size",
                                        heldOutName: "test", seed: seed, labelNames: labelNames)
        return (parts.kept, parts.heldOut)
    }

    /// Carves a stratified validation part out of the training part, so the best checkpoint is chosen on
    /// validation and the test part stays unseen until the end (the blog selects on test: REFERENCE.md
    /// appendix A.3).
    ///
    /// `validationSize` is a fraction of the training part, not of the whole dataset; the rules and errors
    /// are those of `stratifiedSplit(labels:testSize:seed:labelNames:)` applied to the training samples.
    ///
    /// - Parameters:
    ///   - trainIndices: the dataset indices of the training part (e.g. `stratifiedSplit(...).train`).
    ///   - labels: the class of every dataset sample, indexed by dataset index.
    ///   - validationSize: the fraction of the training part held out, strictly between 0 and 1.
    ///   - seed: seeds `SeededRandom`.
    ///   - labelNames: class names for error messages (optional).
    /// - Returns: dataset indices of the remaining training part and of the validation part, ascending.
    public static func validationSplit(trainIndices: [Int], labels: [Int], validationSize: Double, seed: UInt64,
                                       labelNames: [String] = []) throws -> (train: [Int], validation: [Int]) {
        let sortedTrain = trainIndices.sorted()
        let parts = try stratifiedParts(labels: sortedTrain.map { labels[$0] }, heldOutFraction: validationSize,
                                        fractionName: "validation_size", heldOutName: "validation", seed: seed,
                                        labelNames: labelNames)
        return (parts.kept.map { sortedTrain[$0] }, parts.heldOut.map { sortedTrain[$0] })
    }

    private static func stratifiedParts(labels: [Int], heldOutFraction: Double, fractionName: String,
                                        heldOutName: String, seed: UInt64,
                                        labelNames: [String]) throws -> (kept: [Int], heldOut: [Int]) {
        guard heldOutFraction > 0, heldOutFraction < 1 else {
            throw StratifiedSplitError.fractionOutOfRange(name: fractionName, value: heldOutFraction)
        }
        let total = labels.count
        if total == 0 { return ([], []) }   // as `datasets`: nothing to split
        let heldOutCount = Int((heldOutFraction * Double(total)).rounded(.up))
        let keptCount = total - heldOutCount

        let classes = Set(labels).sorted()
        let className = { (label: Int) -> String in
            labelNames.indices.contains(label) ? "class '\(labelNames[label])'" : "class \(label)"
        }
        // Members of each class in ascending index order (np.argsort(..., kind="mergesort") is stable).
        var members: [Int: [Int]] = [:]
        for (index, label) in labels.enumerated() { members[label, default: []].append(index) }
        let classCounts = classes.map { members[$0]!.count }

        // The checks of stratified_shuffle_split_generate_indices, in its order, after the empty-train one
        // of train_test_split.
        if keptCount == 0 {
            throw StratifiedSplitError.partTooSmall(part: "train", size: 0, classCount: classes.count,
                                                    total: total, fractionName: fractionName)
        }
        if let small = classes.indices.first(where: { classCounts[$0] < 2 }) {
            throw StratifiedSplitError.classTooSmall(className: className(classes[small]), count: classCounts[small])
        }
        for (part, size) in [("train", keptCount), (heldOutName, heldOutCount)] where size < classes.count {
            throw StratifiedSplitError.partTooSmall(part: part, size: size, classCount: classes.count,
                                                    total: total, fractionName: fractionName)
        }

        var random = SeededRandom(seed: seed)
        // The reference allocates the train part first; the held-out part gets the rest of each class
        // (its second approximate_mode call has nothing left to round, so it returns the rest exactly).
        let keptPerClass = approximateMode(classCounts: classCounts, draws: keptCount, random: &random)
        for (i, label) in classes.enumerated() {
            if keptPerClass[i] == 0 || keptPerClass[i] == classCounts[i] {
                throw StratifiedSplitError.classMissingFromPart(
                    className: className(label), part: keptPerClass[i] == 0 ? "train" : heldOutName,
                    classSize: classCounts[i], fractionName: fractionName)
            }
        }

        var kept: [Int] = []
        var heldOut: [Int] = []
        for (i, label) in classes.enumerated() {
            let shuffled = random.shuffled(members[label]!)
            kept += shuffled.prefix(keptPerClass[i])
            heldOut += shuffled.dropFirst(keptPerClass[i])
        }
        return (kept.sorted(), heldOut.sorted())
    }
}
