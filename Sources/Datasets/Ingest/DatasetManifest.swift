/// How the labels of an ingested dataset were given.
public enum DatasetLayout: String, Codable, Sendable {
    /// `<class>/<image>`: the folder holding an image names its class.
    case classFolders = "class_folders"
    /// `train/<class>/<image>` beside `test/` and/or `validation/` (or their synonyms).
    case splitFolders = "split_folders"
    /// `metadata.csv` / `metadata.jsonl` with `file_name` and a label column (Hugging Face imagefolder).
    case metadata
    /// A table at the root of `path,label` rows (any name, e.g. `labels.csv`, or `train.csv` + `test.csv`).
    case labelFile = "label_file"
}

/// One image of a stored dataset.
public struct ManifestImage: Codable, Equatable, Sendable {
    /// Path relative to the dataset (after a single wrapper folder was removed), "/"-separated; the file is
    /// `<dataset>/images/<path>`.
    public var path: String
    public var sha256: String
    public var bytes: Int64
    /// Indices into `labelNames`: exactly one for single-label datasets, any number for multi-label ones.
    public var labels: [Int]
    public var split: SplitName
    /// "PNG" or "JPEG", from the file's content.
    public var format: String
    public var width: Int
    public var height: Int

    public init(path: String, sha256: String, bytes: Int64, labels: [Int], split: SplitName, format: String, width: Int, height: Int) {
        self.path = path
        self.sha256 = sha256
        self.bytes = bytes
        self.labels = labels
        self.split = split
        self.format = format
        self.width = width
        self.height = height
    }
}

/// A file or entry that was not used, and why.
public struct DatasetProblem: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// An archive entry refused for safety or integrity (link, device, `..`, bad name, CRC mismatch...).
        case refusedEntry = "refused_entry"
        /// A file in a format other than PNG/JPEG.
        case unsupportedFormat = "unsupported_format"
        /// A PNG/JPEG that does not decode.
        case undecodable
        /// An image whose header declares more pixels than `max_pixels` (refused before decoding).
        case tooManyPixels = "too_many_pixels"
        /// An image without a label (outside class folders, empty label cell...).
        case unlabelled
        /// A metadata row naming a file the upload does not hold.
        case missingFile = "missing_file"
        /// An image next to a metadata file that does not list it.
        case notInMetadata = "not_in_metadata"
        /// A second entry of the same name, or a name clash between a file and a folder.
        case duplicateEntry = "duplicate_entry"
        /// A malformed metadata row or table.
        case badTable = "bad_table"
    }

    public var path: String
    public var kind: Kind
    public var reason: String

    public init(path: String, kind: Kind, reason: String) {
        self.path = path
        self.kind = kind
        self.reason = reason
    }
}

/// `datasets/<id>/manifest.json`: everything known about a stored dataset. The images are under
/// `images/`, the preprocessed caches under `cache/`.
public struct DatasetManifest: Codable, Sendable {
    public static let currentVersion = 1

    public var version: Int
    /// The content id: SHA-256 over the sorted (path, file SHA-256, labels, split) list, 16 hex digits.
    public var id: String
    /// The upload's file or folder name.
    public var source: String
    public var container: ContainerKind
    public var layout: DatasetLayout
    /// Class names, index = label id.
    public var labelNames: [String]
    public var multiLabel: Bool
    /// Whether the upload said which split each image belongs to (split folders, a split column, train.csv).
    public var splitsGiven: Bool
    /// The single wrapper folder removed from every path (e.g. "flowers"), if any.
    public var unwrapped: String?
    /// The label column read from metadata or a label table, and the multi-label separator used.
    public var labelColumn: String?
    public var labelSeparator: String?
    /// In dataset order: splits train, validation, test; within a split by path (code point order).
    public var images: [ManifestImage]
    public var problems: [DatasetProblem]
    /// Visible files that are neither images nor tables (README.md, notes.txt...).
    public var ignoredFiles: [String]
    /// What ingest decided, in sentences (the layout, the separator, an unwrapped folder...).
    public var notices: [String]

    enum CodingKeys: String, CodingKey {
        case version, id, source, container, layout, multiLabel = "multi_label", splitsGiven = "splits_given"
        case labelNames = "label_names", unwrapped, labelColumn = "label_column", labelSeparator = "label_separator"
        case images, problems, ignoredFiles = "ignored_files", notices
    }

    /// The images of `split`, in dataset order.
    public func images(in split: SplitName) -> [ManifestImage] { images.filter { $0.split == split } }

    /// The splits that hold at least one image, in order.
    public var splits: [SplitName] { SplitName.allCases.filter { split in images.contains { $0.split == split } } }
}
