import Foundation
@testable import MantraSDK

// Runs the shared conformance scenarios (`tests/scenarios/<name>.json`, format in
// `tests/scenarios/README.md`) against the Swift bindings. A step-for-step mirror of the
// Kotlin runner (packages/kotlin/src/test/kotlin/mantra/sdk/ScenarioRunner.kt), itself a
// mirror of the Rust one (`core/tests/scenarios.rs`): strict keys, subset matching for
// reports, `expect_error` codes and fields, all time virtual (a `ManualClock`; `settle()`
// after every step). The scenarios are data: they are read from disk at test time.

/// A mismatch or a data error in a scenario; the message names the step.
struct ScenarioFailure: Error, CustomStringConvertible {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}

// ----- JSON ------------------------------------------------------------------------------------

/// A parsed JSON value (from Foundation's `JSONSerialization`), keeping integers apart from
/// other numbers so `_ms` fields and counters read exactly.
enum ScenarioJSON: Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([ScenarioJSON])
    case object([String: ScenarioJSON])

    /// Parses JSON text (fragments allowed: `42`, `"text"`, `null`).
    static func parse(_ text: String) throws -> ScenarioJSON {
        let any: Any
        do {
            any = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw ScenarioFailure("invalid JSON: \(error.localizedDescription)")
        }
        return try from(any)
    }

    static func from(_ any: Any) throws -> ScenarioJSON {
        if any is NSNull {
            return .null
        }
        if let n = any as? NSNumber {
            if isBoolean(n) {
                return .bool(n.boolValue)
            }
            let type = String(cString: n.objCType)
            if type == "d" || type == "f" {
                return .double(n.doubleValue)
            }
            return .int(n.int64Value)
        }
        if let s = any as? String {
            return .string(s)
        }
        if let a = any as? [Any] {
            var out: [ScenarioJSON] = []
            for e in a {
                out.append(try from(e))
            }
            return .array(out)
        }
        if let o = any as? [String: Any] {
            var out: [String: ScenarioJSON] = [:]
            for (k, v) in o {
                out[k] = try from(v)
            }
            return .object(out)
        }
        throw ScenarioFailure("unsupported JSON value \(any)")
    }

    private static func isBoolean(_ n: NSNumber) -> Bool {
        #if canImport(Darwin)
        return CFGetTypeID(n as CFTypeRef) == CFBooleanGetTypeID()
        #else
        return String(cString: n.objCType) == "c"
        #endif
    }

    /// Compact JSON text (object keys sorted).
    var text: String {
        switch self {
        case .null:
            return "null"
        case let .bool(b):
            return b ? "true" : "false"
        case let .int(i):
            return String(i)
        case let .double(d):
            return d.isFinite ? "\(d)" : "null"
        case let .string(s):
            return ScenarioJSON.quote(s)
        case let .array(a):
            return "[" + a.map { $0.text }.joined(separator: ",") + "]"
        case let .object(o):
            let members = o.keys.sorted().map { k in ScenarioJSON.quote(k) + ":" + (o[k] ?? .null).text }
            return "{" + members.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"":
                out += "\\\""
            case "\\":
                out += "\\\\"
            case "\n":
                out += "\\n"
            case "\r":
                out += "\\r"
            case "\t":
                out += "\\t"
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
        return out
    }

    /// The value of a number (integer or not); nil for anything else.
    var number: Double? {
        switch self {
        case let .int(i):
            return Double(i)
        case let .double(d):
            return d
        default:
            return nil
        }
    }

    /// A non-negative integer.
    var u64: UInt64? {
        if case let .int(i) = self, i >= 0 {
            return UInt64(i)
        }
        return nil
    }
}

private func json(_ n: UInt64) -> ScenarioJSON {
    .int(Int64(clamping: n))
}

private func json(_ n: UInt32) -> ScenarioJSON {
    .int(Int64(n))
}

private func json(_ s: String?) -> ScenarioJSON {
    guard let s = s else { return .null }
    return .string(s)
}

/// `ms` milliseconds as a `TimeInterval` the generated converter turns into exactly `ms` ms.
/// It truncates to whole nanoseconds (`UInt32((value - seconds) * 1e9)`), so the nearest
/// Double of e.g. 1.001 would become 1 s + 999_999 ns: nudge it up until it converts exactly
/// (as `Duration.ofMillis` does on the JVM).
func interval(ms: UInt64) -> TimeInterval {
    let wholeSeconds = ms / 1000
    let nanos = UInt32((ms % 1000) * 1_000_000)
    var v = Double(ms) / 1000
    for _ in 0..<64 {
        let s = UInt64(v)
        let n = UInt32((v - Double(s)) * 1.0e9)
        if s > wholeSeconds || (s == wholeSeconds && n >= nanos) {
            break
        }
        v = v.nextUp
    }
    return v
}

/// A `TimeInterval` read from the SDK, in whole milliseconds.
private func millis(_ t: TimeInterval) -> UInt64 {
    UInt64((t * 1000).rounded())
}

// ----- outcomes ----------------------------------------------------------------------------

/// What a step produced: a value (exact or subset match), nothing, or an SDK error.
private enum Outcome {
    case value(ScenarioJSON, Bool) // (value, subset)
    case nothing
    case error(MantraException)
}

private func exact(_ v: ScenarioJSON) -> Outcome {
    .value(v, false)
}

private func report(_ v: ScenarioJSON) -> Outcome {
    .value(v, true)
}

/// Runs `body`; a MantraException is the step's outcome, any other error propagates.
private func attempt(_ body: () throws -> Outcome) throws -> Outcome {
    do {
        return try body()
    } catch let e as MantraException {
        return .error(e)
    }
}

// ----- strict field access -------------------------------------------------------------------

private let commonStepKeys: Set<String> = ["op", "expect", "expect_error", "field", "approx", "note"]

private func onlyKeys(_ m: [String: ScenarioJSON], _ allowed: [String], _ what: String) throws {
    let isStep = what != "scenario" && m["op"] != nil
    let unknown = m.keys.sorted().filter { !allowed.contains($0) && !(isStep && commonStepKeys.contains($0)) }
    if !unknown.isEmpty {
        throw ScenarioFailure("unknown field(s) in \(what): \(unknown.joined(separator: ", "))")
    }
}

private extension Dictionary where Key == String, Value == ScenarioJSON {
    func str(_ k: String) throws -> String {
        guard case let .string(s)? = self[k] else {
            throw ScenarioFailure("missing string `\(k)`")
        }
        return s
    }

    func optStr(_ k: String) throws -> String? {
        guard let v = self[k] else { return nil }
        guard case let .string(s) = v else {
            throw ScenarioFailure("`\(k)` must be a string")
        }
        return s
    }

    func u64(_ k: String) throws -> UInt64 {
        guard let n = self[k]?.u64 else {
            throw ScenarioFailure("missing non-negative integer `\(k)`")
        }
        return n
    }

    func optU64(_ k: String) throws -> UInt64? {
        guard let v = self[k] else { return nil }
        guard let n = v.u64 else {
            throw ScenarioFailure("`\(k)` must be a non-negative integer")
        }
        return n
    }

    func bool(_ k: String) throws -> Bool {
        guard case let .bool(b)? = self[k] else {
            throw ScenarioFailure("missing boolean `\(k)`")
        }
        return b
    }

    func value(_ k: String) throws -> ScenarioJSON {
        guard let v = self[k] else {
            throw ScenarioFailure("missing `\(k)`")
        }
        return v
    }
}

/// Reads a config object field by field; `finish` rejects whatever was not read.
private final class ConfigReader {
    private var map: [String: ScenarioJSON]

    init(_ config: [String: ScenarioJSON]) {
        map = config
    }

    func take(_ k: String) -> ScenarioJSON? {
        map.removeValue(forKey: k)
    }

    func u64(_ k: String) throws -> UInt64? {
        guard let v = take(k) else { return nil }
        guard let n = v.u64 else {
            throw ScenarioFailure("config `\(k)` must be a non-negative integer")
        }
        return n
    }

    func ms(_ k: String) throws -> TimeInterval? {
        guard let n = try u64(k) else { return nil }
        return interval(ms: n)
    }

    func bool(_ k: String) throws -> Bool? {
        guard let v = take(k) else { return nil }
        guard case let .bool(b) = v else {
            throw ScenarioFailure("config `\(k)` must be a boolean")
        }
        return b
    }

    func finish() throws {
        if !map.isEmpty {
            throw ScenarioFailure("unknown config field(s): \(map.keys.sorted().joined(separator: ", "))")
        }
    }
}

// ----- comparison ----------------------------------------------------------------------------

private func compare(
    _ exp: ScenarioJSON,
    _ got: ScenarioJSON,
    subset: Bool,
    approx: [String: Double],
    path: String
) throws {
    let key: String
    if let dot = path.lastIndex(of: ".") {
        key = String(path[path.index(after: dot)...])
    } else {
        key = path
    }
    if let en = exp.number, let gn = got.number {
        let tol = approx[key] ?? 0
        if !(en == gn || abs(en - gn) <= tol) {
            throw ScenarioFailure("at \(path): expected \(en), got \(gn)")
        }
        return
    }
    switch (exp, got) {
    case let (.object(e), .object(g)):
        if !subset, let extra = g.keys.sorted().first(where: { e[$0] == nil }) {
            throw ScenarioFailure("at \(path): unexpected key `\(extra)`")
        }
        for k in e.keys.sorted() {
            guard let gv = g[k] else {
                throw ScenarioFailure("at \(path).\(k): missing")
            }
            try compare(e[k] ?? .null, gv, subset: subset, approx: approx, path: "\(path).\(k)")
        }
    case let (.array(e), .array(g)):
        if e.count != g.count {
            throw ScenarioFailure("at \(path): expected \(e.count) elements, got \(g.count)")
        }
        for i in e.indices {
            try compare(e[i], g[i], subset: subset, approx: approx, path: "\(path)[\(i)]")
        }
    default:
        if exp != got {
            throw ScenarioFailure("at \(path): expected \(exp.text), got \(truncate(got.text))")
        }
    }
}

private func truncate(_ s: String) -> String {
    s.count <= 2000 ? s : String(s.prefix(2000)) + "… (\(s.count) chars)"
}

private func checkOutcome(
    _ s: [String: ScenarioJSON],
    _ outcome: Outcome,
    resolve: (ScenarioJSON) throws -> ScenarioJSON,
    approx: [String: Double]
) throws {
    let expect = s["expect"]
    var expectError: String? = nil
    if let v = s["expect_error"] {
        guard case let .string(code) = v else {
            throw ScenarioFailure("`expect_error` must be a string")
        }
        expectError = code
    }
    var field: String? = nil
    if let v = s["field"] {
        if expectError != "invalid_config" {
            throw ScenarioFailure("`field` must be a string and needs `expect_error: invalid_config`")
        }
        guard case let .string(name) = v else {
            throw ScenarioFailure("`field` must be a string")
        }
        field = name
    }
    if expect != nil && expectError != nil {
        throw ScenarioFailure("a step has either `expect` or `expect_error`, not both")
    }
    switch outcome {
    case let .error(e):
        guard let expectedCode = expectError else {
            throw ScenarioFailure("unexpected error `\(e.code())`: \(e.reason())")
        }
        if e.code() != expectedCode {
            throw ScenarioFailure("expected error `\(expectedCode)`, got `\(e.code())`: \(e.reason())")
        }
        if let field = field {
            var got: String? = nil
            if case let .InvalidConfig(_, invalidField) = e {
                got = invalidField
            }
            if got != field {
                throw ScenarioFailure("expected invalid field `\(field)`, got: \(e.reason())")
            }
        }
    case .value, .nothing:
        if let expectedCode = expectError {
            var got = "(no result)"
            if case let .value(v, _) = outcome {
                got = v.text
            }
            throw ScenarioFailure("expected error `\(expectedCode)`, got success \(got)")
        }
        if let expect = expect {
            guard case let .value(value, subset) = outcome else {
                throw ScenarioFailure("this op has no result to `expect`")
            }
            let exp = try resolve(expect)
            do {
                try compare(exp, value, subset: subset, approx: approx, path: "$")
            } catch let f as ScenarioFailure {
                throw ScenarioFailure("\(f.message)\n    expected: \(exp.text)\n    actual:   \(truncate(value.text))")
            }
        }
    }
}

private func parseApprox(_ s: [String: ScenarioJSON]) throws -> [String: Double] {
    guard let a = s["approx"] else { return [:] }
    guard case let .object(m) = a else {
        throw ScenarioFailure("`approx` must be an object")
    }
    var out: [String: Double] = [:]
    for (k, v) in m {
        guard let n = v.number, n >= 0 else {
            throw ScenarioFailure("`approx.\(k)` must be a number >= 0")
        }
        out[k] = n
    }
    return out
}

// ----- the runner --------------------------------------------------------------------------------

/// Builds the component; a MantraException is the component's own error.
private typealias Prepared = () throws -> Driver

private protocol Driver: AnyObject {
    func step(_ op: String, _ s: [String: ScenarioJSON]) async throws -> Outcome
    func resolve(_ v: ScenarioJSON) throws -> ScenarioJSON
    func close()
}

extension Driver {
    func resolve(_ v: ScenarioJSON) throws -> ScenarioJSON {
        v
    }
}

enum ScenarioRunner {
    /// `MANTRA_SCENARIOS_DIR`, else `tests/scenarios` at the repository root (found from this
    /// file: packages/swift/Tests/MantraSDKTests/ScenarioRunner.swift).
    static var dir: URL {
        if let env = ProcessInfo.processInfo.environment["MANTRA_SCENARIOS_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent() // Tests/MantraSDKTests
            .deletingLastPathComponent() // Tests
            .deletingLastPathComponent() // packages/swift
            .deletingLastPathComponent() // packages
            .deletingLastPathComponent() // repository root
            .appendingPathComponent("tests")
            .appendingPathComponent("scenarios")
    }

    /// The scenario files, sorted by name.
    static func files() throws -> [URL] {
        let base = dir
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: base.path)
        } catch {
            throw ScenarioFailure("cannot read scenarios from \(base.path): \(error)")
        }
        return names.filter { $0.hasSuffix(".json") }.sorted().map { base.appendingPathComponent($0) }
    }

    /// Runs one scenario file; throws `ScenarioFailure` naming the step on a mismatch.
    static func runFile(_ file: URL) async throws {
        let stem = file.deletingPathExtension().lastPathComponent
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw ScenarioFailure("cannot read \(file.path): \(error)")
        }
        let doc = try ScenarioJSON.parse(text)
        guard case let .object(top) = doc else {
            throw ScenarioFailure("a scenario must be a JSON object")
        }
        let component = try top.str("component")
        let extra: [String]
        switch component {
        case "batch":
            extra = ["executor"]
        case "health":
            extra = ["checks"]
        case "cache", "metrics":
            extra = []
        default:
            throw ScenarioFailure("unknown component `\(component)`")
        }
        try onlyKeys(top, ["name", "component", "description", "config", "steps"] + extra, "scenario")
        let name = try top.str("name")
        if name != stem {
            throw ScenarioFailure("`name` is `\(name)` but the file is `\(stem).json`")
        }
        _ = try top.str("description")
        let config: [String: ScenarioJSON]
        switch top["config"] {
        case .none:
            config = [:]
        case let .object(c)?:
            config = c
        default:
            throw ScenarioFailure("`config` must be an object")
        }
        guard case let .array(steps)? = top["steps"] else {
            throw ScenarioFailure("`steps` must be an array")
        }
        if steps.isEmpty {
            throw ScenarioFailure("`steps` is empty")
        }
        try await runSteps(component, top, config, steps)
    }

    private static func runSteps(
        _ component: String,
        _ top: [String: ScenarioJSON],
        _ config: [String: ScenarioJSON],
        _ steps: [ScenarioJSON]
    ) async throws {
        let clock = ManualClock()
        let prepared: Prepared
        do {
            prepared = try prepare(component, config, top, clock)
        } catch let f as ScenarioFailure {
            throw ScenarioFailure("setup: \(f.message)")
        }
        var driver: Driver? = nil
        defer { driver?.close() }
        for (i, stepValue) in steps.enumerated() {
            guard case let .object(s) = stepValue else {
                throw ScenarioFailure("step \(i): must be an object")
            }
            guard case let .string(op)? = s["op"] else {
                throw ScenarioFailure("step \(i): missing string `op`")
            }
            do {
                if op == "construct" {
                    if i != 0 {
                        throw ScenarioFailure("`construct` must be the first step")
                    }
                    try onlyKeys(s, [], op)
                    let outcome = try attempt {
                        driver = try prepared()
                        return .nothing
                    }
                    try checkOutcome(s, outcome, resolve: { $0 }, approx: [:])
                    continue
                }
                if driver == nil {
                    do {
                        driver = try prepared()
                    } catch let e as MantraException {
                        throw ScenarioFailure("construction failed: \(e.reason()) (\(e.code()))")
                    }
                }
                guard let d = driver else {
                    throw ScenarioFailure("no component was built")
                }
                let approx = try parseApprox(s)
                let outcome: Outcome
                if op == "advance" {
                    try onlyKeys(s, ["ms"], op)
                    let ms = try s.u64("ms")
                    await clock.advance(by: interval(ms: ms))
                    outcome = .nothing
                } else {
                    outcome = try await d.step(op, s)
                }
                await clock.settle()
                try checkOutcome(s, outcome, resolve: { try d.resolve($0) }, approx: approx)
            } catch let f as ScenarioFailure {
                throw ScenarioFailure("step \(i) (\(op)): \(f.message)")
            }
        }
    }

    private static func prepare(
        _ component: String,
        _ config: [String: ScenarioJSON],
        _ top: [String: ScenarioJSON],
        _ clock: ManualClock
    ) throws -> Prepared {
        switch component {
        case "cache":
            return try CacheDriver.prepare(config, clock)
        case "batch":
            return try BatchDriver.prepare(config, top["executor"], clock)
        case "metrics":
            return try MetricsDriver.prepare(config, clock)
        case "health":
            return try HealthDriver.prepare(config, top["checks"], clock)
        default:
            throw ScenarioFailure("unknown component `\(component)`")
        }
    }
}

// ----- cache -------------------------------------------------------------------------------------

private let cacheTypes: [String: CacheType] = [
    "pool_info": .poolInfo,
    "balance": .balance,
    "block": .block,
    "node_status": .nodeStatus,
    "contract_query": .contractQuery,
    "simulation": .simulation,
    "generic": .generic,
]

private func cacheType(_ s: String) throws -> CacheType {
    guard let t = cacheTypes[s] else {
        throw ScenarioFailure("unknown cache type `\(s)`")
    }
    return t
}

/// Replaces every weight sum `{"weights": [{key, value}...], "plus": n}` by its number.
private func resolveWeights(_ v: ScenarioJSON) throws -> ScenarioJSON {
    switch v {
    case let .object(o) where o["weights"] != nil:
        try onlyKeys(o, ["weights", "plus"], "weight sum")
        guard case let .array(list)? = o["weights"] else {
            throw ScenarioFailure("`weights` must be an array")
        }
        var total: Int64 = 0
        for e in list {
            guard case let .object(entry) = e else {
                throw ScenarioFailure("a `weights` entry must be an object")
            }
            try onlyKeys(entry, ["key", "value"], "weights entry")
            let key = try entry.str("key")
            let value = try entry.value("value")
            let weight = try cacheEntryWeight(key: key, valueJson: value.text)
            total += Int64(clamping: weight)
        }
        if let plus = o["plus"] {
            guard case let .int(p) = plus else {
                throw ScenarioFailure("`plus` must be an integer")
            }
            total += p
        }
        if total < 0 {
            throw ScenarioFailure("weight sum \(total) is negative")
        }
        return .int(total)
    case let .object(o):
        var out: [String: ScenarioJSON] = [:]
        for (k, x) in o {
            out[k] = try resolveWeights(x)
        }
        return .object(out)
    case let .array(a):
        var out: [ScenarioJSON] = []
        for x in a {
            out.append(try resolveWeights(x))
        }
        return .array(out)
    default:
        return v
    }
}

private final class CacheDriver: Driver {
    let cache: CacheManager

    init(_ cache: CacheManager) {
        self.cache = cache
    }

    static func prepare(_ config: [String: ScenarioJSON], _ clock: ManualClock) throws -> Prepared {
        let r = ConfigReader(config)
        let maxEntries = try r.u64("max_entries")
        let defaultTtl = try r.ms("default_ttl_ms")
        let enableStats = try r.bool("enable_stats")
        let cleanup = try r.ms("cleanup_interval_ms")
        var maxBytes: UInt64? = nil
        if let v = r.take("max_memory_bytes") {
            guard let n = try resolveWeights(v).u64 else {
                throw ScenarioFailure("config `max_memory_bytes` must be a non-negative integer")
            }
            maxBytes = n
        }
        var ttls: [CacheType: TimeInterval] = [:]
        if let v = r.take("ttl_by_type_ms") {
            guard case let .object(m) = v else {
                throw ScenarioFailure("`ttl_by_type_ms` must be an object")
            }
            for (t, ms) in m {
                guard let n = ms.u64 else {
                    throw ScenarioFailure("`ttl_by_type_ms.\(t)` must be an integer")
                }
                let type = try cacheType(t)
                ttls[type] = interval(ms: n)
            }
        }
        try r.finish()
        let cfg = CacheConfig(
            maxEntries: maxEntries,
            defaultTtl: defaultTtl,
            enableStats: enableStats,
            cleanupInterval: cleanup,
            maxMemoryBytes: maxBytes,
            ttlByType: ttls
        )
        return { try CacheDriver(CacheManager.withClock(config: cfg, clock: clock)) }
    }

    func resolve(_ v: ScenarioJSON) throws -> ScenarioJSON {
        try resolveWeights(v)
    }

    private func type(_ s: [String: ScenarioJSON]) throws -> CacheType {
        let name = try s.optStr("type") ?? "generic"
        return try cacheType(name)
    }

    func step(_ op: String, _ s: [String: ScenarioJSON]) async throws -> Outcome {
        switch op {
        case "put":
            try onlyKeys(s, ["key", "value", "type", "ttl_ms"], op)
            let key = try s.str("key")
            let value = try s.value("value").text
            let ty = try type(s)
            let ttl = try s.optU64("ttl_ms")
            return try attempt {
                if let ttl = ttl {
                    try self.cache.putWithTtl(key: key, valueJson: value, cacheType: ty, ttl: interval(ms: ttl))
                } else {
                    try self.cache.put(key: key, valueJson: value, cacheType: ty)
                }
                return .nothing
            }
        case "get":
            try onlyKeys(s, ["key", "type"], op)
            let key = try s.str("key")
            let ty = try type(s)
            guard let text = cache.get(key: key, cacheType: ty) else {
                return exact(.null)
            }
            let value = try ScenarioJSON.parse(text)
            return exact(value)
        case "remove":
            try onlyKeys(s, ["key", "type"], op)
            let key = try s.str("key")
            let ty = try type(s)
            return exact(.bool(cache.remove(key: key, cacheType: ty)))
        case "clear":
            try onlyKeys(s, [], op)
            cache.clear()
            return .nothing
        case "clear_type":
            try onlyKeys(s, ["type"], op)
            let ty = try cacheType(try s.str("type"))
            return exact(json(cache.clearType(cacheType: ty)))
        case "len":
            try onlyKeys(s, [], op)
            return exact(json(cache.len()))
        case "cleanup":
            try onlyKeys(s, [], op)
            return exact(json(cache.cleanup()))
        case "stats":
            try onlyKeys(s, [], op)
            let st = cache.stats()
            return report(.object([
                "hits": json(st.hits),
                "misses": json(st.misses),
                "insertions": json(st.insertions),
                "evictions": json(st.evictions),
                "evictions_capacity": json(st.evictionsCapacity),
                "evictions_size": json(st.evictionsSize),
                "expirations": json(st.expirations),
                "rejected": json(st.rejected),
                "entries": json(st.entries),
                "memory_bytes": json(st.memoryBytes),
                "hit_rate": .double(st.hitRate),
            ]))
        case "weight":
            try onlyKeys(s, ["key", "value"], op)
            let key = try s.str("key")
            let value = try s.value("value")
            let weight = try cacheEntryWeight(key: key, valueJson: value.text)
            return exact(json(weight))
        default:
            throw ScenarioFailure("unknown cache op `\(op)`")
        }
    }

    /// Kotlin releases the handle here; in Swift the cache goes with the last reference.
    func close() {}
}

// ----- batch -------------------------------------------------------------------------------------

/// A scripted error (`batch_limit` takes the batch size at call time).
private struct ScriptedError {
    let make: (Int) -> MantraException
}

private enum Item {
    case ok(ScenarioJSON)
    case echo
    case err(ScriptedError)
}

private enum Reply {
    case echo
    case results([Item], UInt64) // (items, delay ms)
    case error(ScriptedError, UInt64) // (error, delay ms)
}

private func parseError(_ v: ScenarioJSON) throws -> ScriptedError {
    guard case let .object(m) = v else {
        throw ScenarioFailure("an error must be an object")
    }
    let message = try m.optStr("message")
    let code = try m.str("code")
    switch code {
    case "transport":
        try onlyKeys(m, ["code", "status", "retry_after_ms", "message"], "error")
        let status = try m.optU64("status")
        if let st = status, st > 65535 {
            throw ScenarioFailure("`status` too large")
        }
        let retryAfter = try m.optU64("retry_after_ms").map { interval(ms: $0) }
        let httpStatus = status.map { UInt16($0) }
        return ScriptedError(make: { _ in
            .Transport(reason: message ?? "scripted transport error", status: httpStatus, retryAfter: retryAfter)
        })
    case "rpc":
        try onlyKeys(m, ["code", "rpc_code", "message"], "error")
        guard case let .int(rpcCode)? = m["rpc_code"] else {
            throw ScenarioFailure("missing integer `rpc_code`")
        }
        return ScriptedError(make: { _ in
            .Rpc(reason: message ?? "scripted rpc error", rpcCode: rpcCode, data: nil)
        })
    case "batch_limit":
        try onlyKeys(m, ["code", "max"], "error")
        let limit = try m.u64("max")
        return ScriptedError(make: { size in
            .BatchLimit(reason: "batch limit", size: UInt64(size), max: limit)
        })
    case "host":
        try onlyKeys(m, ["code", "message"], "error")
        return ScriptedError(make: { _ in
            .Host(reason: message ?? "scripted host error")
        })
    default:
        throw ScenarioFailure("unknown error code `\(code)`")
    }
}

private func parseReply(_ v: ScenarioJSON) throws -> Reply {
    switch v {
    case .string("echo"):
        return .echo
    case let .object(o) where o["results"] != nil:
        try onlyKeys(o, ["results", "delay_ms"], "reply")
        guard case let .array(rs)? = o["results"] else {
            throw ScenarioFailure("`results` must be an array")
        }
        var items: [Item] = []
        for r in rs {
            switch r {
            case .string("echo"):
                items.append(.echo)
            case let .object(ro) where ro.count == 1 && ro["ok"] != nil:
                items.append(.ok(ro["ok"] ?? .null))
            case let .object(ro) where ro.count == 1 && ro["error"] != nil:
                items.append(.err(try parseError(ro["error"] ?? .null)))
            default:
                throw ScenarioFailure("a result is \"echo\", {\"ok\": v} or {\"error\": e}, not \(r.text)")
            }
        }
        let delay = try o.optU64("delay_ms") ?? 0
        return .results(items, delay)
    case let .object(o) where o["error"] != nil:
        try onlyKeys(o, ["error", "delay_ms"], "reply")
        let e = try parseError(o["error"] ?? .null)
        let delay = try o.optU64("delay_ms") ?? 0
        return .error(e, delay)
    default:
        throw ScenarioFailure("unknown executor reply \(v.text)")
    }
}

/// The host's batch function, played from the scenario's script, waiting on the virtual clock.
private final class ScriptedBatchExecutor: BatchExecutor, @unchecked Sendable {
    struct Call {
        let atMs: UInt64
        let ids: [String]
    }

    let clock: ManualClock
    private let lock = NSLock()
    private var replies: [Reply]
    private var recorded: [Call] = []

    init(clock: ManualClock, replies: [Reply]) {
        self.clock = clock
        self.replies = replies
    }

    var calls: [Call] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    /// Records the call and takes the next reply ("echo" once the script is used up).
    private func begin(_ call: Call) -> Reply {
        lock.lock()
        defer { lock.unlock() }
        recorded.append(call)
        return replies.isEmpty ? .echo : replies.removeFirst()
    }

    func execute(ops: [BatchOperation]) async throws -> [BatchItemResult] {
        let reply = begin(Call(atMs: millis(clock.now()), ids: ops.map { $0.id }))
        let delay: UInt64
        switch reply {
        case .echo:
            delay = 0
        case let .results(_, d):
            delay = d
        case let .error(_, d):
            delay = d
        }
        if delay > 0 {
            await clock.sleep(duration: interval(ms: delay))
        }
        switch reply {
        case .echo:
            return ops.map { .ok(valueJson: $0.paramsJson) }
        case let .error(e, _):
            throw e.make(ops.count)
        case let .results(items, _):
            var out: [BatchItemResult] = []
            for (i, item) in items.enumerated() {
                switch item {
                case let .ok(value):
                    out.append(.ok(valueJson: value.text))
                case .echo:
                    out.append(.ok(valueJson: i < ops.count ? ops[i].paramsJson : "null"))
                case let .err(e):
                    out.append(.err(error: e.make(ops.count)))
                }
            }
            return out
        }
    }
}

private func priority(_ s: String) throws -> Priority {
    switch s {
    case "high":
        return .high
    case "normal":
        return .normal
    case "low":
        return .low
    default:
        throw ScenarioFailure("unknown priority `\(s)` (high, normal, low)")
    }
}

private final class BatchDriver: Driver {
    let manager: BatchManager
    let exec: ScriptedBatchExecutor
    var tickets: [String: BatchTicket] = [:]

    init(manager: BatchManager, exec: ScriptedBatchExecutor) {
        self.manager = manager
        self.exec = exec
    }

    static func prepare(_ config: [String: ScenarioJSON], _ executor: ScenarioJSON?, _ clock: ManualClock) throws -> Prepared {
        var replies: [Reply] = []
        switch executor {
        case .none:
            break
        case let .array(list)?:
            for (i, r) in list.enumerated() {
                do {
                    replies.append(try parseReply(r))
                } catch let f as ScenarioFailure {
                    throw ScenarioFailure("executor[\(i)]: \(f.message)")
                }
            }
        default:
            throw ScenarioFailure("`executor` must be an array of replies")
        }
        let r = ConfigReader(config)
        func u32(_ k: String) throws -> UInt32? {
            guard let n = try r.u64(k) else { return nil }
            guard let v = UInt32(exactly: n) else {
                throw ScenarioFailure("config `\(k)` is too large")
            }
            return v
        }
        let maxBatchSize = try u32("max_batch_size")
        let maxBatchDelay = try r.ms("max_batch_delay_ms")
        let enableAutoBatching = try r.bool("enable_auto_batching")
        let maxConcurrentBatches = try u32("max_concurrent_batches")
        let retryAttempts = try u32("retry_attempts")
        let retryDelay = try r.ms("retry_delay_ms")
        try r.finish()
        let cfg = BatchConfig(
            maxBatchSize: maxBatchSize,
            maxBatchDelay: maxBatchDelay,
            enableAutoBatching: enableAutoBatching,
            maxConcurrentBatches: maxConcurrentBatches,
            retryAttempts: retryAttempts,
            retryDelay: retryDelay,
            retryJitter: false
        )
        let script = replies
        return {
            let exec = ScriptedBatchExecutor(clock: clock, replies: script)
            let manager = try BatchManager.withClock(config: cfg, executor: exec, clock: clock)
            return BatchDriver(manager: manager, exec: exec)
        }
    }

    private func ticket(_ id: String) throws -> BatchTicket {
        guard let t = tickets[id] else {
            throw ScenarioFailure("no operation `\(id)` was submitted")
        }
        return t
    }

    func step(_ op: String, _ s: [String: ScenarioJSON]) async throws -> Outcome {
        switch op {
        case "submit":
            try onlyKeys(s, ["id", "params", "priority", "timeout_ms"], op)
            let id = try s.str("id")
            if tickets[id] != nil {
                throw ScenarioFailure("duplicate operation id `\(id)`")
            }
            let params = (s["params"] ?? .string(id)).text
            let p = try priority(try s.optStr("priority") ?? "normal")
            let timeoutMs = try s.optU64("timeout_ms") ?? 30_000
            let timeout = interval(ms: timeoutMs)
            return try attempt {
                self.tickets[id] = try self.manager.addOperation(id: id, paramsJson: params, priority: p, timeout: timeout)
                return .nothing
            }
        case "flush":
            try onlyKeys(s, [], op)
            await manager.flush()
            return .nothing
        case "done":
            try onlyKeys(s, ["id"], op)
            let t = try ticket(try s.str("id"))
            return exact(.bool(t.isDone()))
        case "await":
            try onlyKeys(s, ["id"], op)
            let id = try s.str("id")
            let t = try ticket(id)
            if !t.isDone() {
                throw ScenarioFailure("operation `\(id)` has no result yet (await never waits: `advance` first)")
            }
            let text: String
            do {
                text = try await t.result()
            } catch let e as MantraException {
                return exact(.object(["error": .string(e.code())]))
            }
            let value = try ScenarioJSON.parse(text)
            return exact(.object(["ok": value]))
        case "executor_calls":
            try onlyKeys(s, [], op)
            let calls = exec.calls.map { call -> ScenarioJSON in
                .object([
                    "at_ms": json(call.atMs),
                    "ids": .array(call.ids.map { ScenarioJSON.string($0) }),
                ])
            }
            return report(.array(calls))
        case "stats":
            try onlyKeys(s, [], op)
            let st = manager.stats()
            return report(.object([
                "batches": json(st.batches),
                "operations": json(st.operations),
                "avg_batch_size": .double(st.avgBatchSize),
                "retries": json(st.retries),
                "failures": json(st.failures),
                "timeouts": json(st.timeouts),
                "succeeded": json(st.succeeded),
                "cancelled": json(st.cancelled),
                "closed": json(st.closed),
                "batch_limit_splits": json(st.batchLimitSplits),
                "pending": json(st.pending),
                "in_flight": json(st.inFlight),
                "effective_max_batch_size": json(st.effectiveMaxBatchSize),
            ]))
        case "close":
            try onlyKeys(s, [], op)
            manager.shutdown()
            return .nothing
        default:
            throw ScenarioFailure("unknown batch op `\(op)`")
        }
    }

    /// Kotlin releases the tickets and the manager here; Swift drops the references.
    func close() {
        tickets.removeAll()
    }
}

// ----- metrics -----------------------------------------------------------------------------------

private func metricType(_ s: String) throws -> MetricType {
    switch s {
    case "counter":
        return .counter
    case "gauge":
        return .gauge
    case "histogram":
        return .histogram
    default:
        throw ScenarioFailure("unknown metric type `\(s)`")
    }
}

private final class MetricsDriver: Driver {
    let m: MetricsCollector

    init(_ m: MetricsCollector) {
        self.m = m
    }

    static func prepare(_ config: [String: ScenarioJSON], _ clock: ManualClock) throws -> Prepared {
        let r = ConfigReader(config)
        let enableProtocolMetrics = try r.bool("enable_protocol_metrics")
        let enableMcpMetrics = try r.bool("enable_mcp_metrics")
        let enableResourceMetrics = try r.bool("enable_resource_metrics")
        let enableCustomMetrics = try r.bool("enable_custom_metrics")
        let retentionPeriod = try r.ms("retention_period_ms")
        let aggregationInterval = try r.ms("aggregation_interval_ms")
        var namespace: String? = nil
        if let v = r.take("namespace") {
            guard case let .string(ns) = v else {
                throw ScenarioFailure("`namespace` must be a string")
            }
            namespace = ns
        }
        let maxSeriesPerFamily = try r.u64("max_series_per_family")
        let maxCustomMetrics = try r.u64("max_custom_metrics")
        var histogramBuckets: [Double]? = nil
        if let v = r.take("histogram_buckets") {
            let bad = ScenarioFailure("`histogram_buckets` must be an array of numbers")
            guard case let .array(a) = v else { throw bad }
            var buckets: [Double] = []
            for e in a {
                guard let n = e.number else { throw bad }
                buckets.append(n)
            }
            histogramBuckets = buckets
        }
        var constLabels: [MetricsLabel]? = nil
        if let v = r.take("const_labels") {
            let bad = ScenarioFailure("`const_labels` must be [[name, value], ...]")
            guard case let .array(pairs) = v else { throw bad }
            var labels: [MetricsLabel] = []
            for p in pairs {
                guard case let .array(pair) = p, pair.count == 2,
                      case let .string(name) = pair[0], case let .string(value) = pair[1]
                else { throw bad }
                labels.append(MetricsLabel(name: name, value: value))
            }
            constLabels = labels
        }
        try r.finish()
        let cfg = MetricsConfig(
            enableProtocolMetrics: enableProtocolMetrics,
            enableMcpMetrics: enableMcpMetrics,
            enableResourceMetrics: enableResourceMetrics,
            enableCustomMetrics: enableCustomMetrics,
            retentionPeriod: retentionPeriod,
            aggregationInterval: aggregationInterval,
            namespace: namespace,
            maxSeriesPerFamily: maxSeriesPerFamily,
            maxCustomMetrics: maxCustomMetrics,
            histogramBuckets: histogramBuckets,
            constLabels: constLabels
        )
        return { try MetricsDriver(MetricsCollector.withClock(config: cfg, clock: clock)) }
    }

    /// The snapshot JSON with `families` keyed by name and `series_count` added.
    private func snapshot() throws -> [String: ScenarioJSON] {
        guard case var .object(v) = try ScenarioJSON.parse(m.snapshotJson()) else {
            throw ScenarioFailure("the snapshot is not an object")
        }
        guard case let .array(families)? = v["families"] else {
            throw ScenarioFailure("snapshot without families")
        }
        var byName: [String: ScenarioJSON] = [:]
        for f in families {
            guard case var .object(fo) = f, case let .string(name)? = fo["name"] else {
                throw ScenarioFailure("a snapshot family without a name")
            }
            var count = 0
            if case let .array(series)? = fo["series"] {
                count = series.count
            }
            fo["series_count"] = .int(Int64(count))
            byName[name] = .object(fo)
        }
        v["families"] = .object(byName)
        return v
    }

    func step(_ op: String, _ s: [String: ScenarioJSON]) async throws -> Outcome {
        switch op {
        case "record_protocol":
            try onlyKeys(s, ["protocol", "operation", "latency_ms", "success", "error"], op)
            let proto = try s.str("protocol")
            let operation = try s.str("operation")
            let latency = interval(ms: try s.u64("latency_ms"))
            let success = try s.bool("success")
            let error = try s.optStr("error")
            m.recordProtocolOperation(protocol: proto, operation: operation, latency: latency, success: success, error: error)
            return .nothing
        case "record_mcp":
            try onlyKeys(s, ["latency_ms", "success", "transport"], op)
            let latency = interval(ms: try s.u64("latency_ms"))
            let success = try s.bool("success")
            let transport = try s.str("transport")
            m.recordMcpRequest(latency: latency, success: success, transport: transport)
            return .nothing
        case "record_custom":
            try onlyKeys(s, ["category", "name", "value", "type"], op)
            guard let value = s["value"]?.number else {
                throw ScenarioFailure("missing number `value`")
            }
            let category = try s.str("category")
            let name = try s.str("name")
            let type = try metricType(try s.str("type"))
            return try attempt {
                try self.m.recordCustomMetric(category: category, name: name, value: value, metricType: type)
                return .nothing
            }
        case "snapshot":
            try onlyKeys(s, [], op)
            let snap = try snapshot()
            return report(.object(snap))
        case "series":
            try onlyKeys(s, ["family", "labels"], op)
            let family = try s.str("family")
            guard case let .object(labels) = try s.value("labels") else {
                throw ScenarioFailure("`labels` must be an object")
            }
            let snap = try snapshot()
            var found: ScenarioJSON = .null
            if case let .object(families)? = snap["families"],
               case let .object(fam)? = families[family],
               case let .array(series)? = fam["series"] {
                for x in series {
                    if case let .object(xo) = x, xo["labels"] == ScenarioJSON.object(labels) {
                        found = x
                        break
                    }
                }
            }
            return report(found)
        case "prometheus":
            try onlyKeys(s, ["contains", "absent"], op)
            let text = m.prometheus()
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            func list(_ k: String) throws -> [String] {
                guard let v = s[k] else { return [] }
                let bad = ScenarioFailure("`\(k)` must be an array of strings")
                guard case let .array(a) = v else { throw bad }
                var out: [String] = []
                for e in a {
                    guard case let .string(str) = e else { throw bad }
                    out.append(str)
                }
                return out
            }
            let missing = try list("contains").filter { !lines.contains($0) }
            let present = try list("absent").filter { p in lines.contains { $0.hasPrefix(p) } }
            if !missing.isEmpty || !present.isEmpty {
                throw ScenarioFailure(
                    "prometheus text mismatch\n    missing lines: \(missing)\n    present but absent expected: \(present)\n    text:\n\(truncate(text))"
                )
            }
            return .nothing
        default:
            throw ScenarioFailure("unknown metrics op `\(op)`")
        }
    }

    /// Kotlin releases the collector here; Swift drops the reference.
    func close() {}
}

// ----- health ------------------------------------------------------------------------------------

private indirect enum CheckStep {
    case ok
    case fail
    case degraded
    case timeout
    case after(UInt64, CheckStep) // (ms, then)
}

private func parseCheckStep(_ v: ScenarioJSON) throws -> CheckStep {
    func simple(_ s: String, allowTimeout: Bool) throws -> CheckStep {
        switch s {
        case "ok":
            return .ok
        case "fail":
            return .fail
        case "degraded":
            return .degraded
        case "timeout":
            if allowTimeout {
                return .timeout
            }
            throw ScenarioFailure("`then` must be ok, fail or degraded, not `timeout`")
        default:
            throw ScenarioFailure("unknown check result `\(s)`")
        }
    }
    switch v {
    case let .string(s):
        return try simple(s, allowTimeout: true)
    case let .object(o):
        try onlyKeys(o, ["after_ms", "then"], "check step")
        let ms = try o.u64("after_ms")
        let then = try simple(try o.str("then"), allowTimeout: false)
        return .after(ms, then)
    default:
        throw ScenarioFailure("unknown check step \(v.text)")
    }
}

/// A health check played from its script (the last entry repeats), waiting on the virtual clock.
private final class ScriptedHealthCheck: HealthCheck, @unchecked Sendable {
    let clock: ManualClock
    let script: [CheckStep]
    private let lock = NSLock()
    private var next = 0

    init(clock: ManualClock, script: [CheckStep]) {
        self.clock = clock
        self.script = script
    }

    private func take() -> CheckStep {
        lock.lock()
        defer { lock.unlock() }
        let step = script[min(next, script.count - 1)]
        next += 1
        return step
    }

    private func outcome(_ step: CheckStep) throws -> HealthCheckOutcome {
        switch step {
        case .fail:
            throw MantraException.HealthCheck(reason: "scripted failure")
        case .degraded:
            return .degraded(reason: "scripted degradation", details: nil)
        default:
            return .healthy(details: nil)
        }
    }

    func check() async throws -> HealthCheckOutcome {
        let step = take()
        switch step {
        case .timeout:
            // Never answers: only the check's timeout ends it (100 years of virtual time).
            await clock.sleep(duration: 36_500 * 86_400)
            throw ScenarioFailure("a `timeout` check answered")
        case let .after(ms, then):
            await clock.sleep(duration: interval(ms: ms))
            return try outcome(then)
        default:
            return try outcome(step)
        }
    }
}

private func statusName(_ s: HealthStatus) -> String {
    switch s {
    case .healthy:
        return "healthy"
    case .degraded:
        return "degraded"
    case .unhealthy:
        return "unhealthy"
    case .unknown:
        return "unknown"
    }
}

private func componentJson(_ c: ComponentHealth) throws -> ScenarioJSON {
    var o: [String: ScenarioJSON] = [:]
    o["name"] = .string(c.name)
    o["status"] = .string(statusName(c.status))
    o["critical"] = .bool(c.critical)
    o["tags"] = .array(c.tags.map { ScenarioJSON.string($0) })
    o["consecutive_failures"] = json(c.consecutiveFailures)
    o["consecutive_successes"] = json(c.consecutiveSuccesses)
    o["last_error"] = json(c.lastError)
    o["output"] = json(c.output)
    if let details = c.details {
        o["details"] = try ScenarioJSON.parse(details)
    } else {
        o["details"] = .null
    }
    if let latency = c.lastLatency {
        // Whole nanoseconds / 1e6, as Kotlin's `toNanos() / 1e6`.
        o["last_latency_ms"] = .double((latency * 1e9).rounded() / 1e6)
    } else {
        o["last_latency_ms"] = .null
    }
    o["total_checks"] = json(c.totalChecks)
    o["total_failures"] = json(c.totalFailures)
    o["recovery_attempts"] = json(c.recoveryAttempts)
    o["recovery_successes"] = json(c.recoverySuccesses)
    return .object(o)
}

/// A round of checks running in the background, and its result once it finished.
private final class Round: @unchecked Sendable {
    private let lock = NSLock()
    private var began = false
    private var result: Result<SystemHealth, Error>?
    var task: Task<Void, Never>?

    func markStarted() {
        lock.lock()
        began = true
        lock.unlock()
    }

    func finish(_ r: Result<SystemHealth, Error>) {
        lock.lock()
        result = r
        lock.unlock()
    }

    var started: Bool {
        lock.lock()
        defer { lock.unlock() }
        return began
    }

    var outcome: Result<SystemHealth, Error>? {
        lock.lock()
        defer { lock.unlock() }
        return result
    }
}

private final class HealthDriver: Driver {
    let checker: HealthChecker
    var round: Round?

    init(_ checker: HealthChecker) {
        self.checker = checker
    }

    static func prepare(_ config: [String: ScenarioJSON], _ checks: ScenarioJSON?, _ clock: ManualClock) throws -> Prepared {
        var parsed: [(String, HealthCheckOptions, [CheckStep])] = []
        switch checks {
        case .none:
            break
        case let .object(m)?:
            // Registered in name order (JSONSerialization does not keep the file's order).
            for name in m.keys.sorted() {
                do {
                    guard case let .object(c)? = m[name] else {
                        throw ScenarioFailure("a check must be an object")
                    }
                    try onlyKeys(c, ["critical", "timeout_ms", "script"], "check")
                    var critical: Bool? = nil
                    if let v = c["critical"] {
                        guard case let .bool(b) = v else {
                            throw ScenarioFailure("`critical` must be a boolean")
                        }
                        critical = b
                    }
                    let timeout = try c.optU64("timeout_ms").map { interval(ms: $0) }
                    guard case let .array(raw)? = c["script"] else {
                        throw ScenarioFailure("missing array `script`")
                    }
                    var script: [CheckStep] = []
                    for e in raw {
                        script.append(try parseCheckStep(e))
                    }
                    if script.isEmpty {
                        throw ScenarioFailure("`script` is empty")
                    }
                    parsed.append((name, HealthCheckOptions(critical: critical, timeout: timeout), script))
                } catch let f as ScenarioFailure {
                    throw ScenarioFailure("checks.\(name): \(f.message)")
                }
            }
        default:
            throw ScenarioFailure("`checks` must be an object")
        }
        let r = ConfigReader(config)
        func u32(_ k: String) throws -> UInt32? {
            guard let n = try r.u64(k) else { return nil }
            guard let v = UInt32(exactly: n) else {
                throw ScenarioFailure("config `\(k)` is too large")
            }
            return v
        }
        let checkInterval = try r.ms("check_interval_ms")
        let checkTimeout = try r.ms("check_timeout_ms")
        let failureThreshold = try u32("failure_threshold")
        let recoveryThreshold = try u32("recovery_threshold")
        let enableAutoChecks = try r.bool("enable_auto_checks")
        let enableAutoRecovery = try r.bool("enable_auto_recovery")
        let enableDiagnostics = try r.bool("enable_diagnostics")
        let recoveryTimeout = try r.ms("recovery_timeout_ms")
        let historySize = try u32("history_size")
        try r.finish()
        let cfg = HealthConfig(
            enableAutoChecks: enableAutoChecks,
            checkInterval: checkInterval,
            checkTimeout: checkTimeout,
            failureThreshold: failureThreshold,
            recoveryThreshold: recoveryThreshold,
            enableAutoRecovery: enableAutoRecovery,
            enableDiagnostics: enableDiagnostics,
            recoveryTimeout: recoveryTimeout,
            historySize: historySize
        )
        let toRegister = parsed
        return {
            let checker = try HealthChecker.withClock(config: cfg, clock: clock)
            for (name, options, script) in toRegister {
                try checker.registerCheck(
                    name: name,
                    check: ScriptedHealthCheck(clock: clock, script: script),
                    options: options
                )
            }
            return HealthDriver(checker)
        }
    }

    /// Starts a round in the background. Kotlin starts it undispatched (the SDK call is made
    /// before `startRound` returns); a Swift Task starts later, so wait until it has begun and
    /// give it a moment to make the call, so the following `settle` sees the round.
    private func startRound() async throws -> Round {
        let round = Round()
        let checker = self.checker
        round.task = Task.detached {
            round.markStarted()
            do {
                let health = try await checker.runHealthChecks()
                round.finish(.success(health))
            } catch {
                round.finish(.failure(error))
            }
        }
        let deadline = Date().addingTimeInterval(5)
        while !round.started {
            if Date() > deadline {
                throw ScenarioFailure("the round's task did not start")
            }
            try? await Task.sleep(nanoseconds: 100_000)
        }
        try? await Task.sleep(nanoseconds: 5_000_000)
        return round
    }

    /// Whether the round finished. The SDK side is settled (the clock tracks the round's
    /// future), so a finished round completes on the host within moments: wait up to
    /// `waitMs` of real time for that.
    private func finished(_ round: Round, waitMs: Int = 1000) async -> Bool {
        let deadline = Date().addingTimeInterval(Double(waitMs) / 1000)
        while round.outcome == nil {
            if Date() > deadline {
                return false
            }
            try? await Task.sleep(nanoseconds: 1_000_000)
        }
        return true
    }

    private func statusOf(_ r: Result<SystemHealth, Error>) throws -> Outcome {
        switch r {
        case let .success(health):
            return exact(.string(statusName(health.overallStatus)))
        case let .failure(error):
            if let e = error as? MantraException {
                return .error(e)
            }
            throw error
        }
    }

    func step(_ op: String, _ s: [String: ScenarioJSON]) async throws -> Outcome {
        switch op {
        case "run":
            try onlyKeys(s, [], op)
            let r = try await startRound()
            let done = await finished(r, waitMs: 5000)
            if !done {
                r.task?.cancel()
                throw ScenarioFailure("the round did not finish without time moving (use run_start)")
            }
            guard let result = r.outcome else {
                throw ScenarioFailure("the round has no result")
            }
            return try statusOf(result)
        case "run_start":
            try onlyKeys(s, [], op)
            if let previous = round {
                let done = await finished(previous)
                if !done {
                    throw ScenarioFailure("a round started by run_start is still running")
                }
            }
            round = try await startRound()
            return .nothing
        case "run_done":
            try onlyKeys(s, [], op)
            guard let r = round else {
                throw ScenarioFailure("no round was started")
            }
            let done = await finished(r)
            return exact(.bool(done))
        case "run_result":
            try onlyKeys(s, [], op)
            guard let r = round else {
                throw ScenarioFailure("no round was started")
            }
            let done = await finished(r)
            if !done {
                throw ScenarioFailure("the round has not finished (advance first)")
            }
            round = nil
            guard let result = r.outcome else {
                throw ScenarioFailure("the round has no result")
            }
            return try statusOf(result)
        case "system":
            try onlyKeys(s, [], op)
            let sys = checker.getSystemHealth()
            var components: [String: ScenarioJSON] = [:]
            for (name, c) in sys.components {
                components[name] = try componentJson(c)
            }
            return report(.object([
                "overall_status": .string(statusName(sys.overallStatus)),
                "components": .object(components),
            ]))
        case "component":
            try onlyKeys(s, ["name"], op)
            let name = try s.str("name")
            guard let c = checker.getProtocolHealth(name: name) else {
                throw ScenarioFailure("no check named `\(name)`")
            }
            let component = try componentJson(c)
            return report(component)
        case "start":
            try onlyKeys(s, [], op)
            checker.start()
            return .nothing
        case "stop":
            try onlyKeys(s, [], op)
            checker.stop()
            return .nothing
        default:
            throw ScenarioFailure("unknown health op `\(op)`")
        }
    }

    func close() {
        checker.stop()
        round?.task?.cancel()
    }
}
