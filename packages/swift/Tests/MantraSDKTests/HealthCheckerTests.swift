import Foundation
import XCTest
@testable import MantraSDK

/// Mirrors packages/kotlin/src/test/kotlin/mantra/sdk/HealthCheckerTest.kt.
final class HealthCheckerTests: XCTestCase {
    private func checker(
        failureThreshold: UInt32 = 2,
        recoveryThreshold: UInt32 = 2,
        checkTimeout: TimeInterval? = nil
    ) throws -> HealthChecker {
        try HealthChecker(config: HealthConfig(
            checkTimeout: checkTimeout,
            failureThreshold: failureThreshold,
            recoveryThreshold: recoveryThreshold
        ))
    }

    func testDefaultsComeFromTheCore() throws {
        let hc = try HealthChecker()
        let c = hc.config()
        XCTAssertEqual(c.checkInterval, 30)
        XCTAssertEqual(c.checkTimeout, 10)
        XCTAssertEqual(c.failureThreshold, 3)
        XCTAssertEqual(c.recoveryThreshold, 2)
        XCTAssertEqual(c.enableAutoChecks, false)
        XCTAssertEqual(c.enableDiagnostics, true)
        XCTAssertEqual(hc.overallStatus(), .unknown)
        XCTAssertTrue(hc.getSystemHealth().components.isEmpty)
    }

    func testThresholdsEndToEndWithASwiftCheckThatThrows() async throws {
        let hc = try checker(failureThreshold: 2, recoveryThreshold: 2)
        let db = ScriptedCheck()
        let listener = RecordingListener()
        _ = hc.subscribe(listener: listener)
        try hc.registerCheck(name: "db", check: db)

        var report = try await hc.runHealthChecks()
        XCTAssertEqual(report.overallStatus, .healthy)
        XCTAssertEqual(report.components["db"]?.status, .healthy)

        db.mode = .throwPlain("database down")
        report = try await hc.runHealthChecks()
        var comp = try XCTUnwrap(report.components["db"])
        XCTAssertEqual(comp.status, .degraded, "one failure is below the threshold")
        XCTAssertEqual(comp.consecutiveFailures, 1)
        // A non-MantraException error arrives as a typed host error (not as a caught panic).
        XCTAssertEqual(comp.lastError, "host error: database down")

        report = try await hc.runHealthChecks()
        comp = try XCTUnwrap(report.components["db"])
        XCTAssertEqual(comp.status, .unhealthy)
        XCTAssertEqual(report.overallStatus, .unhealthy, "db is critical by default")
        XCTAssertEqual(comp.consecutiveFailures, 2)
        XCTAssertEqual(comp.totalFailures, 2)

        db.mode = .pass
        let once = try await hc.runHealthChecks()
        XCTAssertEqual(once.components["db"]?.status, .unhealthy, "one success is below the recovery threshold")
        let twice = try await hc.runHealthChecks()
        comp = try XCTUnwrap(twice.components["db"])
        XCTAssertEqual(comp.status, .healthy)
        XCTAssertEqual(comp.consecutiveSuccesses, 2)
        XCTAssertTrue(try XCTUnwrap(comp.lastError).contains("database down"), "the last error is kept after recovery")
        XCTAssertNil(comp.output)
        XCTAssertEqual(comp.totalChecks, 5)
        XCTAssertEqual(db.calls, 5)

        XCTAssertEqual(listener.changes, [
            RecordingListener.Change(component: "db", old: .unknown, new: .healthy),
            RecordingListener.Change(component: "db", old: .healthy, new: .degraded),
            RecordingListener.Change(component: "db", old: .degraded, new: .unhealthy),
            RecordingListener.Change(component: "db", old: .unhealthy, new: .healthy),
        ])
    }

    func testAThrownMantraExceptionKeepsItsMessageAndTheSyncReportMatches() async throws {
        let hc = try checker(failureThreshold: 1)
        let node = ScriptedCheck()
        node.mode = .throwMantra(.Transport(reason: "urlsession: connection refused", status: nil, retryAfter: nil))
        try hc.registerCheck(name: "node", check: node)
        let comp = try await hc.runCheck(name: "node")
        XCTAssertEqual(comp.status, .unhealthy)
        let lastError = try XCTUnwrap(comp.lastError)
        XCTAssertTrue(lastError.contains("urlsession: connection refused"))
        XCTAssertTrue(lastError.contains("transport"))
        XCTAssertEqual(hc.getProtocolHealth(name: "node"), comp)
        XCTAssertEqual(hc.getSystemHealth().components["node"], comp)
        XCTAssertNil(hc.getProtocolHealth(name: "missing"))
    }

    func testDegradedOutcomesCarryAReasonAndJsonDetails() async throws {
        let hc = try checker()
        let sync = ScriptedCheck()
        sync.mode = .degrade(reason: "catching up", details: #"{"blocks_behind":12}"#)
        try hc.registerCheck(name: "sync", check: sync)
        let report = try await hc.runHealthChecks()
        let comp = try XCTUnwrap(report.components["sync"])
        XCTAssertEqual(comp.status, .degraded)
        XCTAssertEqual(report.overallStatus, .degraded)
        XCTAssertEqual(comp.output, "catching up")
        XCTAssertEqual(comp.details, #"{"blocks_behind":12}"#)
        XCTAssertEqual(comp.consecutiveFailures, 0, "degraded counts as a success")
        let json = hc.healthJson()
        XCTAssertTrue(json.contains(#""status":"warn""#))
        XCTAssertTrue(json.contains("catching up"))
    }

    func testDetailsThatAreNotJsonFailTheCheckWithAClearMessage() async throws {
        let hc = try checker(failureThreshold: 1)
        let bad = ScriptedCheck()
        bad.mode = .degrade(reason: "slow", details: "not json {")
        try hc.registerCheck(name: "bad", check: bad)
        let comp = try await hc.runCheck(name: "bad")
        XCTAssertEqual(comp.status, .unhealthy)
        XCTAssertTrue(try XCTUnwrap(comp.lastError).contains("must be JSON"))
    }

    func testANonCriticalFailureOnlyDegradesTheSystem() async throws {
        let hc = try checker(failureThreshold: 1)
        let cache = ScriptedCheck()
        cache.mode = .throwPlain("cache full")
        try hc.registerCheck(name: "api", check: ScriptedCheck())
        try hc.registerCheck(name: "cache", check: cache, options: HealthCheckOptions(critical: false, tags: ["memory"]))
        let report = try await hc.runHealthChecks()
        let comp = try XCTUnwrap(report.components["cache"])
        XCTAssertEqual(comp.status, .unhealthy)
        XCTAssertFalse(comp.critical)
        XCTAssertEqual(comp.tags, ["memory"])
        XCTAssertEqual(report.overallStatus, .degraded)
        XCTAssertEqual(hc.checkNames(), ["api", "cache"])
        XCTAssertTrue(hc.unregisterCheck(name: "cache"))
        XCTAssertFalse(hc.unregisterCheck(name: "cache"))
        XCTAssertEqual(hc.overallStatus(), .healthy)
    }

    func testAHangingCheckTimesOutAsAFailureAndItsTaskIsCancelled() async throws {
        let hc = try checker(failureThreshold: 1)
        let slow = ScriptedCheck()
        slow.mode = .hang(seconds: 60)
        try hc.registerCheck(name: "slow", check: slow, options: HealthCheckOptions(timeout: 0.1))
        let comp = try await hc.runCheck(name: "slow")
        XCTAssertEqual(comp.status, .unhealthy)
        XCTAssertTrue(try XCTUnwrap(comp.lastError).contains("timed out"))
        XCTAssertTrue(eventually { slow.cancelled == 1 }, "the Swift task was not cancelled")
    }

    func testRecoveryActionsRunOncePerTransitionToUnhealthy() async throws {
        let hc = try checker(failureThreshold: 1, recoveryThreshold: 1)
        let db = ScriptedCheck()
        db.mode = .throwPlain("down")
        try hc.registerCheck(name: "db", check: db)
        let action = RecoveryAction { db.mode = .pass }
        try hc.registerRecovery(componentName: "db", action: action)
        let first = try await hc.runHealthChecks()
        XCTAssertEqual(first.components["db"]?.status, .unhealthy)
        XCTAssertEqual(action.calls, 1)
        let second = try await hc.runHealthChecks()
        let comp = try XCTUnwrap(second.components["db"])
        XCTAssertEqual(comp.status, .healthy)
        XCTAssertEqual(comp.recoveryAttempts, 1)
        XCTAssertEqual(comp.recoverySuccesses, 1)

        try hc.registerRecovery(componentName: "db", action: RecoveryAction {
            throw MantraException.Host(reason: "restart refused")
        })
        let e = await expectMantraError { try await hc.runRecovery(componentName: "db") }
        XCTAssertEqual(e?.code(), "host")
        XCTAssertTrue(e?.reason().contains("restart refused") ?? false)
        XCTAssertEqual(hc.getDiagnostics().recoveries["db"]?.lastError, "host error: restart refused")
    }

    func testDiagnosticsKeepABoundedHistory() async throws {
        let hc = try HealthChecker(config: HealthConfig(historySize: 2, serviceName: "wallet"))
        try hc.registerCheck(name: "db", check: ScriptedCheck())
        for _ in 0..<3 {
            _ = try await hc.runHealthChecks()
        }
        let d = hc.getDiagnostics()
        XCTAssertTrue(d.enabled)
        XCTAssertEqual(d.totalRuns, 3)
        XCTAssertEqual(d.componentCount, 1)
        XCTAssertEqual(d.components["db"]?.history.count, 2)
        XCTAssertEqual(d.config.checkTimeout, 10)
        XCTAssertEqual(hc.getSystemHealth().serviceName, "wallet")
        XCTAssertTrue(hc.healthJson().contains(#""serviceId":"wallet""#))
        XCTAssertNotNil(hc.getSystemHealth().checkedAt)
    }

    func testConcurrentRoundsFromManyTasksAllCount() async throws {
        let hc = try checker()
        let a = ScriptedCheck()
        let b = ScriptedCheck()
        try hc.registerCheck(name: "a", check: a)
        try hc.registerCheck(name: "b", check: b)
        let statuses = try await withThrowingTaskGroup(of: HealthStatus.self) { group -> [HealthStatus] in
            for _ in 0..<20 {
                group.addTask { try await hc.runHealthChecks().overallStatus }
            }
            var all: [HealthStatus] = []
            for try await s in group {
                all.append(s)
            }
            return all
        }
        XCTAssertEqual(statuses.count, 20)
        XCTAssertTrue(statuses.allSatisfy { $0 == .healthy })
        XCTAssertEqual(a.calls, 20)
        XCTAssertEqual(b.calls, 20)
        XCTAssertEqual(hc.getSystemHealth().components["a"]?.totalChecks, 20)
    }

    func testStartRunsRoundsInTheBackgroundUntilStop() throws {
        let hc = try HealthChecker(config: HealthConfig(checkInterval: 0.02))
        let db = ScriptedCheck()
        try hc.registerCheck(name: "db", check: db)
        XCTAssertFalse(hc.isRunning())
        hc.start()
        hc.start() // idempotent
        XCTAssertTrue(hc.isRunning())
        XCTAssertTrue(eventually { db.calls >= 3 }, "auto checks did not run")
        hc.stop()
        XCTAssertFalse(hc.isRunning())
        let after = db.calls
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertLessThanOrEqual(db.calls, after + 1, "rounds continued after stop")
        XCTAssertEqual(hc.overallStatus(), .healthy)
    }

    func testListenersCanBeRemovedAndAThrowingListenerIsIgnored() async throws {
        let hc = try checker(failureThreshold: 1)
        let rec = RecordingListener()
        let id = hc.subscribe(listener: rec)
        _ = hc.subscribe(listener: ThrowingListener())
        let db = ScriptedCheck()
        try hc.registerCheck(name: "db", check: db)
        _ = try await hc.runHealthChecks()
        XCTAssertEqual(rec.changes.count, 1)
        XCTAssertTrue(hc.unsubscribe(id: id))
        XCTAssertFalse(hc.unsubscribe(id: id))
        db.mode = .throwPlain("x")
        _ = try await hc.runHealthChecks()
        XCTAssertEqual(rec.changes.count, 1)
    }
}
