import XCTest
@testable import SigLIP
final class SigLIPSmokeTests: XCTestCase { func testNothing() {} }
