import Foundation
import TensorCore
import XCTest

final class JSONWriterTests: XCTestCase {
    /// Floats stay floats (transformers 5 rejects `"initializer_factor": 1`), integers stay integers,
    /// booleans stay booleans, keys are sorted, non-finite numbers become null.
    func testKeepsNumberKindsAsPythonJSONDoes() throws {
        let parsed = try JSONSerialization.jsonObject(with: Data(#"{"f": 1.0, "i": 1, "b": true, "e": 1e-06, "s": "a\"b", "n": null, "l": [0.0, 2]}"#.utf8))
        XCTAssertEqual(JSONWriter.serialize(parsed, pretty: false), #"{"b":true,"e":1e-06,"f":1.0,"i":1,"l":[0.0,2],"n":null,"s":"a\"b"}"#)
        let swift: [String: Any] = ["x": 0.5, "y": Float(0.1), "z": Double.nan, "w": false, "v": 3]
        XCTAssertEqual(JSONWriter.serialize(swift, pretty: false), #"{"v":3,"w":false,"x":0.5,"y":0.1,"z":null}"#)
        XCTAssertEqual(JSONWriter.serialize(["a": [1]]), "{\n  \"a\": [\n    1\n  ]\n}\n")
    }
}
