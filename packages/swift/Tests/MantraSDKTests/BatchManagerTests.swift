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
    func testDefaultsComeFromTheCore() throws {
        let m = try BatchManager(config: BatchConfig(), executor: ScriptedExecutor())
        let c = m.config()
        XCTAssertEqual(c.maxBatchSize, 10)
        XCTAssertEqual(c.maxBatchDelay, 0.01)
        XCTAssertEqual(c.retryAttempts, 3)
        XCTAssertEqual(c.retryDelay, 0.15)
    }

    func testAFullBatchGoesOutAtOnceInSubmissionOrder() async throws {
        let exec = ScriptedExecutor()
        let m = try BatchManager(config: BatchConfig(maxBatchSize: 3, maxBatchDelay: 3600), executor: exec)
        let tickets = try (1...3).map { try m.addOperation(id: "op\($0)", paramsJson: #"{"n":\#($0)}"#, priority: .normal, timeout: 30) }
        var results: [String] = []
        for t in tickets {
            results.append(try await t.result())
        }
        XCTAssertEqual(results, [#"{"n":1}"#, #"{"n":2}"#, #"{"n":3}"#])
        XCTAssertEqual(exec.calls, [["op1", "op2", "op3"]])
        XCTAssertEqual(m.stats().succeeded, 3)
    }

    func testAPartialBatchWaitsForMaxBatchDelayInVirtualTime() async throws {
        let clock = ManualClock()
        let exec = ScriptedExecutor()
        let m = try BatchManager.withClock(config: BatchConfig(maxBatchDelay: 0.5), executor: exec, clock: clock)
        let a = try m.addOperation(id: "a", paramsJson: "1", priority: nil, timeout: nil)
        await clock.advance(by: 0.25)
        XCTAssertTrue(exec.calls.isEmpty, "sent before the delay")
        await clock.advance(by: 0.25)
        let value = try await a.result()
        XCTAssertEqual(value, "1")
        XCTAssertEqual(exec.calls, [["a"]])
    }

    func testItemErrorsAndThrownErrorsAreTyped() async throws {
        let exec = ScriptedExecutor { _, ops in
            ops.map { op in
                op.id == "bad"
                    ? .err(error: .Rpc(reason: "method not found", rpcCode: -32601, data: nil))
                    : .ok(valueJson: "true")
            }
        }
        let m = try BatchManager(config: BatchConfig(maxBatchSize: 2), executor: exec)
        let good = try m.addOperation(id: "good", paramsJson: "{}", priority: nil, timeout: nil)
        let bad = try m.addOperation(id: "bad", paramsJson: "{}", priority: nil, timeout: nil)
        let value = try await good.result()
        XCTAssertEqual(value, "true")
        let e = await expectMantraError { try await bad.result() }
        guard case let .Rpc(_, rpcCode, _)? = e else {
            return XCTFail("expected Rpc, got \(String(describing: e))")
        }
        XCTAssertEqual(rpcCode, -32601)

        let failing = try BatchManager(
            config: BatchConfig(maxBatchSize: 1),
            executor: ScriptedExecutor { _, _ in throw PlainError(description: "urlsession: 400") }
        )
        let whole = await expectMantraError { try await failing.submit(id: "x", paramsJson: "1", priority: nil, timeout: nil) }
        XCTAssertEqual(whole?.code(), "host")
        XCTAssertTrue(whole?.reason().contains("urlsession: 400") ?? false)
    }

    func testRetryableErrorsAreRetriedWithExactBackoff() async throws {
        let clock = ManualClock()
        let exec = ScriptedExecutor { call, ops in
            if call == 0 {
                throw MantraException.Transport(reason: "HTTP 503", status: 503, retryAfter: nil)
            }
            return ops.map { _ in .ok(valueJson: #""ok""#) }
        }
        let m = try BatchManager.withClock(
            config: BatchConfig(maxBatchDelay: 0, retryAttempts: 3, retryDelay: 0.5, retryJitter: false),
            executor: exec,
            clock: clock
        )
        let t = try m.addOperation(id: "status", paramsJson: "{}", priority: nil, timeout: nil)
        await clock.settle()
        XCTAssertEqual(exec.calls.count, 1)
        await clock.advance(by: 0.25)
        XCTAssertEqual(exec.calls.count, 1, "retried before retryDelay")
        await clock.advance(by: 0.25)
        let value = try await t.result()
        XCTAssertEqual(value, #""ok""#)
        XCTAssertEqual(m.stats().retries, 1)
    }

    func testBadInputIsAMantraExceptionWithAClearMessage() throws {
        XCTAssertThrowsError(try BatchManager(config: BatchConfig(maxBatchSize: 0), executor: ScriptedExecutor())) { error in
            guard case let .InvalidConfig(_, field)? = error as? MantraException else {
                return XCTFail("expected InvalidConfig, got \(error)")
            }
            XCTAssertEqual(field, "max_batch_size")
        }
        let m = try BatchManager(config: BatchConfig(), executor: ScriptedExecutor())
        XCTAssertThrowsError(try m.addOperation(id: "a", paramsJson: "{x}", priority: nil, timeout: nil)) { error in
            XCTAssertEqual((error as? MantraException)?.code(), "decode")
        }
        XCTAssertThrowsError(try m.addOperation(id: "", paramsJson: "1", priority: nil, timeout: nil)) { error in
            XCTAssertEqual((error as? MantraException)?.code(), "invalid_argument")
        }
        m.shutdown()
        XCTAssertThrowsError(try m.addOperation(id: "a", paramsJson: "1", priority: nil, timeout: nil)) { error in
            XCTAssertEqual((error as? MantraException)?.code(), "closed")
        }
    }
}
