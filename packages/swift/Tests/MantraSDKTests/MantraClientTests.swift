import Foundation
import XCTest
@testable import MantraSDK

/// The devnet's RPC URLs (`scripts/devnet up`; the same env vars as the Kotlin test reads,
/// `.devnet/env` sets them).
let devnet: [String] = [
    ProcessInfo.processInfo.environment["MANTRA_RPC_1"] ?? "http://127.0.0.1:26657",
    ProcessInfo.processInfo.environment["MANTRA_RPC_2"] ?? "http://127.0.0.1:26757",
]

/// A host transport on URLSession, as an app would write one.
final class URLSessionTransport: HostTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var requests: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    func send(request: HttpRequestRecord) async throws -> HttpResponseRecord {
        lock.lock()
        count += 1
        lock.unlock()
        guard let url = URL(string: request.url) else {
            throw MantraException.Transport(reason: "bad URL", status: nil, retryAfter: nil)
        }
        var r = URLRequest(url: url)
        r.httpMethod = request.method == .post ? "POST" : "GET"
        if let t = request.timeout { r.timeoutInterval = t }
        for (k, v) in request.headers { r.setValue(v, forHTTPHeaderField: k) }
        if request.method == .post {
            r.setValue("application/json", forHTTPHeaderField: "content-type")
            r.httpBody = request.body
        }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: r)
        } catch {
            throw MantraException.Transport(reason: "urlsession: \(error)", status: nil, retryAfter: nil)
        }
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http?.allHeaderFields ?? [:] {
            headers["\(k)"] = "\(v)"
        }
        return HttpResponseRecord(status: UInt16(http?.statusCode ?? 0), body: data, headers: headers)
    }
}

/// A transport that answers the first POST after `armed` with a 503 (`Retry-After: 0`) itself
/// and passes everything else to URLSession (the Kotlin test's anonymous subclass).
final class FlakyTransport: HostTransport, @unchecked Sendable {
    let inner = URLSessionTransport()
    private let lock = NSLock()
    private var isArmed = false
    private var didInject = false

    var armed: Bool {
        get {
            lock.lock()
            defer { lock.unlock() }
            return isArmed
        }
        set {
            lock.lock()
            isArmed = newValue
            lock.unlock()
        }
    }

    var injected: Bool {
        lock.lock()
        defer { lock.unlock() }
        return didInject
    }

    private func takeInjection(_ request: HttpRequestRecord) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if isArmed && request.method == .post && !didInject {
            didInject = true
            return true
        }
        return false
    }

    func send(request: HttpRequestRecord) async throws -> HttpResponseRecord {
        if takeInjection(request) {
            return HttpResponseRecord(status: 503, body: Data("busy".utf8), headers: ["Retry-After": "0"])
        }
        return try await inner.send(request: request)
    }
}

/// A transport whose every request fails without a response.
final class UnreachableTransport: HostTransport, @unchecked Sendable {
    func send(request: HttpRequestRecord) async throws -> HttpResponseRecord {
        throw PlainError(description: "no route to node")
    }
}

/// Mirrors packages/kotlin/src/test/kotlin/mantra/sdk/MantraClientTest.kt (needs the devnet).
final class MantraClientTests: XCTestCase {
    private func nonce() -> String {
        "\(DispatchTime.now().uptimeNanoseconds)"
    }

    private func connect(
        transport: HostTransport? = nil,
        config: ClientConfig = ClientConfig(endpoints: devnet)
    ) async throws -> MantraClient {
        try await MantraClient.connect(config: config, transport: transport)
    }

    private func jsonObject(_ text: String) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        return try XCTUnwrap(value as? [String: Any], "not a JSON object: \(text)")
    }

    /// Polls `abciQuery` until the kvstore has `key` (a tx committed), at most 20 s.
    private func awaitKey(_ client: MantraClient, _ key: Data) async throws -> AbciQueryResult {
        let deadline = Date().addingTimeInterval(20)
        while true {
            let q = try await client.abciQuery(path: "", data: key)
            if q.log == "exists" || Date() > deadline {
                return q
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    func testReadsGoThroughTheSdkToTheRealNode() async throws {
        let client = try await connect()
        let status = try await client.status()
        XCTAssertGreaterThanOrEqual(status.latestBlockHeight, 1, "\(status)")
        XCTAssertFalse(status.network.isEmpty)
        XCTAssertEqual(status.catchingUp, false)
        XCTAssertTrue(status.json.contains("\"sync_info\""))
        try await client.healthCheck()

        let first = try await client.block(height: 1)
        XCTAssertEqual(first.height, 1)
        XCTAssertEqual(first.chainId, status.network)
        XCTAssertEqual(first.hash.count, 64)
        let latest = try await client.block()
        XCTAssertGreaterThanOrEqual(latest.height, 1)

        let infoText = try await client.call(method: "abci_info")
        let info = try jsonObject(infoText)
        let response = try XCTUnwrap(info["response"] as? [String: Any])
        XCTAssertNotNil(response["last_block_height"])
        let validatorsText = try await client.call(method: "validators", paramsJson: "{}")
        let validators = try jsonObject(validatorsText)
        let list = try XCTUnwrap(validators["validators"] as? [Any])
        XCTAssertFalse(list.isEmpty)

        let e = await expectMantraError { try await client.call(method: "no_such_method") }
        guard case let .Rpc(_, rpcCode, _)? = e else {
            return XCTFail("expected Rpc, got \(String(describing: e))")
        }
        XCTAssertEqual(rpcCode, -32601)
    }

    func testAWriteBecomesVisibleToAbciQueryAndBlockAndSmartQueriesDecode() async throws {
        // No caching of latest-height queries: the test polls until its tx is committed.
        let config = ClientConfig(endpoints: devnet, cachePolicy: CachePolicy(queryLatestTtl: 0))
        let client = try await connect(config: config)
        let key = "k\(nonce())"
        let sent = try await client.broadcastTxSync(tx: Data("\(key)=v1".utf8))
        XCTAssertEqual(sent.code, 0, sent.log)
        XCTAssertEqual(sent.hash.count, 64)
        let q = try await awaitKey(client, Data(key.utf8))
        XCTAssertEqual(q.log, "exists")
        XCTAssertEqual(String(decoding: q.value, as: UTF8.self), "v1")
        let at = try await client.abciQuery(path: "", data: Data(key.utf8), height: UInt64(q.height))
        XCTAssertEqual(String(decoding: at.value, as: UTF8.self), "v1")
        let missing = try await client.abciQuery(path: "", data: Data("nothing-\(nonce())".utf8))
        XCTAssertEqual(missing.value.count, 0)

        // CosmWasm smart query: store a QuerySmartContractStateResponse under the request's
        // key (kvstore is not wasmd); the SDK encodes, queries and decodes.
        let contract = "mantra1contract\(nonce())"
        let query = Data("\"config\"".utf8)
        var request = Data([0x0a, UInt8(contract.utf8.count)])
        request.append(Data(contract.utf8))
        request.append(contentsOf: [0x12, UInt8(query.count)])
        request.append(query)
        let reply = Data(#"["o.uom.uusdc","1000"]"#.utf8)
        var response = Data([0x0a, UInt8(reply.count)])
        response.append(reply)
        var tx = request
        tx.append(Data("=".utf8))
        tx.append(response)
        let stored = try await client.broadcastTxSync(tx: tx)
        XCTAssertEqual(stored.code, 0, stored.log)
        _ = try await awaitKey(client, request)
        let decoded = try await client.smartQuery(contract: contract, msgJson: "\"config\"")
        XCTAssertEqual(decoded, #"["o.uom.uusdc","1000"]"#)
        let none = await expectMantraError { try await client.smartQuery(contract: "mantra1none\(self.nonce())", msgJson: "{}") }
        guard case let .Decode(reason)? = none else {
            return XCTFail("expected Decode, got \(String(describing: none))")
        }
        XCTAssertTrue(reason.contains("empty"), reason)
        let notJson = await expectMantraError { try await client.smartQuery(contract: contract, msgJson: "{not json") }
        XCTAssertEqual(notJson?.code(), "decode")
    }

    func testCacheMetricsHealthAndPoolAreTheClientsOwn() async throws {
        let client = try await connect()
        let cache = try XCTUnwrap(client.cache())
        let before = cache.stats().hits
        let a = try await client.status()
        let b = try await client.status() // within node_status_ttl (1 s): a cache hit
        XCTAssertEqual(a.latestBlockHeight, b.latestBlockHeight)
        XCTAssertGreaterThan(cache.stats().hits, before, "status was not served from the cache")
        let stats = try jsonObject(client.statsJson())
        let cacheHits = try XCTUnwrap(stats["cache_hits"] as? NSNumber)
        XCTAssertGreaterThanOrEqual(cacheHits.int64Value, 1)

        let prom = client.prometheus()
        XCTAssertTrue(prom.contains(#"mantra_protocol_operations_total{protocol="rpc",operation="status",status="success"}"#))
        XCTAssertTrue(client.metrics().prometheus().contains("mantra_client_call_duration_seconds"))

        let report = try await client.runHealthChecks()
        XCTAssertEqual(report.overallStatus, .healthy, "\(report)")
        XCTAssertTrue(report.components.keys.contains { $0.hasPrefix("endpoint:") })
        XCTAssertEqual(client.endpointHealth(url: devnet[0])?.status, .healthy)
        XCTAssertEqual(client.health().overallStatus(), report.overallStatus)

        let pool = client.poolStats()
        XCTAssertEqual(pool.endpoints.count, 2)
        XCTAssertEqual(pool.healthyEndpoints, 2)
        XCTAssertTrue(pool.endpoints.allSatisfy { $0.breaker == .closed })

        // Concurrent identical reads: batched, shared, all answered.
        let heights = try await withThrowingTaskGroup(of: UInt64.self) { group -> [UInt64] in
            for _ in 0..<20 {
                group.addTask { try await client.block(height: 1).height }
            }
            var all: [UInt64] = []
            for try await h in group {
                all.append(h)
            }
            return all
        }
        XCTAssertEqual(heights.count, 20)
        XCTAssertTrue(heights.allSatisfy { $0 == 1 })

        client.shutdown()
        XCTAssertTrue(client.isClosed())
        let closed = await expectMantraError { try await client.call(method: "health") }
        XCTAssertEqual(closed?.code(), "closed")
    }

    func testASwiftTransportOnUrlSessionCarriesEveryRequest() async throws {
        let transport = URLSessionTransport()
        let client = try await connect(transport: transport)
        let warmup = transport.requests
        XCTAssertGreaterThanOrEqual(warmup, 2, "warm-up pings go through the host transport")
        let status = try await client.status()
        XCTAssertGreaterThanOrEqual(status.latestBlockHeight, 1)
        let block = try await client.block(height: 1)
        XCTAssertEqual(block.height, 1)
        XCTAssertGreaterThan(transport.requests, warmup)
        let report = try await client.runHealthChecks()
        XCTAssertEqual(report.overallStatus, .healthy)
        XCTAssertEqual(client.poolStats().healthyEndpoints, 2)
        client.shutdown()
    }

    func testARetryableStatusFromTheHostTransportIsRetriedByTheSdk() async throws {
        let transport = FlakyTransport()
        let client = try await connect(transport: transport)
        transport.armed = true
        let block = try await client.block(height: 1)
        XCTAssertEqual(block.height, 1)
        XCTAssertTrue(transport.injected, "the 503 was never served")
        let failures = client.poolStats().endpoints.reduce(UInt64(0)) { $0 + $1.totalFailures }
        XCTAssertGreaterThanOrEqual(failures, 1, "the 503 did not count as an endpoint failure")
    }

    func testConstructionFailuresAreTyped() async throws {
        let empty = await expectMantraError { try await self.connect(config: ClientConfig(endpoints: [])) }
        guard case let .InvalidConfig(_, field)? = empty else {
            return XCTFail("expected InvalidConfig, got \(String(describing: empty))")
        }
        XCTAssertEqual(field, "endpoints")

        let url = await expectMantraError { try await self.connect(config: ClientConfig(endpoints: ["ftp://x"])) }
        guard case let .InvalidConfig(urlReason, _)? = url else {
            return XCTFail("expected InvalidConfig, got \(String(describing: url))")
        }
        XCTAssertTrue(urlReason.contains("http"), urlReason)

        let down = await expectMantraError { try await self.connect(transport: UnreachableTransport()) }
        guard case let .Transport(downReason, _, _)? = down else {
            return XCTFail("expected Transport, got \(String(describing: down))")
        }
        XCTAssertTrue(downReason.contains("no route to node"), downReason)

        let dead = await expectMantraError {
            try await self.connect(config: ClientConfig(
                endpoints: ["http://127.0.0.1:9"],
                pool: ConnectionPoolConfig(connectionTimeout: 2)
            ))
        }
        guard case let .Transport(deadReason, _, _)? = dead else {
            return XCTFail("expected Transport, got \(String(describing: dead))")
        }
        XCTAssertTrue(deadReason.contains("no RPC endpoint answered"), deadReason)
    }

    func testTheBlockingConstructorWorksOutsideAsyncCode() async throws {
        // The synchronous initializer (Kotlin: the constructor outside coroutines).
        let client = try MantraClient(config: ClientConfig(endpoints: devnet, disableCache: true, disableBatching: true))
        XCTAssertNil(client.cache())
        let status = try await client.status()
        XCTAssertGreaterThanOrEqual(status.latestBlockHeight, 1)
    }
}
