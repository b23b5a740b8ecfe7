import Foundation
import XCTest
@testable import MantraSDK

/// A fetcher running `body` and counting its calls.
final class CountingFetcher: CacheFetcher, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private let body: @Sendable () async throws -> String

    init(_ body: @escaping @Sendable () async throws -> String) {
        self.body = body
    }

    var calls: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    func fetch() async throws -> String {
        lock.lock()
        count += 1
        lock.unlock()
        return try await body()
    }
}

/// A gate fetchers wait on until the test opens it (Kotlin: a CompletableDeferred).
final class Gate: @unchecked Sendable {
    private let lock = NSLock()
    private var isOpen = false

    func open() {
        lock.lock()
        isOpen = true
        lock.unlock()
    }

    var opened: Bool {
        lock.lock()
        defer { lock.unlock() }
        return isOpen
    }

    func wait() async {
        while !opened {
            try? await Task.sleep(nanoseconds: 1_000_000)
        }
    }
}

/// Polls `condition` every 10 ms for at most `timeout` seconds without blocking a thread.
func eventuallyAsync(timeout: TimeInterval = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return condition()
}

/// Mirrors packages/kotlin/src/test/kotlin/mantra/sdk/CacheManagerTest.kt.
final class CacheManagerTests: XCTestCase {
    func testDefaultsComeFromTheCore() throws {
        let cache = try CacheManager()
        let c = cache.config()
        XCTAssertEqual(c.maxEntries, 10_000)
        XCTAssertEqual(c.defaultTtl, 300)
        XCTAssertEqual(c.cleanupInterval, 60)
        XCTAssertEqual(c.maxMemoryBytes, 100 * 1024 * 1024)
        XCTAssertEqual(c.enableStats, true)
        XCTAssertEqual(
            Set(c.ttlByType.keys),
            Set([CacheType.poolInfo, .balance, .block, .nodeStatus, .contractQuery, .simulation, .generic])
        )
        XCTAssertTrue(c.ttlByType.values.allSatisfy { $0 == 300 })
        XCTAssertTrue(cache.isEmpty())
        XCTAssertEqual(cache.stats().hitRate, 0.0)
    }

    func testValuesAreJsonTextNormalizedByTheCore() throws {
        let cache = try CacheManager(config: CacheConfig(maxEntries: 100))
        try cache.put(key: "pool", valueJson: #"{ "id": "o.uom.uusdc", "reserves": ["1", "2"], "fee": 0.003 }"#, cacheType: .poolInfo)
        let normalized = #"{"fee":0.003,"id":"o.uom.uusdc","reserves":["1","2"]}"#
        XCTAssertEqual(cache.get(key: "pool", cacheType: .poolInfo), normalized)
        XCTAssertNil(cache.get(key: "pool", cacheType: .balance), "types are separate namespaces")
        try cache.put(key: "n", valueJson: "42", cacheType: .generic)
        try cache.put(key: "s", valueJson: #""text""#, cacheType: .generic)
        try cache.put(key: "null", valueJson: "null", cacheType: .generic)
        XCTAssertEqual(cache.get(key: "n", cacheType: .generic), "42")
        XCTAssertEqual(cache.get(key: "s", cacheType: .generic), #""text""#)
        XCTAssertEqual(cache.get(key: "null", cacheType: .generic), "null", "a stored null is a hit, not a miss")
        XCTAssertEqual(cache.len(), 4)
        let s = cache.stats()
        XCTAssertEqual(s.hits, 4)
        XCTAssertEqual(s.misses, 1)
        XCTAssertEqual(s.hitRate, 0.8)
        XCTAssertEqual(s.memoryBytes, cache.memoryBytes())
        let expected = try cacheEntryWeight(key: "n", valueJson: "42")
            + cacheEntryWeight(key: "s", valueJson: #""text""#)
            + cacheEntryWeight(key: "null", valueJson: "null")
            + cacheEntryWeight(key: "pool", valueJson: normalized)
        XCTAssertEqual(expected, cache.memoryBytes())
        XCTAssertGreaterThan(try estimateJsonWeight(json: "[1,2,3]"), try estimateJsonWeight(json: "1"))
        XCTAssertEqual(cache.getMany(keys: ["n", "nope", "s"], cacheType: .generic), ["42", nil, #""text""#])
    }

    func testBytesRoundTripAsDataAndAreStoredAsTheirBase64String() throws {
        let cache = try CacheManager()
        let tx = Data([0, 1, 2, 255])
        try cache.putBytes(key: "tx", value: tx, cacheType: .generic)
        XCTAssertEqual(try cache.getBytes(key: "tx", cacheType: .generic), tx)
        XCTAssertEqual(cache.get(key: "tx", cacheType: .generic), #""AAEC/w==""#)
        XCTAssertEqual(try cacheEntryWeight(key: "tx", valueJson: #""AAEC/w==""#), cache.memoryBytes())
        XCTAssertNil(try cache.getBytes(key: "missing", cacheType: .generic))
        try cache.put(key: "json", valueJson: #"{"a":1}"#, cacheType: .generic)
        XCTAssertThrowsError(try cache.getBytes(key: "json", cacheType: .generic)) { error in
            guard let e = error as? MantraException, case .Decode = e else {
                return XCTFail("expected MantraException.Decode, got \(error)")
            }
        }
        XCTAssertTrue(cache.contains(key: "json", cacheType: .generic), "a failed read drops nothing")
    }

    func testBadInputIsAMantraExceptionWithAClearMessage() throws {
        XCTAssertThrowsError(try CacheManager(config: CacheConfig(maxEntries: 0))) { error in
            guard case let .InvalidConfig(reason, field)? = error as? MantraException else {
                return XCTFail("expected InvalidConfig, got \(error)")
            }
            XCTAssertEqual(field, "max_entries")
            XCTAssertTrue(reason.contains("max_entries"))
        }
        XCTAssertThrowsError(try CacheManager(config: CacheConfig(defaultTtl: 0))) { error in
            guard case let .InvalidConfig(reason, _)? = error as? MantraException else {
                return XCTFail("expected InvalidConfig, got \(error)")
            }
            XCTAssertTrue(reason.contains("default_ttl"), reason)
        }
        XCTAssertThrowsError(try CacheManager(config: CacheConfig(ttlByType: [.block: 0]))) { error in
            guard case let .InvalidArgument(reason)? = error as? MantraException else {
                return XCTFail("expected InvalidArgument, got \(error)")
            }
            XCTAssertTrue(reason.contains("block"), reason)
        }
        let cache = try CacheManager()
        XCTAssertThrowsError(try cache.put(key: "k", valueJson: "{oops", cacheType: .generic)) { error in
            guard let e = error as? MantraException, case let .Decode(reason) = e else {
                return XCTFail("expected Decode, got \(error)")
            }
            XCTAssertEqual(e.code(), "decode")
            XCTAssertTrue(reason.contains("cache value must be JSON text"))
        }
        XCTAssertThrowsError(try cache.putWithTtl(key: "k", valueJson: "1", cacheType: .generic, ttl: 0)) { error in
            XCTAssertEqual((error as? MantraException)?.code(), "invalid_argument")
        }
        XCTAssertThrowsError(try estimateJsonWeight(json: "")) { error in
            XCTAssertEqual((error as? MantraException)?.code(), "decode")
        }
        let small = try CacheManager(config: CacheConfig(maxMemoryBytes: 200))
        XCTAssertThrowsError(
            try small.put(key: "big", valueJson: "\"" + String(repeating: "x", count: 1000) + "\"", cacheType: .generic)
        ) { error in
            guard case let .CapacityExceeded(reason)? = error as? MantraException else {
                return XCTFail("expected CapacityExceeded, got \(error)")
            }
            XCTAssertTrue(reason.contains("max_memory_bytes"), reason)
        }
        XCTAssertEqual(small.stats().rejected, 1)
    }

    func testEntriesExpireExactlyAtTheirTtlInVirtualTime() async throws {
        let clock = ManualClock()
        let cache = try CacheManager.withClock(
            config: CacheConfig(defaultTtl: 1, ttlByType: [.block: 5]),
            clock: clock
        )
        try cache.put(key: "a", valueJson: "1", cacheType: .generic)
        try cache.put(key: "b", valueJson: "2", cacheType: .block)
        try cache.putWithTtl(key: "c", valueJson: "3", cacheType: .generic, ttl: interval(ms: 1500))
        // `interval(ms:)` (ScenarioRunner.swift) survives the converter's nanosecond truncation.
        await clock.advance(by: interval(ms: 999))
        XCTAssertEqual(cache.get(key: "a", cacheType: .generic), "1")
        await clock.advance(by: interval(ms: 1))
        XCTAssertNil(cache.get(key: "a", cacheType: .generic), "expired at exactly the TTL")
        XCTAssertEqual(cache.get(key: "c", cacheType: .generic), "3")
        await clock.advance(by: interval(ms: 500))
        XCTAssertNil(cache.get(key: "c", cacheType: .generic))
        XCTAssertEqual(cache.get(key: "b", cacheType: .block), "2")
        XCTAssertEqual(cache.typeTtl(cacheType: .block), 5)
        try cache.setTypeTtl(cacheType: .block, ttl: 9)
        XCTAssertEqual(cache.config().ttlByType[.block], 9)
        XCTAssertEqual(cache.stats().expirations, 2)
        XCTAssertEqual(cache.len(), 1)
        XCTAssertEqual(clock.now(), 1.5)
    }

    func testTheCleanupLoopRunsOnTheManualClock() async throws {
        let clock = ManualClock()
        let cache = try CacheManager.withClock(config: CacheConfig(defaultTtl: 1, cleanupInterval: 10), clock: clock)
        for i in 0..<3 {
            try cache.put(key: "k\(i)", valueJson: "\(i)", cacheType: .generic)
        }
        await clock.advance(by: 5)
        XCTAssertEqual(cache.len(), 3, "expired entries stay until a lookup or cleanup")
        await clock.advance(by: interval(ms: 4999))
        XCTAssertEqual(cache.len(), 3, "cleanup ran before its interval")
        await clock.advance(by: interval(ms: 1))
        XCTAssertEqual(cache.len(), 0, "cleanup did not run at the interval")
        XCTAssertEqual(cache.stats().expirations, 3)
        cache.shutdown()
        XCTAssertTrue(cache.isClosed())
        try cache.put(key: "after", valueJson: "1", cacheType: .generic)
        XCTAssertEqual(cache.get(key: "after", cacheType: .generic), "1", "usable after shutdown")
    }

    func testLruEvictionHonoursBothLimits() throws {
        let cache = try CacheManager(config: CacheConfig(maxEntries: 3))
        for k in ["a", "b", "c"] {
            try cache.put(key: k, valueJson: "1", cacheType: .generic)
        }
        XCTAssertEqual(cache.get(key: "a", cacheType: .generic), "1") // a is now most recent
        try cache.put(key: "d", valueJson: "1", cacheType: .generic)
        XCTAssertNil(cache.get(key: "b", cacheType: .generic), "b was least recently used")
        XCTAssertTrue(cache.contains(key: "a", cacheType: .generic))
        XCTAssertEqual(cache.stats().evictionsCapacity, 1)

        let value = "\"" + String(repeating: "x", count: 100) + "\""
        let w = try cacheEntryWeight(key: "k0", valueJson: value)
        let budget = w * 2 + w / 2
        let bytes = try CacheManager(config: CacheConfig(maxMemoryBytes: budget))
        for i in 0..<3 {
            try bytes.put(key: "k\(i)", valueJson: value, cacheType: .generic)
        }
        XCTAssertEqual(bytes.len(), 2)
        XCTAssertEqual(bytes.stats().evictionsSize, 1)
        XCTAssertLessThanOrEqual(bytes.memoryBytes(), budget)
    }

    func testRemoveClearTypeClearAndCleanupReportWhatTheyDid() async throws {
        let clock = ManualClock()
        let cache = try CacheManager.withClock(config: CacheConfig(defaultTtl: 1), clock: clock)
        try cache.put(key: "a", valueJson: "1", cacheType: .balance)
        try cache.put(key: "b", valueJson: "1", cacheType: .balance)
        try cache.put(key: "c", valueJson: "1", cacheType: .block)
        XCTAssertTrue(cache.remove(key: "a", cacheType: .balance))
        XCTAssertFalse(cache.remove(key: "a", cacheType: .balance))
        XCTAssertEqual(cache.clearType(cacheType: .balance), 1)
        XCTAssertEqual(cache.len(), 1)
        await clock.advance(by: 2)
        XCTAssertEqual(cache.cleanup(), 1)
        try cache.put(key: "d", valueJson: "1", cacheType: .generic)
        cache.clear()
        XCTAssertTrue(cache.isEmpty())
        cache.resetStats()
        XCTAssertEqual(cache.stats().insertions, 0)
    }

    func testGetOrFetchLoadsOnceForConcurrentCallers() async throws {
        let cache = try CacheManager()
        let gate = Gate()
        let fetcher = CountingFetcher {
            await gate.wait()
            return #"{"height":"42"}"#
        }
        let callers = Task {
            try await withThrowingTaskGroup(of: String.self) { group -> [String] in
                for _ in 0..<16 {
                    group.addTask { try await cache.getOrFetch(key: "status", cacheType: .nodeStatus, fetcher: fetcher) }
                }
                var all: [String] = []
                for try await r in group {
                    all.append(r)
                }
                return all
            }
        }
        let loading = await eventuallyAsync { cache.inFlight() == 1 }
        XCTAssertTrue(loading, "no fetch in flight")
        gate.open()
        let results = try await callers.value
        XCTAssertEqual(results.count, 16)
        XCTAssertTrue(results.allSatisfy { $0 == #"{"height":"42"}"# })
        XCTAssertEqual(fetcher.calls, 1)
        XCTAssertEqual(cache.get(key: "status", cacheType: .nodeStatus), #"{"height":"42"}"#)
        let hit = try await cache.getOrFetch(key: "status", cacheType: .nodeStatus, fetcher: fetcher)
        XCTAssertEqual(hit, #"{"height":"42"}"#, "a hit")
        XCTAssertEqual(fetcher.calls, 1)
    }

    func testFetchErrorsReachTheCallerTypedAndAreNotCached() async throws {
        let cache = try CacheManager()
        let plain = await expectMantraError {
            try await cache.getOrFetch(key: "k", cacheType: .generic, fetcher: CountingFetcher {
                throw PlainError(description: "urlsession down")
            })
        }
        XCTAssertEqual(plain?.code(), "host")
        XCTAssertTrue(plain?.reason().contains("urlsession down") ?? false)
        let typed = await expectMantraError {
            try await cache.getOrFetch(key: "k", cacheType: .generic, fetcher: CountingFetcher {
                throw MantraException.Transport(reason: "HTTP 503", status: 503, retryAfter: 2)
            })
        }
        guard case let .Transport(_, status, retryAfter)? = typed else {
            return XCTFail("expected Transport, got \(String(describing: typed))")
        }
        XCTAssertEqual(status, 503)
        XCTAssertEqual(retryAfter, 2)
        let notJson = await expectMantraError {
            try await cache.getOrFetch(key: "k", cacheType: .generic, fetcher: CountingFetcher { "not json" })
        }
        guard case let .Decode(reason)? = notJson else {
            return XCTFail("expected Decode, got \(String(describing: notJson))")
        }
        XCTAssertTrue(reason.contains("fetched cache value must be JSON text"), reason)
        XCTAssertFalse(cache.contains(key: "k", cacheType: .generic))
        let value = try await cache.getOrFetch(key: "k", cacheType: .generic, fetcher: CountingFetcher { "7" })
        XCTAssertEqual(value, "7")
    }

    func testManyTasksShareOneCache() async throws {
        let cache = try CacheManager(config: CacheConfig(maxEntries: 1000))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    for i in 0..<2000 {
                        let k = "k\((t * 2000 + i) % 500)"
                        try cache.put(key: k, valueJson: "\(i)", cacheType: .generic)
                        _ = cache.get(key: k, cacheType: .generic)
                    }
                }
            }
            try await group.waitForAll()
        }
        XCTAssertEqual(cache.len(), 500)
        let s = cache.stats()
        XCTAssertEqual(s.hits + s.misses, 16_000)
        XCTAssertEqual(s.insertions, 16_000)
    }
}
