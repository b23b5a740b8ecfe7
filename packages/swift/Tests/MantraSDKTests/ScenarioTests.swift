import Foundation
import XCTest
@testable import MantraSDK

/// The shared conformance scenarios (`tests/scenarios/<name>.json`), read at test time.
/// Mirrors packages/kotlin/src/test/kotlin/mantra/sdk/ScenarioTest.kt: one test runs every
/// file and reports each failing scenario by name; `SCENARIO=<part of a name>` runs a subset
/// (as for the Rust and Kotlin runners); `MANTRA_SCENARIOS_DIR` points elsewhere.
final class ScenarioTests: XCTestCase {
    func testScenarios() async throws {
        let all = try ScenarioRunner.files()
        XCTAssertGreaterThan(all.count, 0, "no scenarios in \(ScenarioRunner.dir.path)")
        let only = ProcessInfo.processInfo.environment["SCENARIO"] ?? ""
        let files = only.isEmpty ? all : all.filter { $0.lastPathComponent.contains(only) }
        XCTAssertGreaterThan(files.count, 0, "no scenario matches SCENARIO=\(only)")
        var failures: [String] = []
        for file in files {
            let name = file.deletingPathExtension().lastPathComponent
            do {
                try await ScenarioRunner.runFile(file)
            } catch {
                failures.append("\(name): \(error)")
            }
        }
        for failure in failures {
            XCTFail(failure)
        }
        XCTAssertTrue(failures.isEmpty, "\(failures.count) of \(files.count) scenarios failed")
    }

    // ----- the runner's own checks: it must catch data errors and wrong expectations -----

    private func runInline(_ name: String, _ json: String) async throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("mantra-scenarios-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("\(name).json")
        try json.write(to: file, atomically: true, encoding: .utf8)
        try await ScenarioRunner.runFile(file)
    }

    /// The message of the ScenarioFailure the inline scenario must fail with.
    private func failure(
        _ name: String,
        _ json: String,
        file: StaticString = #filePath,
        line: UInt = #line
    ) async -> String {
        do {
            try await runInline(name, json)
            XCTFail("expected a ScenarioFailure", file: file, line: line)
        } catch let f as ScenarioFailure {
            return f.message
        } catch {
            XCTFail("expected a ScenarioFailure, got \(error)", file: file, line: line)
        }
        return ""
    }

    private func ttl(
        hits: Int,
        extraStep: String? = nil,
        extraTop: String = "",
        config: String = #"{"default_ttl_ms": 1000}"#
    ) -> String {
        let extra = extraStep.map { ", " + $0 } ?? ""
        return """
            {"name": "inline_probe", "component": "cache", "description": "runner self-check", "config": \(config), \(extraTop)
              "steps": [
                {"op": "put", "key": "a", "value": 1},
                {"op": "get", "key": "a", "expect": 1},
                {"op": "stats", "expect": {"hits": \(hits)}}\(extra)
              ]}
            """
    }

    private func assertContains(_ text: String, _ part: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(text.contains(part), "`\(part)` not in: \(text)", file: file, line: line)
    }

    func testRunnerPassesACorrectScenario() async throws {
        try await runInline("inline_probe", ttl(hits: 1))
    }

    func testRunnerReportsAWrongExpectationWithStepAndDiff() async {
        let message = await failure("inline_probe", ttl(hits: 2))
        assertContains(message, "step 2 (stats)")
        assertContains(message, "$.hits: expected 2.0, got 1.0")
    }

    func testRunnerRejectsUnknownOpsAndFields() async {
        let op = await failure("inline_probe", ttl(hits: 1, extraStep: #"{"op": "frobnicate"}"#))
        assertContains(op, "unknown cache op `frobnicate`")
        let stepField = await failure("inline_probe", ttl(hits: 1, extraStep: #"{"op": "get", "key": "a", "typo": 1}"#))
        assertContains(stepField, "unknown field(s) in get: typo")
        let configField = await failure("inline_probe", ttl(hits: 1, config: #"{"max_entires": 3}"#))
        assertContains(configField, "unknown config field(s): max_entires")
        let topField = await failure("inline_probe", ttl(hits: 1, extraTop: #""extra": true,"#))
        assertContains(topField, "extra")
        let wrongName = await failure("other_name", ttl(hits: 1))
        assertContains(wrongName, "but the file is `other_name.json`")
    }

    func testRunnerChecksErrorCodesAndFields() async throws {
        func doc(_ field: String) -> String {
            """
            {"name": "inline_invalid", "component": "batch", "description": "runner self-check",
              "config": {"max_batch_size": 0},
              "steps": [{"op": "construct", "expect_error": "invalid_config", "field": "\(field)"}]}
            """
        }
        try await runInline("inline_invalid", doc("max_batch_size"))
        let wrongField = await failure("inline_invalid", doc("max_concurrent_batches"))
        assertContains(wrongField, "expected invalid field `max_concurrent_batches`")
    }

    func testDurationsConvertToExactMilliseconds() {
        // The generated converter truncates a TimeInterval to whole nanoseconds; `interval(ms:)`
        // must survive that for every millisecond count the scenarios use.
        for ms: UInt64 in [0, 1, 7, 100, 999, 1000, 1001, 1500, 4999, 5000, 30_000, 36_000_001] {
            let v = interval(ms: ms)
            let s = UInt64(v)
            let n = UInt32((v - Double(s)) * 1.0e9)
            XCTAssertEqual(s, ms / 1000, "\(ms) ms")
            XCTAssertEqual(n, UInt32((ms % 1000) * 1_000_000), "\(ms) ms")
        }
    }
}
