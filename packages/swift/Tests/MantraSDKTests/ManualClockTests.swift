import Foundation
import XCTest
@testable import MantraSDK

/// Mirrors packages/kotlin/src/test/kotlin/mantra/sdk/ManualClockTest.kt.
final class ManualClockTests: XCTestCase {
    func testTimeMovesOnlyOnAdvance() async {
        let clock = ManualClock()
        XCTAssertEqual(clock.now(), 0)
        // 2023-11-14T22:13:20Z
        XCTAssertEqual(clock.wallTime(), Date(timeIntervalSince1970: 1_700_000_000))
        await clock.settle()
        XCTAssertEqual(clock.now(), 0)
        await clock.advance(by: 1.5)
        XCTAssertEqual(clock.now(), 1.5)
        // 2023-11-14T22:13:21.500Z
        XCTAssertEqual(clock.wallTime().timeIntervalSince1970, 1_700_000_001.5, accuracy: 1e-6)
        XCTAssertEqual(clock.pendingSleeps(), 0)
    }
}
