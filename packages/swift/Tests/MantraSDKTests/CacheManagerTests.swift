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

/// Mirrors packages/kotlin/src/test/kotlin/mantra/sdk/CacheManagerTest.kt.
final class CacheManagerTests: XCTestCase {
    func testDefaultsComeFromTheCore() throws {
        let cache = try CacheManager()
        let c = cache.config()
        XCTAssertEqual(c.maxEntries, 10_000)
        XCTAssertEqual(c.defaultTtl, 300)
        XCTAssertEqual(c.cleanupInterval, 60)
        XCTAssertEqual(c.maxMemoryBytes, 100 * 1024 * 1024)
        XCTAssertEqual(c.ttlByType.count, 7)
        XCTAssertTrue(cache.isEmpty())
    }

    func testValuesAreJsonTextNormalizedByTheCore() throws {
        let cache = try CacheManager(config: CacheConfig(maxEntries: 100))
        try cache.put(key: "pool", valueJson: #"{ "id": "o.uom.uusdc", "fee": 0.003 }"#, cacheType: .poolInfo)
        XCTAssertEqual(cache.get(key: "pool", cacheType: .poolInfo), #"{"fee":0.003,"id":"o.uom.uusdc"}"#)
        XCTAssertNil(cache.get(key: "pool", cacheType: .balance), "types are separate namespaces")
        let s = cache.stats()
        XCTAssertEqual(s.hits, 1)
        XCTAssertEqual(s.misses, 1)
        XCTAssertEqual(
            try cacheEntryWeight(key: "pool", valueJson: #"{"fee":0.003,"id":"o.uom.uusdc"}"#),
            cache.memoryBytes()
        )
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
        XCTAssertThrowsError(try CacheManager(config: CacheConfig(ttlByType: [.block: 0]))) { error in
            XCTAssertEqual((error as? MantraException)?.code(), "invalid_argument")
        }
        let cache = try CacheManager()
        XCTAssertThrowsError(try cache.put(key: "k", valueJson: "{oops", cacheType: .generic)) { error in
            guard case let .Decode(reason)? = error as? MantraException else {
                return XCTFail("expected Decode, got \(error)")
            }
            XCTAssertTrue(reason.contains("cache value must be JSON text"))
        }
        let small = try CacheManager(config: CacheConfig(maxMemoryBytes: 200))
        XCTAssertThrowsError(
            try small.put(key: "big", valueJson: "\"" + String(repeating: "x", count: 1000) + "\"", cacheType: .generic)
        ) { error in
            XCTAssertEqual((error as? MantraException)?.code(), "capacity_exceeded")
        }
    }

    func testEntriesExpireExactlyAtTheirTtlInVirtualTime() async throws {
        let clock = ManualClock()
        let cache = try CacheManager.withClock(config: CacheConfig(defaultTtl: 1), clock: clock)
        try cache.put(key: "a", valueJson: "1", cacheType: .generic)
        // TimeInterval → Duration truncates to whole nanoseconds: step by binary fractions.
        await clock.advance(by: 0.5)
        XCTAssertEqual(cache.get(key: "a", cacheType: .generic), "1")
        await clock.advance(by: 0.5)
        XCTAssertNil(cache.get(key: "a", cacheType: .generic), "expired at exactly the TTL")
        XCTAssertEqual(cache.stats().expirations, 1)
    }

    func testTheCleanupLoopRunsOnTheManualClock() async throws {
        let clock = ManualClock()
        let cache = try CacheManager.withClock(config: CacheConfig(defaultTtl: 1, cleanupInterval: 10), clock: clock)
        for i in 0..<3 {
            try cache.put(key: "k\(i)", valueJson: "\(i)", cacheType: .generic)
        }
        await clock.advance(by: 9.5)
        XCTAssertEqual(cache.len(), 3, "expired entries stay until a lookup or cleanup")
        await clock.advance(by: 0.5)
        XCTAssertEqual(cache.len(), 0, "cleanup did not run at the interval")
    }

    func testGetOrFetchLoadsOnceForConcurrentCallers() async throws {
        let cache = try CacheManager()
        let fetcher = CountingFetcher {
            try await Task.sleep(nanoseconds: 50_000_000)
            return #"{"height":"42"}"#
        }
        let results = try await withThrowingTaskGroup(of: String.self) { group -> [String] in
            for _ in 0..<16 {
                group.addTask { try await cache.getOrFetch(key: "status", cacheType: .nodeStatus, fetcher: fetcher) }
            }
            var all: [String] = []
            for try await r in group {
                all.append(r)
            }
            return all
        }
        XCTAssertEqual(results.count, 16)
        XCTAssertTrue(results.allSatisfy { $0 == #"{"height":"42"}"# })
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
        XCTAssertFalse(cache.contains(key: "k", cacheType: .generic))
    }
}
