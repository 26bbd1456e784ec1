import Foundation

// Reading an ImageFolder tree the way Hugging Face `datasets` 5.2 does
// (src/datasets/data_files.py: `get_data_patterns`, `resolve_pattern`;
//  src/datasets/packaged_modules/folder_based_builder/folder_based_builder.py: `_split_generators`).

extension ImageFolderDataset {
    /// File name extensions read as images, compared in lower case. `datasets` accepts every format Pillow
    /// opens; only the ones `Imaging` decodes are taken here, the rest are listed in `ignoredFiles`.
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Visible files that operating systems leave behind; not worth listing as ignored.
    static let systemFileNames: Set<String> = ["Thumbs.db", "desktop.ini"]

    /// Reads the folder tree under `directory` as an image-classification dataset.
    ///
    /// Two layouts are recognised:
    /// - `<class>/<image>`: one `train` split holding every image.
    /// - top-level split folders `train/` (or `training/`), `validation/` (`valid/`, `dev/`, `val/`) and
    ///   `test/` (`testing/`, `eval/`, `evaluation/`), each `<class>/<image>`. Files outside them are ignored,
    ///   as `datasets` ignores them. (`datasets` also spots split names deeper in the tree and in file
    ///   names; only top-level folders count here.)
    ///
    /// As in `datasets`: the label of an image is the name of the folder that holds it; class names are the
    /// sorted union over all splits; each split lists its images sorted by root-relative path (code point
    /// order), `train/` before `training/`; names starting with "." (hidden files and folders) and folders
    /// starting with "__" (e.g. `__MACOSX`) are skipped. Only .png/.jpg/.jpeg, in any case, are images.
    /// `metadata.csv`/`metadata.jsonl` files are not read.
    ///
    /// - Throws: `DatasetScanError` when there are no images, images without a class folder, images at
    ///   mixed depths, or a single class.
    public static func scan(directory: URL) throws -> ImageFolderDataset {
        let tree = try FolderTree(root: directory)
        let images = tree.files.filter { isImage($0) }
        let otherFiles = tree.files.filter { !isImage($0) && !systemFileNames.contains($0.last!) }
        guard !images.isEmpty else {
            throw DatasetScanError.noImages(path: directory.path, otherFiles: otherFiles.prefix(5).map(joined))
        }

        // Split folders count when they hold at least one image, as a split pattern counts in `datasets`
        // when it matches a data file.
        let splitFolders = Set(images.compactMap { $0.count > 1 && SplitName(folderName: $0[0]) != nil ? $0[0] : nil })
        let layout: Layout = splitFolders.isEmpty ? .classFolders : .splitFolders
        let used = layout == .classFolders ? images : images.filter { splitFolders.contains($0[0]) }
        let outsideSplits = layout == .classFolders ? [] : images.filter { !splitFolders.contains($0[0]) }
        // Folder levels above the class folder: the split folder, if any.
        let splitLevels = layout == .classFolders ? 0 : 1

        let unlabelled = used.filter { $0.count - splitLevels < 2 }
        if !unlabelled.isEmpty {
            throw DatasetScanError.imagesWithoutClassFolder(examples: unlabelled.prefix(5).map(joined),
                                                            count: unlabelled.count)
        }
        // `datasets` adds labels only when every image is equally deep (`len(path_depths) == 1`).
        let depth = used.map(\.count).min()!
        if let deeper = used.first(where: { $0.count != depth }) {
            let shallower = used.first { $0.count == depth }!
            throw DatasetScanError.mixedDepths(shallower: joined(shallower), deeper: joined(deeper))
        }

        // Names are keyed by their code points: Swift's String equality would merge "é" with "e" + U+0301,
        // which are two folders on disk and two classes for Python.
        var classNamesByScalars: [[Unicode.Scalar]: String] = [:]
        for image in used { classNamesByScalars[Array(image[image.count - 2].unicodeScalars)] = image[image.count - 2] }
        let labelNames = classNamesByScalars.values.sorted(by: pythonStringLess)
        if labelNames.count == 1 { throw DatasetScanError.singleClass(name: labelNames[0]) }
        let labelOf = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { (Array($1.unicodeScalars), $0) })
        let labelled = { (components: [String]) in
            LabeledImage(path: joined(components), label: labelOf[Array(components[components.count - 2].unicodeScalars)]!)
        }

        let splits: [DatasetSplit]
        switch layout {
        case .classFolders:
            splits = [DatasetSplit(name: .train, images: sortedByPath(used).map(labelled))]
        case .splitFolders:
            // One glob pattern per folder name, concatenated in keyword order, each sorted (fsspec's glob).
            splits = SplitName.allCases.compactMap { split in
                let folders = split.folderNames.filter(splitFolders.contains)
                guard !folders.isEmpty else { return nil }
                let images = folders.flatMap { folder in sortedByPath(used.filter { $0[0] == folder }) }
                return DatasetSplit(name: split, images: images.map(labelled))
            }
        }

        // Class-level folders (one level above the images, inside a used split folder) without images.
        let imageFolders = Set(used.map { Array(joined(Array($0.dropLast())).unicodeScalars) })
        let emptyClassFolders = tree.directories.filter { folder in
            folder.count == depth - 1 && !imageFolders.contains(Array(joined(folder).unicodeScalars))
                && (layout == .classFolders || splitFolders.contains(folder[0]))
        }
        return ImageFolderDataset(labelNames: labelNames, splits: splits, layout: layout,
                                  emptyClassFolders: sortedByPath(emptyClassFolders).map(joined),
                                  ignoredFiles: sortedByPath(otherFiles + outsideSplits).map(joined))
    }

    private static func isImage(_ components: [String]) -> Bool {
        let name = components.last!
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return imageExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    private static func joined(_ components: [String]) -> String { components.joined(separator: "/") }

    private static func sortedByPath(_ paths: [[String]]) -> [[String]] {
        paths.map { ($0, joined($0)) }.sorted { pythonStringLess($0.1, $1.1) }.map(\.0)
    }
}

/// Every visible file and folder under a root, as path components relative to it.
struct FolderTree {
    var files: [[String]] = []
    var directories: [[String]] = []

    init(root: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetScanError.notADirectory(path: root.path)
        }
        var visited: Set<[Unicode.Scalar]> = []
        try walk(root, components: [], visited: &visited)
    }

    /// `datasets` skips names starting with "." (but not "." or "..") and folders starting with "__"
    /// (`_is_unrequested_hidden_file_or_is_inside_unrequested_hidden_dir`, `_is_inside_unrequested_special_dir`).
    static func isHidden(_ name: String, isDirectory: Bool) -> Bool {
        (name.hasPrefix(".") && name.contains { $0 != "." }) || (isDirectory && name.hasPrefix("__"))
    }

    private mutating func walk(_ folder: URL, components: [String], visited: inout Set<[Unicode.Scalar]>) throws {
        // Symbolic links are followed, as fsspec's local glob does; the resolved path guards against loops.
        // Keyed by code points: as Strings, "émile" and "e" + U+0301 + "mile" are equal but name two folders.
        let resolved = Array(folder.resolvingSymlinksInPath().path.unicodeScalars)
        guard visited.insert(resolved).inserted else { return }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw DatasetScanError.unreadable(path: folder.path, reason: error.localizedDescription)
        }
        for name in names.sorted(by: pythonStringLess) {
            let url = folder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { continue }
            if FolderTree.isHidden(name, isDirectory: isDirectory.boolValue) { continue }
            if isDirectory.boolValue {
                directories.append(components + [name])
                try walk(url, components: components + [name], visited: &visited)
            } else {
                files.append(components + [name])
            }
        }
    }
}
