import Foundation
import XCTest
@testable import MantraSDK

/// An error that is not a MantraException (arrives in Rust as `Host`).
struct PlainError: Error, CustomStringConvertible {
    let description: String
}

/// A check whose behaviour the test switches between rounds (mirrors the Kotlin fixture).
final class ScriptedCheck: HealthCheck, @unchecked Sendable {
    enum Mode {
        case pass
        case degrade(reason: String, details: String?)
        case throwPlain(String)
        case throwMantra(MantraException)
        case hang(seconds: Double)
    }

    private let lock = NSLock()
    private var currentMode: Mode = .pass
    private var callCount = 0
    private var cancelCount = 0

    var mode: Mode {
        get { locked { currentMode } }
        set { locked { currentMode = newValue } }
    }
    var calls: Int { locked { callCount } }
    var cancelled: Int { locked { cancelCount } }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private func begin() -> Mode {
        locked {
            callCount += 1
            return currentMode
        }
    }

    private func noteCancelled() {
        locked { cancelCount += 1 }
    }

    func check() async throws -> HealthCheckOutcome {
        switch begin() {
        case .pass:
            return .healthy()
        case let .degrade(reason, details):
            return .degraded(reason: reason, details: details)
        case let .throwPlain(message):
            throw PlainError(description: message)
        case let .throwMantra(error):
            throw error
        case let .hang(seconds):
            do {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                return .healthy()
            } catch {
                noteCancelled()
                throw error
            }
        }
    }
}

/// Records every status change it is told about.
final class RecordingListener: HealthListener, @unchecked Sendable {
    struct Change: Equatable {
        let component: String
        let old: HealthStatus
        let new: HealthStatus
    }

    private let lock = NSLock()
    private var recorded: [Change] = []

    var changes: [Change] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    func onStatusChange(component: String, oldStatus: HealthStatus, newStatus: HealthStatus) throws {
        lock.lock()
        recorded.append(Change(component: component, old: oldStatus, new: newStatus))
        lock.unlock()
    }
}

/// A listener that always throws (must be ignored).
final class ThrowingListener: HealthListener, @unchecked Sendable {
    func onStatusChange(component: String, oldStatus: HealthStatus, newStatus: HealthStatus) throws {
        throw PlainError(description: "listener bug")
    }
}

/// Counts calls and runs `body`.
final class RecoveryAction: HealthRecoveryAction, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private let body: @Sendable () throws -> Void

    init(_ body: @escaping @Sendable () throws -> Void) {
        self.body = body
    }

    var calls: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    private func bump() {
        lock.lock()
        count += 1
        lock.unlock()
    }

    func recover() async throws {
        bump()
        try body()
    }
}

/// Polls `condition` every 10 ms for at most `timeout` seconds.
func eventually(timeout: TimeInterval = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return condition()
}

/// Awaits `body` and returns the MantraException it throws (fails the test otherwise).
func expectMantraError<T>(
    _ body: () async throws -> T,
    file: StaticString = #filePath,
    line: UInt = #line
) async -> MantraException? {
    do {
        _ = try await body()
        XCTFail("expected a MantraException", file: file, line: line)
    } catch let error as MantraException {
        return error
    } catch {
        XCTFail("expected a MantraException, got \(error)", file: file, line: line)
    }
    return nil
}
