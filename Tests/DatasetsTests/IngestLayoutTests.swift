import Checksums
@testable import Datasets
import Foundation
import Imaging
import TestSupport
import XCTest

/// Every layout in every container, ingested into a store.
final class IngestLayoutTests: IngestTestCase {
    func labels(_ result: IngestResult) -> [String: [String]] {
        let m = result.dataset.manifest
        return Dictionary(uniqueKeysWithValues: m.images.map { ($0.path, $0.labels.map { m.labelNames[$0] }) })
    }

    func testClassFoldersFromADirectoryAreStoredWithManifestAndCache() throws {
        let cat1 = png(), cat2 = png(), dog1 = png(64, 48), dog2 = png()
        let source = try folder("pets", ["cat/1.png": cat1, "cat/2.png": cat2, "dog/1.png": dog1, "dog/2.png": dog2,
                                         "README.md": Array("hello".utf8), "dog/.DS_Store": [1], "dog/Thumbs.db": [2]])
        let result = try ingest(source)
        let m = result.dataset.manifest
        XCTAssertFalse(result.reused)
        XCTAssertEqual(m.container, .directory)
        XCTAssertEqual(m.layout, .classFolders)
        XCTAssertEqual(m.labelNames, ["cat", "dog"])
        XCTAssertEqual(m.images.map(\.path), ["cat/1.png", "cat/2.png", "dog/1.png", "dog/2.png"])
        XCTAssertEqual(m.images.map(\.labels), [[0], [0], [1], [1]])
        XCTAssertEqual(m.images.map(\.split), [.train, .train, .train, .train])
        XCTAssertEqual(m.images[2].width, 64)
        XCTAssertEqual(m.images[2].height, 48)
        XCTAssertEqual(m.images[2].format, "PNG")
        XCTAssertEqual(m.images[0].sha256, SHA256Hasher.hex(Data(cat1)))
        XCTAssertEqual(m.ignoredFiles, ["README.md"])
        XCTAssertFalse(m.splitsGiven)
        XCTAssertEqual(m.id.count, 16)

        // On disk: <root>/<id>/manifest.json, images/, cache/.
        let dir = store.root.appendingPathComponent(m.id)
        XCTAssertEqual(result.dataset.directory.standardizedFileURL.path, dir.standardizedFileURL.path)
        let decoded = try JSONDecoder().decode(DatasetManifest.self, from: Data(contentsOf: dir.appendingPathComponent("manifest.json")))
        XCTAssertEqual(decoded.images, m.images)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("images/dog/1.png")), Data(dog1))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("images/README.md").path))

        // The cache holds each image resized as the trainer would resize it.
        let spec = CacheSpec(width: 32, height: 32)
        let cache = try result.dataset.openCache(spec)
        XCTAssertEqual(cache.count, 4)
        let expected = resize(try ImageDecoder.decodeRGB(Data(dog1), name: "dog"), width: 32, height: 32, filter: .bilinear)
        XCTAssertEqual(try cache.image(at: 2), expected)
        XCTAssertEqual(store.datasetIDs(), [m.id])
    }

    func testSameUploadTwiceIsRecognisedAndAnotherSizeBuildsAnotherCache() throws {
        let source = try folder("pets", ["cat/1.png": png(), "cat/2.png": png(), "dog/1.png": png(), "dog/2.png": png()])
        let first = try ingest(source)
        var tar = TestTar()
        for image in first.dataset.manifest.images {
            tar.file("pets/" + image.path, Array(try Data(contentsOf: first.dataset.imageURL(image))))
        }
        let second = try ingest(try write(tar.archive(), "pets.tar")) { $0.cache = CacheSpec(width: 16, height: 16, filter: .bicubic) }
        XCTAssertTrue(second.reused, "same files, same labels: the same dataset, whatever the container")
        XCTAssertEqual(second.dataset.id, first.dataset.id)
        XCTAssertEqual(store.datasetIDs(), [first.dataset.id])
        let cacheFiles = try FileManager.default.contentsOfDirectory(atPath: first.dataset.directory.appendingPathComponent("cache").path).sorted()
        XCTAssertEqual(cacheFiles, ["rgb-16x16-bicubic-pillow13.u8", "rgb-32x32-bilinear-pillow13.u8"])
        XCTAssertEqual(try second.dataset.openCache(CacheSpec(width: 16, height: 16, filter: .bicubic)).image(at: 0).width, 16)
    }

    func testSplitFoldersInADeflateZipWithAWrapperFolderAndMacOSJunk() throws {
        var zip = TestZip()
        zip.add("flowers/", [])
        for (path, image) in [("train/rose/1.png", png()), ("train/rose/2.png", png()), ("train/tulip/1.png", png()),
                              ("train/tulip/2.png", png()), ("val/rose/3.png", png()), ("val/tulip/3.png", png()),
                              ("test/rose/4.png", png()), ("test/tulip/4.png", png())] {
            zip.add("flowers/" + path, image)
        }
        zip.add("__MACOSX/flowers/train/rose/._1.png", [0, 5, 22])
        zip.add("flowers/.DS_Store", [0, 0, 0, 1])
        zip.add("flowers/train/._2.png", [0, 5, 22])
        let result = try ingest(try write(zip.bytes(), "flowers.zip"))
        let m = result.dataset.manifest
        XCTAssertEqual(m.container, .zip)
        XCTAssertEqual(m.unwrapped, "flowers")
        XCTAssertEqual(m.layout, .splitFolders)
        XCTAssertTrue(m.splitsGiven)
        XCTAssertEqual(m.labelNames, ["rose", "tulip"])
        XCTAssertEqual(m.images.map(\.path), ["train/rose/1.png", "train/rose/2.png", "train/tulip/1.png", "train/tulip/2.png",
                                              "val/rose/3.png", "val/tulip/3.png", "test/rose/4.png", "test/tulip/4.png"])
        XCTAssertEqual(m.images.map(\.split), [.train, .train, .train, .train, .validation, .validation, .test, .test])
        XCTAssertEqual(m.problems, [], "junk is skipped silently")
        XCTAssertEqual(m.ignoredFiles, [])
        XCTAssertEqual(result.report.splitCounts, ["train": 4, "validation": 2, "test": 2])
    }

    func testStoredZipWithDataDescriptorsAndZIP64Records() throws {
        var zip = TestZip()
        zip.add("a/1.png", png(), deflate: false)
        zip.add("a/2.png", png(), deflate: true, dataDescriptor: true)
        zip.add("b/1.png", png(), deflate: false, dataDescriptor: true, zip64: true)
        zip.add("b/2.png", png(), deflate: true, zip64: true)
        zip.zip64End = true
        let result = try ingest(try write(zip.bytes(), "mixed.zip"))
        XCTAssertEqual(result.dataset.manifest.images.map(\.path), ["a/1.png", "a/2.png", "b/1.png", "b/2.png"])
        XCTAssertEqual(result.dataset.manifest.problems, [])
    }

    func testContainersAreRecognisedByContentNotName() throws {
        var tar = TestTar()
        for path in ["x/1.png", "x/2.png", "y/1.png", "y/2.png"] { tar.file(path, png()) }
        let tgz = try ingest(try write(tar.gzipped(), "upload.bin"))
        XCTAssertEqual(tgz.dataset.manifest.container, .tarGzip)
        XCTAssertEqual(tgz.dataset.manifest.images.count, 4)
        var zip = TestZip()
        for path in ["x/1.png", "x/2.png", "y/1.png", "y/2.png"] { zip.add(path, png()) }
        XCTAssertEqual(try ingest(try write(zip.bytes(), "upload.tar")).dataset.manifest.container, .zip)
        var plain = TestTar()
        for path in ["x/1.png", "x/2.png", "y/1.png", "y/2.png"] { plain.file(path, png()) }
        XCTAssertEqual(try ingest(try write(plain.archive(), "upload.tgz")).dataset.manifest.container, .tar)
        // Concatenated gzip members are one stream, as gzip reads them.
        var other = TestTar()
        for path in ["x/1.png", "x/2.png", "y/1.png", "y/2.png"] { other.file(path, png()) }
        let whole = other.archive()
        let twoMembers = Deflater.compress(Array(whole[..<1024]), .gzip) + Deflater.compress(Array(whole[1024...]), .gzip)
        XCTAssertEqual(try ingest(try write(twoMembers, "two.tar.gz")).dataset.manifest.container, .tarGzip)
    }

    func testTarLongNamesUstarPrefixPaxAndGNU() throws {
        let deep = String(repeating: "d", count: 60) + "/" + String(repeating: "e", count: 60)
        var tar = TestTar()
        tar.directory(deep)
        tar.file("\(deep)/cats/" + String(repeating: "c", count: 80) + ".png", png(), longNames: .ustarPrefix)
        tar.file("\(deep)/cats/" + String(repeating: "p", count: 120) + ".png", png(), longNames: .pax)
        tar.file("\(deep)/dogs/" + String(repeating: "g", count: 130) + ".png", png(), longNames: .gnu)
        tar.file("\(deep)/dogs/x.png", png())
        let result = try ingest(try write(tar.archive(), "long.tar"))
        let m = result.dataset.manifest
        XCTAssertEqual(m.unwrapped, deep, "two wrapper folders removed")
        XCTAssertEqual(m.labelNames, ["cats", "dogs"])
        XCTAssertEqual(m.images.map { $0.path.count }, [5 + 84, 5 + 124, 5 + 134, 5 + 5])
        XCTAssertEqual(m.problems, [])
    }

    func testMetadataCSVWithMultiLabelSeparatorInATarGz() throws {
        var tar = TestTar()
        let csv = "file_name,label,caption\nimages/a.png,cat;dog,two pets\nimages/b.png,dog,\"a dog, sitting\"\nimages/c.png, bird ,x\nimages/d.png,cat|dog,odd separator\nimages/missing.png,cat,gone\n"
        tar.file("metadata.csv", Array(csv.utf8))
        for name in ["a", "b", "c", "d", "unlisted"] { tar.file("images/\(name).png", png()) }
        let result = try ingest(try write(tar.gzipped(), "meta.tgz"))
        let m = result.dataset.manifest
        XCTAssertEqual(m.layout, .metadata)
        XCTAssertTrue(m.multiLabel)
        XCTAssertEqual(m.labelSeparator, ";")
        XCTAssertEqual(m.labelNames, ["bird", "cat", "cat|dog", "dog"])
        XCTAssertEqual(labels(result), ["images/a.png": ["cat", "dog"], "images/b.png": ["dog"], "images/c.png": ["bird"], "images/d.png": ["cat|dog"]])
        XCTAssertEqual(problem(result, "images/unlisted.png")?.kind, .notInMetadata)
        XCTAssertEqual(problem(result, "images/missing.png")?.kind, .missingFile)
        // "cat|dog" beside "cat" and "dog" is not a typo of either; the report counts images per label.
        XCTAssertEqual(result.report.classCounts, ["bird": 1, "cat": 1, "cat|dog": 1, "dog": 2])
    }

    func testMetadataJSONLinesListsAreMultiLabelAndSplitFoldersGiveSplits() throws {
        var zip = TestZip()
        zip.add("train/metadata.jsonl", Array("""
            {"file_name": "1.png", "tags": ["sky", "sea"]}
            {"file_name": "2.png", "tags": []}
            {"file_name": "sub/3.png", "tags": ["sea"]}

            """.utf8))
        zip.add("test/metadata.jsonl", Array(#"{"file_name": "4.png", "tags": ["sky"]}"#.utf8))
        for path in ["train/1.png", "train/2.png", "train/sub/3.png", "test/4.png"] { zip.add(path, png()) }
        let result = try ingest(try write(zip.bytes(), "tags.zip")) { $0.labelColumn = "tags" }
        let m = result.dataset.manifest
        XCTAssertEqual(m.layout, .metadata)
        XCTAssertTrue(m.multiLabel)
        XCTAssertTrue(m.splitsGiven)
        XCTAssertEqual(m.labelNames, ["sea", "sky"])
        XCTAssertEqual(m.images.map(\.path), ["train/1.png", "train/2.png", "train/sub/3.png", "test/4.png"])
        XCTAssertEqual(m.images.map(\.labels), [[0, 1], [], [0], [1]], "an explicit [] is an image without positive labels")
        XCTAssertEqual(m.images.map(\.split), [.train, .train, .train, .test])
    }

    func testMetadataJSONLinesSingleLabelWithIntegerLabelsSortedNumerically() throws {
        var files: [String: [UInt8]] = [:]
        var lines: [String] = []
        for (i, label) in [2, 10, 2, 10, 1].enumerated() {
            files["img\(i).jpg"] = Array(try Data(contentsOf: Fixtures.url("images/jpeg_444_120x90.jpg"))) + (i == 0 ? [] : [UInt8(i)])
            lines.append(#"{"file_name": "img\#(i).jpg", "label": \#(label)}"#)
        }
        files["metadata.jsonl"] = Array(lines.joined(separator: "\n").utf8)
        let result = try ingest(try folder("numbers", files))
        let m = result.dataset.manifest
        XCTAssertFalse(m.multiLabel)
        XCTAssertEqual(m.labelNames, ["1", "2", "10"])
        XCTAssertEqual(m.images.map(\.format), ["JPEG", "JPEG", "JPEG", "JPEG", "JPEG"])
        XCTAssertEqual(m.images.map(\.labels), [[1], [2], [1], [2], [0]])
    }

    func testRootLabelFileWithSplitColumnAndPerSplitTables() throws {
        var tar = TestTar()
        tar.file("data/labels.csv", Array("path,class,split\nimg/a.png,Cat,train\nimg/b.png,Dog,train\nimg/c.png,Cat,test\nimg/d.png,Dog,test\nimg/e.png,,train\n".utf8))
        for name in ["a", "b", "c", "d", "e"] { tar.file("data/img/\(name).png", png()) }
        let result = try ingest(try write(tar.archive(), "labels.tar"))
        let m = result.dataset.manifest
        XCTAssertEqual(m.layout, .labelFile)
        XCTAssertEqual(m.unwrapped, "data")
        XCTAssertEqual(m.labelColumn, "class", "the default 'label' falls back to 'class'")
        XCTAssertEqual(m.images.map(\.split), [.train, .train, .test, .test])
        XCTAssertEqual(problem(result, "img/e.png")?.kind, .unlabelled)

        var zip = TestZip()
        zip.add("train.csv", Array("file,label\n1.png,a\n2.png,b\n".utf8))
        zip.add("test.csv", Array("file,label\n3.png,a\n4.png,b\n".utf8))
        for i in 1...4 { zip.add("\(i).png", png()) }
        let perSplit = try ingest(try write(zip.bytes(), "split-tables.zip")).dataset.manifest
        XCTAssertEqual(perSplit.images.map(\.path), ["1.png", "2.png", "3.png", "4.png"])
        XCTAssertEqual(perSplit.images.map(\.split), [.train, .train, .test, .test])
        XCTAssertTrue(perSplit.splitsGiven)
    }

    func testLooseImagesAndMixedDepthsAreListedNotFatal() throws {
        let source = try folder("loose", ["cat/1.png": png(), "cat/2.png": png(), "dog/1.png": png(), "dog/2.png": png(),
                                          "stray.png": png(), "dog/puppies/3.png": png(), "notes.gif": Array("GIF89a".utf8)])
        let result = try ingest(source)
        XCTAssertEqual(result.dataset.manifest.images.count, 4)
        XCTAssertEqual(problem(result, "stray.png")?.kind, .unlabelled)
        XCTAssertEqual(problem(result, "dog/puppies/3.png")?.kind, .unlabelled)
        XCTAssertEqual(problem(result, "notes.gif")?.kind, .unsupportedFormat)
    }

    func testNothingTrainableFailsAndLeavesTheStoreUnchanged() throws {
        assertRefused(try folder("empty", ["notes.txt": Array("x".utf8)])) {
            if case .nothingTrainable(let reason) = $0 { return reason.contains("no PNG/JPEG image") }
            return false
        }
        assertRefused(try folder("one-class", ["cat/1.png": png(), "cat/2.png": png()])) {
            if case .nothingTrainable(let reason) = $0 { return reason.contains("at least two classes") }
            return false
        }
        assertRefused(try folder("garbage", ["cat/1.png": Array("not a png".utf8), "dog/1.png": [0x89, 0x50, 0x4E, 0x47]])) {
            if case .nothingTrainable(let reason) = $0 { return reason.contains("undecodable") || reason.contains("unsupported") }
            return false
        }
        XCTAssertEqual(store.datasetIDs(), [])
    }
}

