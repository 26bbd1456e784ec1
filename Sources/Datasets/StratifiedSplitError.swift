/// Why a stratified split cannot be made. Each case names the class or the size at fault, and its
/// `description` says what to change.
public enum StratifiedSplitError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The held-out fraction (`test_size`, `validation_size`) is not strictly between 0 and 1.
    case fractionOutOfRange(name: String, value: Double)
    /// A class has fewer than 2 images: it cannot be in both parts.
    case classTooSmall(className: String, count: Int)
    /// One part would hold fewer images than there are classes, so some class would be missing from it.
    case partTooSmall(part: String, size: Int, classCount: Int, total: Int, fractionName: String)
    /// The proportional allocation gives a class no image in one part (a small class beside large ones).
    case classMissingFromPart(className: String, part: String, classSize: Int, fractionName: String)

    public var description: String {
        switch self {
        case let .fractionOutOfRange(name, value):
            return "\(name) = \(value) must lie strictly between 0 and 1 (e.g. 0.2 holds out 20% of the images)"
        case let .classTooSmall(className, count):
            return "\(className) has only \(count) image(s); a stratified split needs at least 2 per class, one for"
                + " each part. Add images of \(className), or provide explicit train/ and test/ folders,"
                + " which need no split"
        case let .partTooSmall(part, size, classCount, total, fractionName):
            return "the \(part) part would hold \(size) of \(total) images but there are \(classCount) classes,"
                + " so some class would be missing from it; "
                + (part == "train" ? "lower \(fractionName)" : "raise \(fractionName) to at least \(Double(classCount) / Double(total))")
                + ", add images, or provide explicit train/ and test/ folders"
        case let .classMissingFromPart(className, part, classSize, fractionName):
            return "\(className) (\(classSize) images) would get no image in the \(part) part at this \(fractionName);"
                + " \(part == "train" ? "lower" : "raise") \(fractionName), add images of \(className),"
                + " or provide explicit train/ and test/ folders"
        }
    }
}
