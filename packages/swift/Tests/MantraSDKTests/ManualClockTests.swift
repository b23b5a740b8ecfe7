import Foundation
import XCTest
@testable import MantraSDK

/// Mirrors packages/kotlin/src/test/kotlin/mantra/sdk/ManualClockTest.kt.
final class ManualClockTests: XCTestCase {
    func testTimeMovesOnlyOnAdvance() async {
        let clock = ManualClock()
        XCTAssertEqual(clock.now(), 0)
        XCTAssertEqual(clock.wallTime(), Date(timeIntervalSince1970: 1_700_000_000))
        await clock.settle()
        XCTAssertEqual(clock.now(), 0)
        await clock.advance(by: 1.5)
        XCTAssertEqual(clock.now(), 1.5)
        XCTAssertEqual(clock.pendingSleeps(), 0)
    }
}
