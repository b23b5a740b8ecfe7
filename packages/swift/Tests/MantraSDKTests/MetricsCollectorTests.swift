import Foundation
import XCTest
@testable import MantraSDK

/// Mirrors packages/kotlin/src/test/kotlin/mantra/sdk/MetricsCollectorTest.kt.
final class MetricsCollectorTests: XCTestCase {
    private func family(_ snap: MetricsSnapshot, _ name: String) throws -> MetricFamilySnapshot {
        let matches = snap.families.filter { $0.name == name }
        XCTAssertEqual(matches.count, 1, "families named \(name)")
        return try XCTUnwrap(matches.first)
    }

    private func assertContains(_ text: String, _ part: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(text.contains(part), "`\(part)` not in:\n\(text)", file: file, line: line)
    }

    private func rejects<T>(
        _ body: @autoclosure () throws -> T,
        code: String,
        _ part: String,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            let e = error as? MantraException
            XCTAssertEqual(e?.code(), code, file: file, line: line)
            XCTAssertTrue(e?.reason().contains(part) ?? false, "\(error)", file: file, line: line)
        }
    }

    func testDefaultsComeFromTheCore() throws {
        let m = try MetricsCollector()
        let c = m.config()
        XCTAssertEqual(c.namespace, "mantra")
        XCTAssertEqual(c.histogramBuckets, [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
        XCTAssertEqual(c.aggregationInterval, 60)
        XCTAssertEqual(c.retentionPeriod, 3600)
        XCTAssertEqual(c.maxSeriesPerFamily, 1000)
        XCTAssertEqual(c.constLabels, [])
        XCTAssertFalse(m.isRunning())
        XCTAssertEqual(prometheusContentType(), "text/plain; version=0.0.4; charset=utf-8")
    }

    func testProtocolOperationsLandInCountersErrorsAndAHistogram() throws {
        let m = try MetricsCollector()
        m.recordProtocolOperation(protocol: "rpc", operation: "status", latency: 0.02, success: true)
        m.recordProtocolOperation(protocol: "rpc", operation: "status", latency: 0.3, success: false, error: "timeout")
        m.recordProtocolOperation(protocol: "rpc", operation: "block", latency: 0.007, success: false)
        m.recordProtocolOperations(operations: [
            ProtocolOperation(protocol: "grpc", operation: "query", latency: 0.003, success: true),
            ProtocolOperation(protocol: "grpc", operation: "query", latency: 0.004, success: false, error: "rpc"),
        ])
        let prom = m.prometheus()
        assertContains(prom, #"mantra_protocol_operations_total{protocol="grpc",operation="query",status="error"} 1"#)
        assertContains(prom, #"mantra_protocol_errors_total{protocol="grpc",operation="query",error="rpc"} 1"#)
        assertContains(prom, #"mantra_protocol_operations_total{protocol="rpc",operation="status",status="success"} 1"#)
        assertContains(prom, #"mantra_protocol_operations_total{protocol="rpc",operation="status",status="error"} 1"#)
        assertContains(prom, #"mantra_protocol_errors_total{protocol="rpc",operation="status",error="timeout"} 1"#)
        assertContains(prom, #"mantra_protocol_errors_total{protocol="rpc",operation="block",error="unknown"} 1"#)
        assertContains(prom, #"mantra_protocol_operation_duration_seconds_bucket{protocol="rpc",operation="status",le="0.025"} 1"#)
        assertContains(prom, #"mantra_protocol_operation_duration_seconds_bucket{protocol="rpc",operation="status",le="+Inf"} 2"#)

        let snap = m.getAllMetrics()
        let hist = try family(snap, "mantra_protocol_operation_duration_seconds")
        XCTAssertEqual(hist.metricType, .histogram)
        XCTAssertEqual(hist.labelNames, ["protocol", "operation"])
        let statusSeries = hist.series.filter { s in s.labels.contains { $0.name == "operation" && $0.value == "status" } }
        XCTAssertEqual(statusSeries.count, 1)
        let status = try XCTUnwrap(statusSeries.first)
        XCTAssertNil(status.value)
        let h = try XCTUnwrap(status.histogram)
        XCTAssertEqual(h.count, 2)
        XCTAssertEqual(h.sum, 0.32, accuracy: 1e-9)
        XCTAssertEqual(h.min, 0.02)
        XCTAssertEqual(h.max, 0.3)
        XCTAssertEqual(h.buckets.count, 11)
        XCTAssertEqual(h.buckets.first(where: { $0.le == 0.025 })?.count, 1)
        XCTAssertEqual(try family(snap, "mantra_protocol_errors_total").metricType, .counter)
        XCTAssertGreaterThanOrEqual(snap.timestamp, snap.startTime)
        XCTAssertLessThanOrEqual(snap.timestamp, Date().addingTimeInterval(1))
    }

    func testServerRequestsResourcesAndCustomMetrics() throws {
        let m = try MetricsCollector(config: MetricsConfig(constLabels: [MetricsLabel(name: "service", value: "wallet")]))
        m.recordMcpRequest(latency: 0.005, success: true, transport: "http")
        m.recordMcpRequest(latency: 0.005, success: false, transport: "http")
        m.recordResourceUsage(usage: MetricsResourceUsage(cacheEntries: 12, activeConnections: 3))
        m.recordMemoryBytes(kind: "used", bytes: 4096)
        try m.recordCustomMetric(category: "swap", name: "volume", value: 2.5, metricType: .counter)
        try m.recordCustomMetric(category: "swap", name: "volume", value: 1.5, metricType: .counter)
        try m.recordCustomMetric(category: "pool", name: "depth", value: 7.0, metricType: .gauge)
        try m.recordCustomMetric(category: "pool", name: "depth", value: 3.0, metricType: .gauge)
        try m.recordCustomMetric(category: "swap", name: "latency", value: 0.2, metricType: .histogram)
        let prom = m.prometheus()
        assertContains(prom, #"mantra_mcp_requests_total{service="wallet",transport="http",status="error"} 1"#)
        assertContains(prom, #"mantra_resource_cache_entries{service="wallet"} 12"#)
        assertContains(prom, #"mantra_resource_memory_bytes{service="wallet",kind="used"} 4096"#)
        assertContains(prom, #"mantra_custom_swap_volume_total{service="wallet"} 4"#)
        assertContains(prom, #"mantra_custom_pool_depth{service="wallet"} 3"#)
        assertContains(prom, #"mantra_custom_swap_latency_count{service="wallet"} 1"#)
        XCTAssertEqual(m.getAllMetrics().constLabels, [MetricsLabel(name: "service", value: "wallet")])
    }

    func testBadInputIsAMantraExceptionWithAClearMessage() throws {
        rejects(try MetricsCollector(config: MetricsConfig(namespace: "9lives")), code: "invalid_config", "namespace")
        rejects(
            try MetricsCollector(config: MetricsConfig(histogramBuckets: [1.0, 0.5])),
            code: "invalid_config",
            "histogram_buckets"
        )
        rejects(
            try MetricsCollector(config: MetricsConfig(retentionPeriod: 1, aggregationInterval: 2)),
            code: "invalid_config",
            "retention_period"
        )
        XCTAssertThrowsError(try MetricsCollector(config: MetricsConfig(namespace: "9lives"))) { error in
            guard case let .InvalidConfig(_, field)? = error as? MantraException else {
                return XCTFail("expected InvalidConfig, got \(error)")
            }
            XCTAssertEqual(field, "namespace")
        }

        let m = try MetricsCollector(config: MetricsConfig(maxCustomMetrics: 1))
        rejects(try m.recordCustomMetric(category: "a", name: "b", value: -1, metricType: .counter), code: "invalid_argument", "cannot record -1")
        rejects(try m.recordCustomMetric(category: "a", name: "b", value: .nan, metricType: .histogram), code: "invalid_argument", "NaN")
        rejects(try m.recordCustomMetric(category: "!!", name: "??", value: 1, metricType: .gauge), code: "invalid_argument", "no usable characters")
        try m.recordCustomMetric(category: "a", name: "b", value: 1, metricType: .gauge)
        rejects(try m.recordCustomMetric(category: "a", name: "b", value: 1, metricType: .counter), code: "invalid_argument", "already a gauge")
        rejects(try m.recordCustomMetric(category: "c", name: "d", value: 1, metricType: .gauge), code: "capacity_exceeded", "max_custom_metrics")
        assertContains(m.prometheus(), #"mantra_metrics_rejected_total{reason="type_conflict"} 1"#)
    }

    func testTheExportersProduceValidJson() throws {
        let m = try MetricsCollector()
        m.recordProtocolOperation(protocol: "rpc", operation: "status", latency: 0.02, success: true)
        let otlp = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(m.otlpJson().utf8)) as? [String: Any])
        let resource = try XCTUnwrap((otlp["resourceMetrics"] as? [[String: Any]])?.first)
        let scope = try XCTUnwrap((resource["scopeMetrics"] as? [[String: Any]])?.first)
        let metrics = try XCTUnwrap(scope["metrics"] as? [[String: Any]])
        XCTAssertTrue(metrics.contains { ($0["name"] as? String) == "mantra_protocol_operations_total" })
        let snap = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(m.snapshotJson().utf8)) as? [String: Any])
        XCTAssertEqual(snap["namespace"] as? String, "mantra")
        let names = try XCTUnwrap(snap["families"] as? [[String: Any]]).map { $0["name"] as? String ?? "" }
        XCTAssertEqual(m.getAllMetrics().families.map { $0.name }, names)
    }

    func testAggregationWindowsFollowTheManualClock() async throws {
        let clock = ManualClock()
        let m = try MetricsCollector.withClock(
            config: MetricsConfig(retentionPeriod: 3, aggregationInterval: 1),
            clock: clock
        )
        try m.initialize()
        try m.initialize() // idempotent
        XCTAssertTrue(m.isRunning())
        m.recordProtocolOperation(protocol: "rpc", operation: "status", latency: 0.01, success: true)
        await clock.advance(by: interval(ms: 999))
        XCTAssertTrue(m.windows().isEmpty, "a window before the interval")
        await clock.advance(by: interval(ms: 1))
        XCTAssertEqual(m.windows().count, 1, "no window after one interval")
        let w = try XCTUnwrap(m.windows().first)
        XCTAssertEqual(w.family, "mantra_protocol_operation_duration_seconds")
        XCTAssertEqual(w.count, 1)
        XCTAssertEqual(w.end, clock.wallTime())
        XCTAssertEqual(w.end.timeIntervalSince(w.start), 1, accuracy: 1e-6)
        await clock.advance(by: 4)
        XCTAssertTrue(m.windows().isEmpty, "pruned after the retention period")
        m.shutdown()
        XCTAssertFalse(m.isRunning())
        XCTAssertThrowsError(try m.initialize()) { error in
            XCTAssertEqual((error as? MantraException)?.code(), "closed")
        }
        m.recordProtocolOperation(protocol: "rpc", operation: "status", latency: 0.01, success: true) // still records
        let hist = try family(m.getAllMetrics(), "mantra_protocol_operation_duration_seconds")
        XCTAssertEqual(hist.series.first?.histogram?.count, 2)
    }

    func testRecordingFromManyTasksLosesNothing() async throws {
        let m = try MetricsCollector()
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    for i in 0..<5000 {
                        m.recordProtocolOperation(
                            protocol: "rpc",
                            operation: "op\(i % 4)",
                            latency: Double(t) * 1e-6,
                            success: i % 10 != 0
                        )
                    }
                }
            }
        }
        let ops = try family(m.getAllMetrics(), "mantra_protocol_operations_total")
        XCTAssertEqual(ops.series.reduce(0) { $0 + ($1.value ?? 0) }, 40_000)
        let errors = ops.series.filter { s in s.labels.contains { $0.value == "error" } }
        XCTAssertEqual(errors.reduce(0) { $0 + ($1.value ?? 0) }, 4_000)
    }
}
