/// An image-classification dataset on disk, described in memory: its class names and, per split, which
/// image files belong to it and with which label. Nothing is decoded here.
///
/// Built by `scan(directory:)` with the rules of Hugging Face `datasets`' `imagefolder` loader, so that a
/// folder gives the same classes, labels and sample order here as `load_dataset("imagefolder", data_dir=...)`.
public struct ImageFolderDataset: Codable, Equatable, Sendable {
    /// How the images were organised on disk.
    public enum Layout: String, Codable, Sendable {
        /// `<class>/<image>`: everything lands in one `train` split, to be split by the caller.
        case classFolders = "class_folders"
        /// `train/<class>/<image>` with `test/` and/or `validation/` (or their synonyms) beside it.
        case splitFolders = "split_folders"
    }

    /// The class names, index = label. Sorted by code point, as `datasets` sorts the folder names
    /// (`ClassLabel(names=sorted(labels))`, folder_based_builder.py).
    public let labelNames: [String]
    /// The splits present, in `datasets`' order: train, validation, test.
    public let splits: [DatasetSplit]
    public let layout: Layout
    /// Root-relative paths of class-level folders that hold no image. They are not classes (`datasets` only
    /// learns class names from image paths), which is usually fine but worth telling the user.
    public let emptyClassFolders: [String]
    /// Root-relative paths of visible files that are not used: not PNG/JPEG, or outside the split folders
    /// when there are split folders. Hidden files, `__MACOSX/` and system files are left out silently.
    public let ignoredFiles: [String]

    public init(labelNames: [String], splits: [DatasetSplit], layout: Layout,
                emptyClassFolders: [String] = [], ignoredFiles: [String] = []) {
        self.labelNames = labelNames
        self.splits = splits
        self.layout = layout
        self.emptyClassFolders = emptyClassFolders
        self.ignoredFiles = ignoredFiles
    }

    /// The images of `split` in dataset order, or nil when the dataset has no such split.
    public func images(in split: SplitName) -> [LabeledImage]? {
        splits.first { $0.name == split }?.images
    }
}
