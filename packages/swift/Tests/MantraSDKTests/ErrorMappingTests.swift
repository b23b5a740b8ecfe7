import Foundation
import XCTest
@testable import MantraSDK

/// Mirrors packages/kotlin/src/test/kotlin/mantra/sdk/ErrorMappingTest.kt.
final class ErrorMappingTests: XCTestCase {
    func testInvalidConfigNamesTheField() {
        let cases: [(String, HealthConfig)] = [
            ("failure_threshold", HealthConfig(failureThreshold: 0)),
            ("recovery_threshold", HealthConfig(recoveryThreshold: 0)),
            ("check_interval", HealthConfig(checkInterval: 0)),
            ("check_timeout", HealthConfig(checkTimeout: 0)),
            ("recovery_timeout", HealthConfig(recoveryTimeout: 0)),
        ]
        for (field, config) in cases {
            XCTAssertThrowsError(try HealthChecker(config: config)) { error in
                guard let e = error as? MantraException, case let .InvalidConfig(reason) = e else {
                    return XCTFail("expected MantraException.InvalidConfig, got \(error)")
                }
                XCTAssertEqual(e.code(), "invalid_config")
                XCTAssertTrue(reason.contains(field), reason)
                XCTAssertEqual(e.reason(), reason)
                XCTAssertEqual(e.description, reason)
            }
        }
    }

    func testBadArgumentsAreTypedErrors() async throws {
        let hc = try HealthChecker()
        XCTAssertThrowsError(try hc.registerCheck(name: " ", check: ScriptedCheck())) { error in
            guard case let .InvalidArgument(reason)? = error as? MantraException else {
                return XCTFail("expected InvalidArgument, got \(error)")
            }
            XCTAssertTrue(reason.contains("must not be empty"))
        }
        XCTAssertThrowsError(
            try hc.registerCheck(name: "db", check: ScriptedCheck(), options: HealthCheckOptions(timeout: 0))
        ) { error in
            guard case let .InvalidConfig(reason)? = error as? MantraException else {
                return XCTFail("expected InvalidConfig, got \(error)")
            }
            XCTAssertTrue(reason.contains("timeout"))
        }
        let unknown = await expectMantraError { try await hc.runCheck(name: "nope") }
        XCTAssertEqual(unknown?.code(), "invalid_argument")
        XCTAssertTrue(unknown?.reason().contains("no health check named `nope`") ?? false)
        let recovery = await expectMantraError { try await hc.runRecovery(componentName: "nope") }
        XCTAssertEqual(recovery?.code(), "invalid_argument")
    }

    func testMantraExceptionIsAnErrorWithAStableCode() {
        let e: Error = MantraException.Timeout(reason: "request timed out after 1s")
        XCTAssertEqual((e as? MantraException)?.code(), "timeout")
        XCTAssertEqual((e as? MantraException)?.description, "request timed out after 1s")
        let codes: [(MantraException, String)] = [
            (.InvalidConfig(reason: ""), "invalid_config"),
            (.InvalidArgument(reason: ""), "invalid_argument"),
            (.Transport(reason: "", status: nil, retryAfter: nil), "transport"),
            (.Rpc(reason: "", rpcCode: -32603, data: nil), "rpc"),
            (.BatchLimit(reason: "", size: 11, max: 10), "batch_limit"),
            (.CircuitOpen(reason: ""), "circuit_open"),
            (.Decode(reason: ""), "decode"),
            (.Encode(reason: ""), "encode"),
            (.PoolExhausted(reason: ""), "pool_exhausted"),
            (.CapacityExceeded(reason: ""), "capacity_exceeded"),
            (.Closed(reason: ""), "closed"),
            (.Cancelled(reason: ""), "cancelled"),
            (.Host(reason: ""), "host"),
            (.HealthCheck(reason: ""), "health_check"),
            (.Internal(reason: ""), "internal"),
        ]
        for (ex, code) in codes {
            XCTAssertEqual(ex.code(), code)
        }
    }
}
