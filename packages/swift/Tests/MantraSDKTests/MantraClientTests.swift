import Foundation
import XCTest
@testable import MantraSDK

/// The devnet's RPC URLs (`scripts/devnet up`).
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

/// Mirrors packages/kotlin/src/test/kotlin/mantra/sdk/MantraClientTest.kt (needs the devnet).
final class MantraClientTests: XCTestCase {
    func testReadsGoThroughTheSdkToTheRealNode() async throws {
        let client = try await MantraClient.connect(config: ClientConfig(endpoints: devnet))
        let status = try await client.status()
        XCTAssertGreaterThanOrEqual(status.latestBlockHeight, 1)
        XCTAssertFalse(status.network.isEmpty)
        try await client.healthCheck()
        let first = try await client.block(height: 1)
        XCTAssertEqual(first.height, 1)
        let info = try await client.call(method: "abci_info", paramsJson: "{}")
        XCTAssertTrue(info.contains("last_block_height"))
        let e = await expectMantraError { try await client.call(method: "no_such_method", paramsJson: "{}") }
        guard case let .Rpc(_, rpcCode, _)? = e else {
            return XCTFail("expected Rpc, got \(String(describing: e))")
        }
        XCTAssertEqual(rpcCode, -32601)
        client.shutdown()
    }

    func testASwiftTransportOnUrlSessionCarriesEveryRequest() async throws {
        let transport = URLSessionTransport()
        let client = try await MantraClient.connect(config: ClientConfig(endpoints: devnet), transport: transport)
        let warmup = transport.requests
        XCTAssertGreaterThanOrEqual(warmup, 2)
        let status = try await client.status()
        XCTAssertGreaterThanOrEqual(status.latestBlockHeight, 1)
        XCTAssertGreaterThan(transport.requests, warmup)
        let report = try await client.runHealthChecks()
        XCTAssertEqual(report.overallStatus, .healthy)
        XCTAssertEqual(client.poolStats().healthyEndpoints, 2)
        client.shutdown()
    }

    func testConstructionFailuresAreTyped() async throws {
        let e = await expectMantraError { try await MantraClient.connect(config: ClientConfig(endpoints: [])) }
        guard case let .InvalidConfig(_, field)? = e else {
            return XCTFail("expected InvalidConfig, got \(String(describing: e))")
        }
        XCTAssertEqual(field, "endpoints")
    }
}
