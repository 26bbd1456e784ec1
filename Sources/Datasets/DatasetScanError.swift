/// Why a folder could not be read as an image-classification dataset. Each case names the paths involved
/// and its `description` says what to change.
public enum DatasetScanError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The dataset path does not exist or is not a folder.
    case notADirectory(path: String)
    /// A folder could not be listed (permissions, I/O error).
    case unreadable(path: String, reason: String)
    /// No .png/.jpg/.jpeg file anywhere under the root. `otherFiles` are a few of the files that were found.
    case noImages(path: String, otherFiles: [String])
    /// Images that sit directly in the root (or directly in a split folder such as `train/`), so they have
    /// no class folder to take their label from. `examples` are root-relative paths.
    case imagesWithoutClassFolder(examples: [String], count: Int)
    /// Images at different folder depths, e.g. `cat/1.png` beside `dog/puppies/2.png`; the label is the
    /// name of the folder holding the image, so every image must be the same number of folders deep.
    case mixedDepths(shallower: String, deeper: String)
    /// Every image is in folders of a single name: a classifier needs at least two classes.
    case singleClass(name: String)

    public var description: String {
        switch self {
        case let .notADirectory(path):
            return "\(path) is not a folder; expected a dataset folder laid out as <class>/<image>"
                + " or train/<class>/<image> (with test/ or validation/ beside train/)"
        case let .unreadable(path, reason):
            return "cannot list \(path): \(reason)"
        case let .noImages(path, otherFiles):
            let found = otherFiles.isEmpty ? "it holds no files"
                : "found only other files, e.g. \(otherFiles.joined(separator: ", "))"
            return "no images under \(path) (\(found)); put .png/.jpg/.jpeg files in one folder per class,"
                + " <class>/<image>, e.g. cat/001.jpg and dog/001.jpg"
        case let .imagesWithoutClassFolder(examples, count):
            let more = count > examples.count ? " and \(count - examples.count) more" : ""
            return "\(count) image(s) are not inside a class folder (\(examples.joined(separator: ", "))\(more));"
                + " the label of an image is the name of the folder that holds it: move each image into a folder"
                + " named after its class (e.g. cat/001.jpg, or train/cat/001.jpg with split folders)"
        case let .mixedDepths(shallower, deeper):
            return "images are nested at different depths (\(shallower) vs \(deeper)); the label of an image is the"
                + " name of the folder that holds it, so keep every image exactly one class folder deep"
                + " (<class>/<image>, or <split>/<class>/<image>)"
        case let .singleClass(name):
            return "every image is in a folder named '\(name)', so there is only one class; a classifier needs at"
                + " least two class folders side by side (e.g. cat/ and dog/)"
        }
    }
}
