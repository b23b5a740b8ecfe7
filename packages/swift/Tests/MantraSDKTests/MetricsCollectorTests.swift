import Foundation
import XCTest
@testable import MantraSDK

/// Mirrors packages/kotlin/src/test/kotlin/mantra/sdk/MetricsCollectorTest.kt.
final class MetricsCollectorTests: XCTestCase {
    func testDefaultsComeFromTheCore() throws {
        let m = try MetricsCollector()
        XCTAssertEqual(m.config().namespace, "mantra")
        XCTAssertEqual(m.config().histogramBuckets?.count, 11)
        XCTAssertEqual(prometheusContentType(), "text/plain; version=0.0.4; charset=utf-8")
    }

    func testProtocolOperationsLandInCountersErrorsAndAHistogram() throws {
        let m = try MetricsCollector()
        m.recordProtocolOperation(protocol: "rpc", operation: "status", latency: 0.02, success: true, error: nil)
        m.recordProtocolOperation(protocol: "rpc", operation: "status", latency: 0.3, success: false, error: "timeout")
        let prom = m.prometheus()
        XCTAssertTrue(prom.contains(#"mantra_protocol_operations_total{protocol="rpc",operation="status",status="success"} 1"#))
        XCTAssertTrue(prom.contains(#"mantra_protocol_errors_total{protocol="rpc",operation="status",error="timeout"} 1"#))
        let family = try XCTUnwrap(m.getAllMetrics().families.first { $0.name == "mantra_protocol_operation_duration_seconds" })
        XCTAssertEqual(family.metricType, .histogram)
        let h = try XCTUnwrap(family.series.first?.histogram)
        XCTAssertEqual(h.count, 2)
        XCTAssertEqual(h.sum, 0.32, accuracy: 1e-9)
    }

    func testBadInputIsAMantraExceptionWithAClearMessage() throws {
        XCTAssertThrowsError(try MetricsCollector(config: MetricsConfig(namespace: "9lives"))) { error in
            guard case let .InvalidConfig(_, field)? = error as? MantraException else {
                return XCTFail("expected InvalidConfig, got \(error)")
            }
            XCTAssertEqual(field, "namespace")
        }
        let m = try MetricsCollector()
        XCTAssertThrowsError(try m.recordCustomMetric(category: "a", name: "b", value: -1, metricType: .counter)) { error in
            XCTAssertEqual((error as? MantraException)?.code(), "invalid_argument")
        }
        try m.recordCustomMetric(category: "a", name: "b", value: 1, metricType: .gauge)
        XCTAssertThrowsError(try m.recordCustomMetric(category: "a", name: "b", value: 1, metricType: .counter)) { error in
            XCTAssertTrue((error as? MantraException)?.reason().contains("already a gauge") ?? false)
        }
    }

    func testAggregationWindowsFollowTheManualClock() async throws {
        let clock = ManualClock()
        let m = try MetricsCollector.withClock(
            config: MetricsConfig(retentionPeriod: 3, aggregationInterval: 1),
            clock: clock
        )
        try m.initialize()
        m.recordProtocolOperation(protocol: "rpc", operation: "status", latency: 0.01, success: true, error: nil)
        await clock.advance(by: 0.5)
        XCTAssertTrue(m.windows().isEmpty)
        await clock.advance(by: 0.5)
        XCTAssertEqual(m.windows().count, 1)
        XCTAssertEqual(m.windows().first?.end, clock.wallTime())
    }
}
