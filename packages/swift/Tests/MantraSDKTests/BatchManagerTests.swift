import Foundation
import XCTest
@testable import MantraSDK

/// A Swift batch function: records each call's operation ids, answers with `reply`.
final class ScriptedExecutor: BatchExecutor, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [[String]] = []
    private let reply: @Sendable (Int, [BatchOperation]) async throws -> [BatchItemResult]

    init(_ reply: @escaping @Sendable (Int, [BatchOperation]) async throws -> [BatchItemResult] = { _, ops in
        ops.map { .ok(valueJson: $0.paramsJson) }
    }) {
        self.reply = reply
    }

    var calls: [[String]] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    func execute(ops: [BatchOperation]) async throws -> [BatchItemResult] {
        lock.lock()
        let n = recorded.count
        recorded.append(ops.map { $0.id })
        lock.unlock()
        return try await reply(n, ops)
    }
}

/// Mirrors packages/kotlin/src/test/kotlin/mantra/sdk/BatchManagerTest.kt.
final class BatchManagerTests: XCTestCase {
    private let long: TimeInterval = 30

    private func manager(_ config: BatchConfig, _ exec: BatchExecutor, clock: ManualClock? = nil) throws -> BatchManager {
        if let clock = clock {
            return try BatchManager.withClock(config: config, executor: exec, clock: clock)
        }
        return try BatchManager(config: config, executor: exec)
    }

    private func results(_ tickets: [BatchTicket]) async throws -> [String] {
        var out: [String] = []
        for t in tickets {
            let value = try await t.result()
            out.append(value)
        }
        return out
    }

    func testDefaultsComeFromTheCore() throws {
        let m = try BatchManager(config: BatchConfig(), executor: ScriptedExecutor())
        let c = m.config()
        XCTAssertEqual(c.maxBatchSize, 10)
        XCTAssertEqual(c.maxBatchDelay, 0.01)
        XCTAssertEqual(c.enableAutoBatching, true)
        XCTAssertEqual(c.maxConcurrentBatches, 10)
        XCTAssertEqual(c.retryAttempts, 3)
        XCTAssertEqual(c.retryDelay, 0.15)
        XCTAssertNil(c.maxBatchBytes)
        XCTAssertEqual(m.effectiveMaxBatchSize(), 10)
    }

    func testAFullBatchGoesOutAtOnceInSubmissionOrder() async throws {
        let exec = ScriptedExecutor()
        let m = try manager(BatchConfig(maxBatchSize: 3, maxBatchDelay: 3600), exec)
        let tickets = try (1...3).map { try m.addOperation(id: "op\($0)", paramsJson: #"{"n":\#($0)}"#, priority: .normal, timeout: long) }
        let values = try await results(tickets)
        XCTAssertEqual(values, [#"{"n":1}"#, #"{"n":2}"#, #"{"n":3}"#])
        XCTAssertEqual(exec.calls, [["op1", "op2", "op3"]])
        XCTAssertTrue(tickets.allSatisfy { $0.isDone() })
        XCTAssertEqual(tickets[1].id(), "op2")
        let s = m.stats()
        XCTAssertEqual(s.batches, 1)
        XCTAssertEqual(s.succeeded, 3)
        XCTAssertEqual(s.avgBatchSize, 3.0)
    }

    func testAPartialBatchWaitsForMaxBatchDelayInVirtualTime() async throws {
        let clock = ManualClock()
        let exec = ScriptedExecutor()
        let m = try manager(BatchConfig(maxBatchDelay: interval(ms: 10)), exec, clock: clock)
        let a = try m.addOperation(id: "a", paramsJson: "1", priority: .normal, timeout: long)
        let b = try m.addOperation(id: "b", paramsJson: "2", priority: .normal, timeout: long)
        await clock.advance(by: interval(ms: 9))
        XCTAssertTrue(exec.calls.isEmpty, "sent before the delay")
        XCTAssertEqual(m.stats().pending, 2)
        await clock.advance(by: interval(ms: 1))
        let va = try await a.result()
        let vb = try await b.result()
        XCTAssertEqual(va, "1")
        XCTAssertEqual(vb, "2")
        XCTAssertEqual(exec.calls, [["a", "b"]])
    }

    func testFlushSendsHigherPrioritiesFirst() async throws {
        let exec = ScriptedExecutor()
        let m = try manager(BatchConfig(maxBatchDelay: 3600), exec)
        let t = [
            try m.addOperation(id: "low", paramsJson: "0", priority: .low, timeout: long),
            try m.addOperation(id: "normal", paramsJson: "1", priority: .normal, timeout: long),
            try m.addOperation(id: "high", paramsJson: "2", priority: .high, timeout: long),
        ]
        await m.flush()
        _ = try await results(t)
        XCTAssertEqual(exec.calls, [["high", "normal", "low"]])
    }

    func testSubmitSuspendsUntilTheOperationsOwnResult() async throws {
        let exec = ScriptedExecutor { _, ops in ops.map { .ok(valueJson: "\"\($0.id):\($0.priority)\"") } }
        let m = try manager(BatchConfig(maxBatchSize: 5), exec)
        let long = self.long
        let values = try await withThrowingTaskGroup(of: (Int, String).self) { group -> [String] in
            for i in 1...50 {
                group.addTask {
                    let v = try await m.submit(id: "m\(i)", paramsJson: "[]", priority: .high, timeout: long)
                    return (i, v)
                }
            }
            var byIndex: [Int: String] = [:]
            for try await (i, v) in group {
                byIndex[i] = v
            }
            return (1...50).map { byIndex[$0] ?? "" }
        }
        XCTAssertEqual(values, (1...50).map { "\"m\($0):high\"" })
        let s = m.stats()
        XCTAssertEqual(s.operations, 50)
        XCTAssertEqual(s.succeeded, 50)
        XCTAssertTrue(exec.calls.allSatisfy { $0.count <= 5 })
    }

    func testAnItemErrorFailsOnlyThatOperation() async throws {
        let exec = ScriptedExecutor { _, ops in
            ops.map { op in
                op.id == "bad"
                    ? .err(error: .Rpc(reason: "method not found", rpcCode: -32601, data: "x"))
                    : .ok(valueJson: "true")
            }
        }
        let m = try manager(BatchConfig(maxBatchSize: 2), exec)
        let good = try m.addOperation(id: "good", paramsJson: "{}", priority: .normal, timeout: long)
        let bad = try m.addOperation(id: "bad", paramsJson: "{}", priority: .normal, timeout: long)
        let value = try await good.result()
        XCTAssertEqual(value, "true")
        let e = await expectMantraError { try await bad.result() }
        guard case let .Rpc(reason, rpcCode, data)? = e else {
            return XCTFail("expected Rpc, got \(String(describing: e))")
        }
        XCTAssertEqual(rpcCode, -32601)
        XCTAssertEqual(data, "x")
        XCTAssertTrue(reason.contains("method not found"), reason)
        XCTAssertEqual(m.stats().failures, 1)
        XCTAssertEqual(exec.calls.count, 1, "-32601 is not retried")
    }

    func testAThrownErrorFailsTheWholeBatchWithATypedError() async throws {
        let plain = try manager(
            BatchConfig(maxBatchSize: 2),
            ScriptedExecutor { _, _ in throw PlainError(description: "urlsession: 400") }
        )
        let a = try plain.addOperation(id: "a", paramsJson: "1", priority: .normal, timeout: long)
        let b = try plain.addOperation(id: "b", paramsJson: "1", priority: .normal, timeout: long)
        for t in [a, b] {
            let e = await expectMantraError { try await t.result() }
            guard case let .Host(reason)? = e else {
                return XCTFail("expected Host, got \(String(describing: e))")
            }
            XCTAssertTrue(reason.contains("urlsession: 400"), reason)
        }
        let typed = try manager(
            BatchConfig(maxBatchSize: 1),
            ScriptedExecutor { _, _ in throw MantraException.InvalidArgument(reason: "bad params") }
        )
        let e = await expectMantraError { try await typed.submit(id: "x", paramsJson: "1", priority: .normal, timeout: self.long) }
        guard case let .InvalidArgument(reason)? = e else {
            return XCTFail("expected InvalidArgument, got \(String(describing: e))")
        }
        XCTAssertEqual(reason, "invalid argument: batch executor: bad params")
    }

    func testAReplyOfTheWrongLengthOrWithNonJsonValuesFailsTyped() async throws {
        let short = try manager(BatchConfig(maxBatchSize: 2), ScriptedExecutor { _, _ in [.ok(valueJson: "1")] })
        let t = [
            try short.addOperation(id: "a", paramsJson: "1", priority: .normal, timeout: long),
            try short.addOperation(id: "b", paramsJson: "1", priority: .normal, timeout: long),
        ]
        for x in t {
            let e = await expectMantraError { try await x.result() }
            XCTAssertEqual(e?.code(), "host")
        }
        let notJson = try manager(BatchConfig(maxBatchSize: 1), ScriptedExecutor { _, _ in [.ok(valueJson: "{")] })
        let e = await expectMantraError { try await notJson.submit(id: "a", paramsJson: "1", priority: .normal, timeout: self.long) }
        guard case let .Decode(reason)? = e else {
            return XCTFail("expected Decode, got \(String(describing: e))")
        }
        XCTAssertTrue(reason.contains("batch result value must be JSON text"), reason)
    }

    func testRetryableErrorsAreRetriedWithExactBackoffAndRetryAfter() async throws {
        let clock = ManualClock()
        let exec = ScriptedExecutor { call, ops in
            switch call {
            case 0:
                throw MantraException.Transport(reason: "HTTP 503", status: 503, retryAfter: nil)
            case 1:
                throw MantraException.Transport(reason: "HTTP 429", status: 429, retryAfter: interval(ms: 500))
            default:
                return ops.map { _ in .ok(valueJson: #""ok""#) }
            }
        }
        let m = try manager(
            BatchConfig(maxBatchDelay: 0, retryAttempts: 3, retryDelay: interval(ms: 100), retryJitter: false),
            exec,
            clock: clock
        )
        let t = try m.addOperation(id: "status", paramsJson: "{}", priority: .normal, timeout: long)
        await clock.settle() // the first call failed and the SDK sleeps on its backoff
        XCTAssertEqual(exec.calls.count, 1)
        XCTAssertEqual(m.stats().retries, 0, "a retry counts when it goes out")
        await clock.advance(by: interval(ms: 99))
        XCTAssertEqual(exec.calls.count, 1, "retried before retryDelay")
        await clock.advance(by: interval(ms: 1))
        XCTAssertEqual(exec.calls.count, 2)
        XCTAssertEqual(m.stats().retries, 1)
        await clock.advance(by: interval(ms: 499))
        XCTAssertEqual(exec.calls.count, 2, "Retry-After (500 ms) beats the 200 ms backoff")
        await clock.advance(by: interval(ms: 1))
        let value = try await t.result()
        XCTAssertEqual(value, #""ok""#)
        XCTAssertEqual(exec.calls.count, 3)
        XCTAssertEqual(m.stats().retries, 2)
    }

    func testANonRetryableStatusIsNotRetried() async throws {
        let exec = ScriptedExecutor { _, _ in throw MantraException.Transport(reason: "HTTP 400", status: 400, retryAfter: nil) }
        let m = try manager(BatchConfig(maxBatchSize: 1, retryDelay: 0), exec)
        let e = await expectMantraError { try await m.submit(id: "a", paramsJson: "1", priority: .normal, timeout: self.long) }
        guard case let .Transport(_, status, _)? = e else {
            return XCTFail("expected Transport, got \(String(describing: e))")
        }
        XCTAssertEqual(status, 400)
        XCTAssertEqual(exec.calls.count, 1)
    }

    func testBatchLimitTeachesTheNodesLimitAndTheBatchIsSplit() async throws {
        let exec = ScriptedExecutor { _, ops in
            if ops.count > 2 {
                throw MantraException.BatchLimit(reason: "too many", size: UInt64(ops.count), max: 2)
            }
            return ops.map { .ok(valueJson: $0.paramsJson) }
        }
        let m = try manager(BatchConfig(maxBatchSize: 5, maxBatchDelay: 3600), exec)
        let t = try (1...5).map { try m.addOperation(id: "o\($0)", paramsJson: "\($0)", priority: .normal, timeout: long) }
        let values = try await results(t)
        XCTAssertEqual(values, (1...5).map { "\($0)" })
        XCTAssertEqual(exec.calls.first?.count, 5)
        XCTAssertTrue(exec.calls.dropFirst().allSatisfy { $0.count <= 2 })
        XCTAssertEqual(m.effectiveMaxBatchSize(), 2)
        XCTAssertGreaterThanOrEqual(m.stats().batchLimitSplits, 1)
    }

    func testAnOperationTimesOutOnItsOwnDeadlineEvenInFlight() async throws {
        let clock = ManualClock()
        // Host callbacks on a ManualClock wait with clock.sleep (here: never answer in time).
        let exec = ScriptedExecutor { _, _ in
            await clock.sleep(duration: 365 * 86_400)
            return []
        }
        let m = try manager(BatchConfig(maxBatchDelay: 0), exec, clock: clock)
        let t = try m.addOperation(id: "slow", paramsJson: "1", priority: .normal, timeout: interval(ms: 50))
        await clock.settle()
        XCTAssertEqual(exec.calls.count, 1)
        await clock.advance(by: interval(ms: 50))
        let e = await expectMantraError { try await t.result() }
        guard case let .Timeout(reason)? = e else {
            return XCTFail("expected Timeout, got \(String(describing: e))")
        }
        XCTAssertTrue(reason.contains("timed out"), reason)
        XCTAssertEqual(m.stats().timeouts, 1)
    }

    func testShutdownFailsPendingOperationsWithClosedReleasingTheHandleDoesNot() async throws {
        let exec = ScriptedExecutor()
        let m = try manager(BatchConfig(maxBatchDelay: 3600), exec)
        let pending = try m.addOperation(id: "p", paramsJson: "1", priority: .normal, timeout: long)
        m.shutdown()
        XCTAssertTrue(m.isClosed())
        let closed = await expectMantraError { try await pending.result() }
        XCTAssertEqual(closed?.code(), "closed")
        XCTAssertThrowsError(try m.addOperation(id: "q", paramsJson: "1", priority: .normal, timeout: long)) { error in
            XCTAssertEqual((error as? MantraException)?.code(), "closed")
        }
        XCTAssertEqual(m.stats().closed, 1)

        // Dropping the last reference to the manager does not close it while operations are
        // pending: each ticket keeps it alive, so the operation is still answered.
        var released: BatchManager? = try manager(BatchConfig(maxBatchDelay: interval(ms: 20)), exec)
        let orphan = try released!.addOperation(id: "o", paramsJson: "1")
        released = nil
        XCTAssertNil(released)
        let value = try await orphan.result()
        XCTAssertEqual(value, "1")
        XCTAssertEqual(exec.calls, [["o"]])
    }

    func testBadInputIsAMantraExceptionWithAClearMessage() throws {
        let exec = ScriptedExecutor()
        func invalidConfig(_ config: BatchConfig, _ field: String, line: UInt = #line) {
            XCTAssertThrowsError(try BatchManager(config: config, executor: exec), line: line) { error in
                guard case let .InvalidConfig(reason, invalidField)? = error as? MantraException else {
                    return XCTFail("expected InvalidConfig, got \(error)", line: line)
                }
                XCTAssertEqual(invalidField, field, line: line)
                XCTAssertTrue(reason.contains(field), reason, line: line)
            }
        }
        invalidConfig(BatchConfig(maxBatchSize: 0), "max_batch_size")
        invalidConfig(BatchConfig(maxConcurrentBatches: 0), "max_concurrent_batches")
        invalidConfig(BatchConfig(maxBatchBytes: 0), "max_batch_bytes")

        let m = try BatchManager(config: BatchConfig(maxBatchBytes: 100), executor: exec)
        func rejects(_ id: String, _ params: String, timeout: TimeInterval, code: String, _ part: String, line: UInt = #line) {
            XCTAssertThrowsError(try m.addOperation(id: id, paramsJson: params, priority: .normal, timeout: timeout), line: line) { error in
                let e = error as? MantraException
                XCTAssertEqual(e?.code(), code, line: line)
                XCTAssertTrue(e?.reason().contains(part) ?? false, "\(error)", line: line)
            }
        }
        rejects("a", "{x}", timeout: long, code: "decode", "batch params must be JSON text")
        rejects("", "1", timeout: long, code: "invalid_argument", "id must not be empty")
        rejects("a", "1", timeout: 0, code: "invalid_argument", "timeout")
        rejects("a", "\"" + String(repeating: "x", count: 200) + "\"", timeout: long, code: "capacity_exceeded", "max_batch_bytes")
        XCTAssertFalse(m.isClosed())
        m.shutdown()
        XCTAssertThrowsError(try m.addOperation(id: "a", paramsJson: "1", priority: .normal, timeout: long)) { error in
            XCTAssertEqual((error as? MantraException)?.code(), "closed")
        }
    }
}
