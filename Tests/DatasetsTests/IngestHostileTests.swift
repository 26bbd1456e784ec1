@testable import Datasets
import Foundation
import XCTest

/// Hostile uploads: refused per entry (names, links, devices) or as a whole (bombs, overlaps,
/// truncation), never writing outside the dataset's folder, never leaving a partial dataset.
final class IngestHostileTests: IngestTestCase {
    /// A path outside the store that a traversal would reach.
    var outside: String { scratch.appendingPathComponent("escaped").path }

    func fourImages() -> [(String, [UInt8])] {
        [("cat/1.png", png()), ("cat/2.png", png()), ("dog/1.png", png()), ("dog/2.png", png())]
    }

    func assertNothingEscaped(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(FileManager.default.fileExists(atPath: outside), "nothing written outside the store", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/sigtune-escaped.png"), file: file, line: line)
    }

    func testTarEntriesWithBadNamesLinksAndDevicesAreRefusedOneByOne() throws {
        var tar = TestTar()
        for (path, image) in fourImages() { tar.file(path, image) }
        tar.file("/tmp/sigtune-escaped.png", png())
        tar.file("../escaped/evil.png", png())
        tar.file("cat/../../escaped/evil2.png", png())
        tar.special("cat/link.png", type: "2", link: outside)
        tar.special("cat/folder-link", type: "2", link: outside)
        tar.file("cat/folder-link/through.png", png())   // must land in a real folder of the staging area, not via the link
        tar.special("cat/hard.png", type: "1", link: "/etc/passwd")
        tar.special("cat/tty", type: "3")
        tar.special("cat/disk", type: "4")
        tar.special("cat/pipe", type: "6")
        tar.pax(["path": Array("cat/nul\u{0}.png".utf8)])
        tar.file("cat/placeholder-for-nul.png", png())
        tar.file(rawName: Array("cat/".utf8) + [0xFF, 0xFE] + Array(".png".utf8), png())
        let result = try ingest(try write(tar.archive(), "hostile.tar"))
        assertNothingEscaped()
        let m = result.dataset.manifest
        XCTAssertEqual(m.images.map(\.path), ["cat/1.png", "cat/2.png", "dog/1.png", "dog/2.png"],
                       "the file below the refused link is in its own (stray, deeper) folder: unlabelled, not followed")
        let refused = Dictionary(m.problems.filter { $0.kind == .refusedEntry }.map { ($0.path, $0.reason) }, uniquingKeysWith: { a, _ in a })
        XCTAssertTrue(refused["/tmp/sigtune-escaped.png"]?.contains("absolute") == true, "\(refused)")
        XCTAssertTrue(refused["../escaped/evil.png"]?.contains("'..'") == true)
        XCTAssertTrue(refused["cat/../../escaped/evil2.png"]?.contains("'..'") == true)
        XCTAssertTrue(refused["cat/link.png"]?.contains("symbolic link") == true)
        XCTAssertTrue(refused["cat/folder-link"]?.contains("symbolic link") == true)
        XCTAssertTrue(refused["cat/hard.png"]?.contains("hard link") == true)
        XCTAssertTrue(refused["cat/tty"]?.contains("device") == true)
        XCTAssertTrue(refused["cat/disk"]?.contains("device") == true)
        XCTAssertTrue(refused["cat/pipe"]?.contains("FIFO") == true)
        XCTAssertTrue(refused["cat/nul\\0.png"]?.contains("NUL") == true, "\(refused.keys.sorted())")
        XCTAssertTrue(refused.contains { $0.value.contains("not valid UTF-8") })
        XCTAssertEqual(problem(result, "cat/folder-link/through.png")?.kind, .unlabelled)
        XCTAssertEqual(result.report.refusedEntries.count, 11)
        XCTAssertTrue(result.report.warnings.contains { $0.contains("11 archive entries were refused") })
    }

    func testZipEntriesWithBadNamesAndSymlinksAreRefusedOneByOne() throws {
        var zip = TestZip()
        for (path, image) in fourImages() { zip.add(path, image) }
        zip.add("../escaped.png", png())
        zip.add("/abs.png", png())
        zip.add("C:\\windows.png", png())
        zip.add("cat\\..\\..\\escaped.png", png())
        zip.add("cat/link.png", Array(outside.utf8), deflate: false, unixMode: 0o120777)
        zip.add("cat/pipe", [], deflate: false, unixMode: 0o010644)
        zip.entries.append(TestZip.Entry(name: Array("cat/".utf8) + [0xC3, 0x28] + Array(".png".utf8), data: png()))
        zip.entries.append(TestZip.Entry(name: Array("cat/a".utf8) + [0] + Array(".png".utf8), data: png()))
        let result = try ingest(try write(zip.bytes(), "hostile.zip"))
        assertNothingEscaped()
        let m = result.dataset.manifest
        XCTAssertEqual(m.images.count, 4)
        let reasons = m.problems.filter { $0.kind == .refusedEntry }.map(\.reason)
        XCTAssertEqual(reasons.count, 8, "\(m.problems)")
        for expected in ["'..'", "absolute path", "drive letter", "symbolic link", "FIFO", "not valid UTF-8", "NUL"] {
            XCTAssertTrue(reasons.contains { $0.contains(expected) }, "\(expected) in \(reasons)")
        }
    }

    func testZipBombIsStoppedWhileStreamingByTheRatioLimit() throws {
        var zip = TestZip()
        for (path, image) in fourImages() { zip.add(path, image) }
        zip.add("cat/bomb.png", [UInt8](repeating: 0, count: 64 << 20))
        let url = try write(zip.bytes(), "bomb.zip")
        XCTAssertLessThan(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int, 200_000)
        assertRefused(url) {
            if case let .limitExceeded(entry, limit, _, _) = $0 { return entry == "cat/bomb.png" && limit == "max_compression_ratio" }
            return false
        }
        // At the reader: the bytes handed out stop soon after the grace amount, far from 64 MiB.
        var delivered = 0
        let reader = ZipReader(try FileReader(path: url.path), tracker: LimitTracker(IngestLimits()))
        XCTAssertThrowsError(try reader.forEachEntry { _, content in try content.stream { delivered += $0.count } })
        XCTAssertLessThan(delivered, 2 << 20, "checked while streaming, not after")
    }

    func testGzipBombIsStoppedWhileStreamingAndNamesTheEntry() throws {
        var tar = TestTar()
        for (path, image) in fourImages() { tar.file(path, image) }
        tar.file("dog/zeros.png", [UInt8](repeating: 0, count: 48 << 20))
        let url = try write(tar.gzipped(), "bomb.tgz")
        assertRefused(url) {
            if case let .limitExceeded(entry, limit, _, _) = $0 { return entry == "dog/zeros.png" && limit == "max_compression_ratio" }
            return false
        }
        var delivered = 0
        let tracker = LimitTracker(IngestLimits())
        let reader = TarReader(GzipStream(try FileReader(path: url.path), tracker: tracker), tracker: tracker)
        XCTAssertThrowsError(try reader.forEachEntry { _, content in try content.stream { delivered += $0.count } })
        XCTAssertLessThan(delivered, 3 << 20)
    }

    func testTotalBytesEntryCountAndEntrySizeLimits() throws {
        var zip = TestZip()
        for (path, image) in fourImages() { zip.add(path, image) }
        let url = try write(zip.bytes(), "four.zip")
        assertRefused(url, { $0.limits.maxTotalBytes = 1000 }) {
            if case let .limitExceeded(_, limit, value, _) = $0 { return limit == "max_total_bytes" && value == 1000 }
            return false
        }
        assertRefused(url, { $0.limits.maxEntries = 3 }) {
            if case let .limitExceeded(_, limit, _, _) = $0 { return limit == "max_entries" }
            return false
        }
        var tar = TestTar()
        for (path, image) in fourImages() { tar.file(path, image) }
        let tarURL = try write(tar.archive(), "four.tar")
        assertRefused(tarURL, { $0.limits.maxEntries = 3 }) {
            if case let .limitExceeded(entry, limit, _, _) = $0 { return limit == "max_entries" && entry == "dog/2.png" }
            return false
        }
        assertRefused(tarURL, { $0.limits.maxEntryBytes = 100 }) {
            if case let .limitExceeded(entry, limit, _, _) = $0 { return limit == "max_entry_bytes" && entry == "cat/1.png" }
            return false
        }
        XCTAssertEqual(try ingest(tarURL).dataset.manifest.images.count, 4, "within the limits it ingests")
    }

    func testOverlappingZipEntriesAreRefused() throws {
        var zip = TestZip()
        zip.add("cat/1.png", png())
        for i in 0..<3 {
            var entry = TestZip.Entry(name: Array("dog/\(i).png".utf8), data: zip.entries[0].data)
            entry.sharesLocalHeaderOf = 0
            zip.entries.append(entry)
        }
        assertRefused(try write(zip.bytes(), "overlap.zip")) {
            if case let .overlappingEntries(first, second) = $0 { return [first, second].contains("cat/1.png") }
            return false
        }
    }

    func testTruncatedArchivesAreRefused() throws {
        var zip = TestZip()
        for (path, image) in fourImages() { zip.add(path, image) }
        let zipBytes = zip.bytes()
        assertRefused(try write(Array(zipBytes.dropLast(40)), "cut.zip")) {
            if case .truncated = $0 { return true } else { return false }
        }
        var tar = TestTar()
        let images = fourImages()
        for (path, image) in images { tar.file(path, image) }
        let tarBytes = tar.archive()
        let secondData = 512 + (images[0].1.count + 511) / 512 * 512 + 512
        let cut = Array(tarBytes.prefix(secondData + 10))   // inside the second file's data
        assertRefused(try write(cut, "cut.tar")) {
            if case let .truncated(entry, _) = $0 { return entry == "cat/2.png" }
            return false
        }
        let gz = tar.gzipped()
        assertRefused(try write(Array(gz.prefix(gz.count / 2)), "cut.tgz")) {
            if case .truncated = $0 { return true } else { return false }
        }
        assertRefused(try write(Array(tarBytes.prefix(300)), "tiny.tar")) {
            if case .truncated = $0 { return true }
            if case .unsupportedContainer = $0 { return true }
            return false
        }
    }

    func testZipEntriesThatLieOrAreDamaged() throws {
        var zip = TestZip()
        for (path, image) in fourImages() { zip.add(path, image) }
        var damaged = TestZip.Entry(name: Array("dog/3.png".utf8), data: png())
        damaged.deflate = false
        zip.entries.append(damaged)
        var bytes = zip.bytes()
        // Flip a byte in the stored entry's data: its CRC no longer matches.
        let needle = Array("dog/3.png".utf8)
        let local = (0..<bytes.count - needle.count).first { Array(bytes[$0..<$0 + needle.count]) == needle }!
        bytes[local + needle.count + 20] ^= 0xFF
        let result = try ingest(try write(bytes, "damaged.zip"))
        XCTAssertTrue(problem(result, "dog/3.png")?.reason.contains("CRC-32 mismatch") == true)
        XCTAssertEqual(result.dataset.manifest.images.count, 4)

        var liar = TestZip()
        for (path, image) in fourImages() { liar.add(path, image) }
        liar.entries[3].declaredSize = 100
        assertRefused(try write(liar.bytes(), "liar.zip")) {
            if case let .corrupt(entry, detail) = $0 { return entry == "dog/2.png" && detail.contains("declared size") }
            return false
        }
    }

    func testImagesDeclaringTooManyPixelsAreRefusedBeforeDecoding() throws {
        var files = Dictionary(uniqueKeysWithValues: fourImages())
        // A header declaring 30000 x 30000 (900 M pixels) with no pixel data behind it.
        files["dog/bomb.png"] = TestPNG.header(width: 30_000, height: 30_000) + TestPNG.chunk("IEND", [])
        let result = try ingest(try folder("bombs", files))
        let bomb = try XCTUnwrap(problem(result, "dog/bomb.png"))
        XCTAssertEqual(bomb.kind, .tooManyPixels)
        XCTAssertTrue(bomb.reason.contains("30000x30000") && bomb.reason.contains("max_pixels"), bomb.reason)
        // The limit is configurable: at 1000 pixels the 40x40 images are refused, the small one is kept.
        var small = Dictionary(uniqueKeysWithValues: fourImages())
        small["dog/tiny.png"] = png(8, 8)
        small["cat/tiny.png"] = png(8, 8)
        let limited = try ingest(try folder("limited", small)) { $0.limits.maxPixels = 1000 }
        XCTAssertEqual(limited.dataset.manifest.images.map(\.path), ["cat/tiny.png", "dog/tiny.png"])
        XCTAssertEqual(limited.report.skippedFiles.filter { $0.kind == .tooManyPixels }.count, 4)
    }

    func testUnsupportedContainersAreNamed() throws {
        assertRefused(try write(Array("BZh91AY&SY".utf8) + [UInt8](repeating: 1, count: 600), "data.tar.bz2")) {
            if case let .unsupportedContainer(_, detail) = $0 { return detail.contains("bzip2") }
            return false
        }
        assertRefused(try write(Deflater.compress(Array("just text".utf8), .gzip), "notes.gz")) {
            if case let .unsupportedContainer(_, detail) = $0 { return detail.contains("does not hold a tar") }
            return false
        }
        assertRefused(scratch.appendingPathComponent("does-not-exist.zip")) {
            if case .sourceNotFound = $0 { return true } else { return false }
        }
    }

    func testRemoveLeftoversClearsTemporaryFoldersOfDeadProcessesOnly() throws {
        let dead = store.root.appendingPathComponent(".tmp-4194303-abcd/files")
        let live = store.root.appendingPathComponent(".tmp-\(getpid())-beef")
        try FileManager.default.createDirectory(at: dead, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: live, withIntermediateDirectories: true)
        let removed = store.removeLeftovers()
        XCTAssertEqual(removed.map { URL(fileURLWithPath: $0).lastPathComponent }, [".tmp-4194303-abcd"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: live.path), "an ingest of a running process is left alone")
    }
}

/// Damaged archives of every kind: whatever the damage, ingest returns or throws, never crashes,
/// and never leaves a temporary folder behind.
final class IngestDamageTests: IngestTestCase {
    func testRandomByteFlipsAndCutsNeverCrash() throws {
        var zip = TestZip()
        var tar = TestTar()
        for path in ["a/1.png", "a/2.png", "b/1.png", "b/2.png"] {
            let image = png(16, 16)
            zip.add(path, image, deflate: path.hasSuffix("1.png"), dataDescriptor: path.hasPrefix("b"))
            tar.file(path, image)
        }
        var generator = SystemRandomNumberGenerator()
        var outcomes: [String: Int] = [:]
        for (name, original) in [("zip", zip.bytes()), ("tar", tar.archive()), ("tgz", tar.gzipped())] {
            for trial in 0..<60 {
                var bytes = original
                if trial % 3 == 0 {
                    bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
                } else {
                    for _ in 0..<(1 + trial % 4) {
                        bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                    }
                }
                let url = try write(bytes, "damaged-\(trial).\(name)")
                do {
                    _ = try ingest(url)
                    outcomes["\(name) ingested", default: 0] += 1
                } catch is IngestError {
                    outcomes["\(name) refused", default: 0] += 1
                }
                try FileManager.default.removeItem(at: url)
            }
        }
        print("outcomes: \(outcomes.sorted { $0.key < $1.key })")
        XCTAssertFalse(storeListing().contains { $0.contains(".tmp-") }, "no temporary folder left behind")
    }
}
