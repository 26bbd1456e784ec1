import Foundation

/// Which images of an upload are used, with which labels and splits: the layout decision.
struct Resolution {
    struct Candidate {
        var file: StagedFile
        /// Path after the wrapper folder was removed.
        var path: String
        /// Label names (one for single-label).
        var labels: [String]
        var split: SplitName
        /// Orders split folders of one split as `datasets` concatenates them (train/ before training/).
        var folderRank: Int = 0
    }

    var layout: DatasetLayout
    var multiLabel = false
    var splitsGiven = false
    var candidates: [Candidate] = []
    var problems: [DatasetProblem] = []
    var ignored: [String] = []
    var notices: [String] = []
    var unwrapped: String?
    var labelColumn: String?
    var labelSeparator: String?
}

/// Decides the layout of staged files. Metadata files win (`metadata.csv`/`metadata.jsonl`, as
/// `datasets`' imagefolder reads them), then root tables with a path column (`labels.csv`,
/// `train.csv`...), then class folders. Nothing here decodes an image.
struct LayoutResolver {
    static let metadataNames: Set<String> = ["metadata.csv", "metadata.jsonl"]
    /// Column names taken as the file path in a root label table, in order of preference.
    static let pathColumns = ["path", "file_name", "filename", "file", "filepath", "file_path", "image", "image_path", "img"]
    /// Label columns tried when the configured one is the default `label` and absent.
    static let fallbackLabelColumns = ["labels", "class", "category", "tags"]

    let staging: URL
    let labelColumn: String
    /// nil: split on ";" or "|" when labels contain one; "": never split.
    let labelSeparator: String?

    func resolve(_ files: [StagedFile]) throws -> Resolution {
        var files = files
        let prefix = LayoutResolver.wrapperPrefix(files)
        // Paths as the dataset sees them, wrapper removed; files outside the wrapper cannot exist (the
        // wrapper is the only top-level folder holding images or tables).
        var stripped: [[String]] = files.map { Array($0.components.dropFirst(prefix.count)) }
        if !prefix.isEmpty {
            let keep = stripped.indices.filter { !stripped[$0].isEmpty }
            files = keep.map { files[$0] }
            stripped = keep.map { stripped[$0] }
        }
        var resolution: Resolution
        let tables = files.indices.filter { files[$0].role == .table }
        let metadata = tables.filter { LayoutResolver.metadataNames.contains(stripped[$0].last!) }
        if !metadata.isEmpty, let result = try resolveTables(files, stripped, tables: metadata, layout: .metadata) {
            resolution = result
        } else if let result = try resolveTables(files, stripped, tables: tables.filter { stripped[$0].count == 1 }, layout: .labelFile) {
            resolution = result
        } else {
            resolution = resolveFolders(files, stripped)
            if !metadata.isEmpty {
                resolution.notices.append("the metadata files have no '\(labelColumn)' column: labels come from folder names")
            }
        }
        if !prefix.isEmpty {
            resolution.unwrapped = prefix.joined(separator: "/")
            resolution.notices.insert("the upload wraps everything in '\(resolution.unwrapped!)/': read from inside it", at: 0)
        }
        // Dataset order: splits in order; within a split, split folders in `datasets`' order, then paths.
        resolution.candidates.sort { a, b in
            let sa = SplitName.allCases.firstIndex(of: a.split)!, sb = SplitName.allCases.firstIndex(of: b.split)!
            if sa != sb { return sa < sb }
            if a.folderRank != b.folderRank { return a.folderRank < b.folderRank }
            return pythonStringLess(a.path, b.path)
        }
        return resolution
    }

    /// The folders wrapping everything: while all images and tables sit in one top-level folder that is
    /// not a split folder and holds subfolders or a table, that folder is a wrapper (`flowers/cat/1.jpg`).
    /// A folder holding only images is kept: it is a class.
    static func wrapperPrefix(_ files: [StagedFile]) -> [String] {
        var prefix: [String] = []
        var paths = files.map(\.components)
        while !paths.isEmpty {
            let top = paths[0][0]
            guard paths.allSatisfy({ $0.count >= 2 && $0[0] == top }), SplitName(folderName: top) == nil else { break }
            let inner = paths.map { Array($0.dropFirst()) }
            let hasSubfolders = inner.contains { $0.count >= 2 }
            let hasTable = zip(files, inner).contains { $0.role == .table && $1.count == 1 }
            guard hasSubfolders || hasTable else { break }
            prefix.append(top)
            paths = inner
        }
        return prefix
    }

    // MARK: class folders

    func resolveFolders(_ files: [StagedFile], _ stripped: [[String]]) -> Resolution {
        var result = Resolution(layout: .classFolders)
        let images = files.indices.filter { files[$0].role == .image }
        for index in files.indices where files[index].role == .table {
            result.ignored.append(stripped[index].joined(separator: "/"))
        }
        let splitFolders = Set(images.compactMap { stripped[$0].count > 1 && SplitName(folderName: stripped[$0][0]) != nil ? stripped[$0][0] : nil })
        var used = images
        if !splitFolders.isEmpty {
            result.layout = .splitFolders
            result.splitsGiven = true
            used = images.filter { splitFolders.contains(stripped[$0][0]) }
            let outside = images.filter { !splitFolders.contains(stripped[$0][0]) }
            for index in outside { result.ignored.append(stripped[index].joined(separator: "/")) }
            if !outside.isEmpty {
                result.notices.append("\(outside.count) image(s) outside the split folders are not used (as datasets ignores them)")
            }
        }
        let splitLevels = splitFolders.isEmpty ? 0 : 1
        // The class folder holds the image; `datasets` wants every image equally deep. The most common
        // depth is taken, images at other depths are listed.
        var depthCounts: [Int: Int] = [:]
        for index in used where stripped[index].count - splitLevels >= 2 { depthCounts[stripped[index].count, default: 0] += 1 }
        let depth = depthCounts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }?.key
        for index in used {
            let parts = stripped[index]
            let path = parts.joined(separator: "/")
            if parts.count - splitLevels < 2 {
                result.problems.append(DatasetProblem(path: path, kind: .unlabelled, reason: "not inside a class folder"
                    + " (the label of an image is the name of the folder holding it: <class>/<image>)"))
                continue
            }
            if parts.count != depth {
                result.problems.append(DatasetProblem(path: path, kind: .unlabelled,
                    reason: "nested \(parts.count - 1) folder(s) deep while the other images are \(depth! - 1) deep; keep one class folder level"))
                continue
            }
            var split = SplitName.train
            var rank = 0
            if splitLevels == 1, let named = SplitName(folderName: parts[0]) {
                split = named
                rank = named.folderNames.firstIndex(of: parts[0]) ?? 0
            }
            result.candidates.append(Resolution.Candidate(file: files[index], path: path, labels: [parts[parts.count - 2]],
                                                          split: split, folderRank: rank))
        }
        return result
    }

    // MARK: tables

    /// Reads `tables` (metadata files or root label files); nil when none of them can label images
    /// (no file or no label column), so the next layout is tried.
    func resolveTables(_ files: [StagedFile], _ stripped: [[String]], tables: [Int], layout: DatasetLayout) throws -> Resolution? {
        struct Row { var labels: Table.Value; var split: SplitName?; var depth: Int; var source: String; var line: Int }
        var result = Resolution(layout: layout)
        var parsed: [(index: Int, table: Table, fileColumn: String, labelColumn: String)] = []
        for index in tables {
            let name = stripped[index].joined(separator: "/")
            let url = staging.appendingPathComponent(files[index].path)
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw IngestError.io(path: url.path, detail: "cannot read the staged table: \(error.localizedDescription)")
            }
            let table = Table.parse(data, isJSONLines: name.lowercased().hasSuffix(".jsonl"))
            let lowered = Dictionary(table.columns.map { ($0.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
            let fileColumn = layout == .metadata
                ? (lowered["file_name"] ?? LayoutResolver.pathColumns.lazy.compactMap { lowered[$0] }.first)
                : LayoutResolver.pathColumns.lazy.compactMap { lowered[$0] }.first
            let labelCandidates = labelColumn == "label" ? [labelColumn] + LayoutResolver.fallbackLabelColumns : [labelColumn]
            let label = table.columns.contains(labelColumn) ? labelColumn : labelCandidates.lazy.compactMap { lowered[$0] }.first
            guard let fileColumn, let label else {
                if layout == .metadata || fileColumn != nil {
                    result.problems.append(DatasetProblem(path: name, kind: .badTable, reason: fileColumn == nil
                        ? "no file_name column (columns: \(table.columns.joined(separator: ", ")))"
                        : "no '\(labelColumn)' column (columns: \(table.columns.joined(separator: ", "))); set the label column"))
                }
                continue
            }
            for problem in table.rowProblems.prefix(20) {
                result.problems.append(DatasetProblem(path: name, kind: .badTable, reason: problem))
            }
            parsed.append((index, table, fileColumn, label))
        }
        guard !parsed.isEmpty else { return nil }
        result.labelColumn = Array(Set(parsed.map(\.labelColumn))).sorted().joined(separator: ", ")

        // The multi-label separator: given, or ";" / "|" when some label holds one.
        var separator: String?
        if let labelSeparator {
            separator = labelSeparator.isEmpty ? nil : labelSeparator
        } else {
            let strings = parsed.lazy.flatMap { entry in entry.table.rows.lazy.compactMap { row -> String? in
                if case .string(let s)? = row[entry.labelColumn] { return s } else { return nil }
            } }
            separator = [";", "|"].first { sep in strings.contains { $0.contains(sep) } }
            if let separator { result.notices.append("labels hold '\(separator)': read as multi-label, '\(separator)'-separated") }
        }
        result.labelSeparator = separator

        // Rows by the path they name (relative to the table's folder); deeper tables win, as datasets
        // matches a file with the metadata closest to it.
        var rows: [[Unicode.Scalar]: Row] = [:]
        var rowPaths: [[Unicode.Scalar]: String] = [:]
        for entry in parsed {
            let folder = Array(stripped[entry.index].dropLast())
            let name = stripped[entry.index].joined(separator: "/")
            let stem = ((stripped[entry.index].last! as NSString).deletingPathExtension as String).lowercased()
            for (line, row) in entry.table.rows.enumerated() {
                let lineNumber = line + 2 - (name.lowercased().hasSuffix(".jsonl") ? 1 : 0)
                guard case .string(let file)? = row[entry.fileColumn], !file.isEmpty else {
                    result.problems.append(DatasetProblem(path: name, kind: .badTable, reason: "row \(lineNumber): no \(entry.fileColumn)"))
                    continue
                }
                let parts: [String]
                switch EntryPath.components(Array(file.utf8)) {
                case .failure(let refusal):
                    result.problems.append(DatasetProblem(path: name, kind: .badTable, reason: "row \(lineNumber): \(entry.fileColumn) '\(file)' refused: \(refusal.reason)"))
                    continue
                case .success(let p): parts = p
                }
                var split: SplitName?
                if case .string(let value)? = row["split"], !value.isEmpty {
                    split = SplitName(folderName: value.lowercased())
                    if split == nil {
                        result.problems.append(DatasetProblem(path: name, kind: .badTable, reason: "row \(lineNumber): unknown split '\(value)' (train, validation, test)"))
                    }
                } else if layout == .labelFile, let named = SplitName(folderName: stem) {
                    split = named
                }
                let full = (folder + parts).joined(separator: "/")
                let key = Array(full.unicodeScalars)
                if let existing = rows[key], existing.depth >= folder.count {
                    if existing.depth == folder.count {
                        result.problems.append(DatasetProblem(path: full, kind: .badTable, reason: "listed again in \(name) row \(lineNumber); the first row (\(existing.source) row \(existing.line)) is kept"))
                    }
                    continue
                }
                rows[key] = Row(labels: row[entry.labelColumn] ?? .null, split: split, depth: folder.count, source: name, line: lineNumber)
                rowPaths[key] = full
            }
        }

        var matched: Set<[Unicode.Scalar]> = []
        let tableNames = parsed.map { stripped[$0.index].joined(separator: "/") }.joined(separator: ", ")
        for index in files.indices where files[index].role == .image {
            let parts = stripped[index]
            let path = parts.joined(separator: "/")
            let key = Array(path.unicodeScalars)
            guard let row = rows[key] else {
                result.problems.append(DatasetProblem(path: path, kind: .notInMetadata, reason: "not listed in \(tableNames)"))
                continue
            }
            matched.insert(key)
            var labels: [String]
            switch row.labels {
            case .null:
                labels = []
            case .list(let list):
                labels = list.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                result.multiLabel = true
                if labels.isEmpty {   // an explicit [] is an image with no positive label
                    result.candidates.append(candidate(files[index], path, parts, labels: [], rowSplit: row.split, into: &result))
                    continue
                }
            case .string(let text):
                if let separator {
                    labels = text.components(separatedBy: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    result.multiLabel = true
                } else {
                    let trimmed = text.trimmingCharacters(in: .whitespaces)
                    labels = trimmed.isEmpty ? [] : [trimmed]
                }
            }
            if labels.isEmpty {
                result.problems.append(DatasetProblem(path: path, kind: .unlabelled, reason: "its \(row.source) row \(row.line) has no label"))
                continue
            }
            result.candidates.append(candidate(files[index], path, parts, labels: labels, rowSplit: row.split, into: &result))
        }
        for (key, path) in rowPaths where !matched.contains(key) {
            result.problems.append(DatasetProblem(path: path, kind: .missingFile,
                                                  reason: "listed in \(rows[key]!.source) row \(rows[key]!.line) but not in the upload (or not a PNG/JPEG)"))
        }
        result.problems.sort { pythonStringLess($0.path, $1.path) }
        // Tables that are not metadata stay visible in the ignored list when they were not read.
        for index in files.indices where files[index].role == .table && !parsed.contains(where: { $0.index == index }) && !tables.contains(index) {
            result.ignored.append(stripped[index].joined(separator: "/"))
        }
        result.notices.insert(layout == .metadata
            ? "labels from \(tableNames) (column '\(result.labelColumn!)')"
            : "labels from the table \(tableNames) (column '\(result.labelColumn!)')", at: 0)
        return result
    }

    /// A candidate whose split comes from a top-level split folder, else the row's split column, else train.
    private func candidate(_ file: StagedFile, _ path: String, _ parts: [String], labels: [String], rowSplit: SplitName?,
                           into result: inout Resolution) -> Resolution.Candidate {
        if parts.count > 1, let named = SplitName(folderName: parts[0]) {
            result.splitsGiven = true
            return Resolution.Candidate(file: file, path: path, labels: labels, split: named,
                                        folderRank: named.folderNames.firstIndex(of: parts[0]) ?? 0)
        }
        if let rowSplit {
            result.splitsGiven = true
            return Resolution.Candidate(file: file, path: path, labels: labels, split: rowSplit)
        }
        return Resolution.Candidate(file: file, path: path, labels: labels, split: .train)
    }
}
