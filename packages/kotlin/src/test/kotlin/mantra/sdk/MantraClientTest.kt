package mantra.sdk

import java.io.IOException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.Test

/** The devnet's RPC URLs (`scripts/devnet up`; `make test-kotlin` passes `.devnet/env`). */
val devnet: List<String> = listOf(
    System.getenv("MANTRA_RPC_1") ?: "http://127.0.0.1:26657",
    System.getenv("MANTRA_RPC_2") ?: "http://127.0.0.1:26757",
)

/** A host transport on the JDK's `java.net.http.HttpClient`, as an app would write one. */
open class JavaHttpTransport : HostTransport {
    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
    val requests = AtomicInteger()

    override suspend fun send(request: HttpRequestRecord): HttpResponseRecord {
        requests.incrementAndGet()
        val b = HttpRequest.newBuilder(URI.create(request.url))
        request.timeout?.let { b.timeout(it) }
        request.headers.forEach { (k, v) -> b.header(k, v) }
        when (request.method) {
            HttpMethod.GET -> b.GET()
            HttpMethod.POST -> b.header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.body))
        }
        val response = try {
            http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray()).await()
        } catch (e: IOException) {
            // No response: a transport error (retryable); the SDK decides what to do.
            throw MantraException.Transport("java.net.http: $e", status = null, retryAfter = null)
        }
        return HttpResponseRecord(
            status = response.statusCode().toUShort(),
            body = response.body(),
            headers = response.headers().map().mapValues { it.value.joinToString(", ") },
        )
    }
}

class MantraClientTest {
    private fun nonce() = "${System.nanoTime()}"

    private suspend fun connect(
        transport: HostTransport? = null,
        config: ClientConfig = ClientConfig(endpoints = devnet),
    ) = MantraClient.connect(config, transport)

    /** Polls `abciQuery` until the kvstore has [key] (a tx committed), at most 20 s. */
    private suspend fun awaitKey(client: MantraClient, key: ByteArray): AbciQueryResult {
        val deadline = System.nanoTime() + 20_000_000_000
        while (true) {
            val q = client.abciQuery("", key)
            if (q.log == "exists" || System.nanoTime() > deadline) return q
            delay(100)
        }
    }

    @Test
    fun `reads go through the SDK to the real node`() = runBlocking<Unit> {
        connect().use { client ->
            val status = client.status()
            assertTrue(status.latestBlockHeight >= 1uL, "$status")
            assertTrue(status.network.isNotEmpty())
            assertEquals(false, status.catchingUp)
            assertContains(status.json, "\"sync_info\"")
            client.healthCheck()

            val first = client.block(1uL)
            assertEquals(1uL, first.height)
            assertEquals(status.network, first.chainId)
            assertEquals(64, first.hash.length)
            val latest = client.block()
            assertTrue(latest.height >= 1uL)

            val info = Json.parseToJsonElement(client.call("abci_info")).jsonObject
            assertTrue(info.getValue("response").jsonObject.containsKey("last_block_height"))
            val validators = Json.parseToJsonElement(client.call("validators", "{}")).jsonObject
            assertTrue(validators.getValue("validators").jsonArray.isNotEmpty())

            val e = assertFailsWith<MantraException.Rpc> { client.call("no_such_method") }
            assertEquals(-32601L, e.rpcCode)
        }
    }

    @Test
    fun `a write becomes visible to abciQuery and block, and smart queries decode`() = runBlocking<Unit> {
        // No caching of latest-height queries: the test polls until its tx is committed.
        val config = ClientConfig(endpoints = devnet, cachePolicy = CachePolicy(queryLatestTtl = Duration.ZERO))
        connect(config = config).use { client ->
            val key = "k${nonce()}"
            val tx = "$key=v1".toByteArray()
            val sent = client.broadcastTxSync(tx)
            assertEquals(0u, sent.code, sent.log)
            assertEquals(64, sent.hash.length)
            val q = awaitKey(client, key.toByteArray())
            assertEquals("exists", q.log)
            assertEquals("v1", q.value.decodeToString())
            val at = client.abciQuery("", key.toByteArray(), q.height.toULong())
            assertEquals("v1", at.value.decodeToString())
            val missing = client.abciQuery("", "nothing-${nonce()}".toByteArray())
            assertEquals(0, missing.value.size)

            // CosmWasm smart query: store a QuerySmartContractStateResponse under the
            // request's key (kvstore is not wasmd); the SDK encodes, queries and decodes.
            val contract = "mantra1contract${nonce()}"
            val query = "\"config\"".toByteArray()
            val request = byteArrayOf(0x0a, contract.length.toByte()) + contract.toByteArray() +
                byteArrayOf(0x12, query.size.toByte()) + query
            val reply = """["o.uom.uusdc","1000"]""".toByteArray()
            val response = byteArrayOf(0x0a, reply.size.toByte()) + reply
            assertEquals(0u, client.broadcastTxSync(request + "=".toByteArray() + response).code)
            awaitKey(client, request)
            assertEquals("""["o.uom.uusdc","1000"]""", client.smartQuery(contract, "\"config\""))
            val none = assertFailsWith<MantraException.Decode> { client.smartQuery("mantra1none${nonce()}", "{}") }
            assertContains(none.reason, "empty")
            assertFailsWith<MantraException.Decode> { client.smartQuery(contract, "{not json") }
        }
    }

    @Test
    fun `cache, metrics, health and pool are the client's own`() = runBlocking<Unit> {
        connect().use { client ->
            val cache = assertNotNull(client.cache())
            val before = cache.stats().hits
            val a = client.status()
            val b = client.status() // within node_status_ttl (1 s): a cache hit
            assertEquals(a.latestBlockHeight, b.latestBlockHeight)
            assertTrue(cache.stats().hits > before, "status was not served from the cache")
            val stats = Json.parseToJsonElement(client.statsJson()).jsonObject
            assertTrue(stats.getValue("cache_hits").jsonPrimitive.long >= 1)

            val prom = client.prometheus()
            assertContains(prom, "mantra_protocol_operations_total{protocol=\"rpc\",operation=\"status\",status=\"success\"}")
            assertContains(client.metrics().prometheus(), "mantra_client_call_duration_seconds")

            val report = client.runHealthChecks()
            assertEquals(HealthStatus.HEALTHY, report.overallStatus, "$report")
            assertTrue(report.components.keys.any { it.startsWith("endpoint:") })
            assertEquals(HealthStatus.HEALTHY, client.endpointHealth(devnet[0])?.status)
            assertEquals(report.overallStatus, client.health().overallStatus())

            val pool = client.poolStats()
            assertEquals(2, pool.endpoints.size)
            assertEquals(2uL, pool.healthyEndpoints)
            assertTrue(pool.endpoints.all { it.breaker == CircuitState.CLOSED })

            // Concurrent identical reads: batched, shared, all answered.
            val heights = (1..20).map { async(Dispatchers.Default) { client.block(1uL).height } }.awaitAll()
            assertTrue(heights.all { it == 1uL })

            client.shutdown()
            assertTrue(client.isClosed())
            assertIs<MantraException.Closed>(assertFailsWith<MantraException> { client.call("health") })
        }
    }

    /** A [JavaHttpTransport] keeping each POST body, holding those that contain `"hold"`. */
    private class RecordingTransport : JavaHttpTransport() {
        val bodies: MutableList<String> = java.util.Collections.synchronizedList(mutableListOf())

        override suspend fun send(request: HttpRequestRecord): HttpResponseRecord {
            if (request.method == HttpMethod.POST) {
                val body = String(request.body)
                bodies.add(body)
                if (body.contains("\"hold\"")) delay(2_000)
            }
            return super.send(request)
        }

        fun sent(text: String) = bodies.count { it.contains(text) }
    }

    @Test
    fun `call options reach the client, and a cancelled call waiting for its batch is never sent`() = runBlocking<Unit> {
        val transport = RecordingTransport()
        connect(transport).use { client ->
            // bypassCache: a cached reply is fetched again.
            client.call("status")
            client.call("status")
            assertEquals(1, transport.sent("\"status\""), "the second status came from the cache")
            client.call("status", bypassCache = true)
            assertEquals(2, transport.sent("\"status\""))
            // timeout: this call's deadline, not the client's 30 s.
            val t = assertFailsWith<MantraException.Timeout> {
                client.call("abci_info", "{\"hold\":1}", timeout = Duration.ofMillis(300))
            }
            assertContains(t.reason, "300")
            assertFailsWith<MantraException.InvalidArgument> { client.call("abci_info", timeout = Duration.ZERO) }
            assertContains(client.call("abci_info", priority = Priority.HIGH), "last_block_height")
        }

        // Cancelled while it waits 1 s for its batch: never sent.
        val slow = RecordingTransport()
        val config = ClientConfig(endpoints = devnet, batch = BatchConfig(maxBatchDelay = Duration.ofSeconds(1)))
        connect(slow, config).use { client ->
            val job = async { client.call("abci_info", "{\"abandoned\":1}") }
            delay(20)
            job.cancel()
            delay(1_500)
            assertEquals(0, slow.sent("abandoned"), "a cancelled call was sent")
            val stats = Json.parseToJsonElement(client.statsJson()).jsonObject
            assertEquals(1L, stats.getValue("batch").jsonObject.getValue("cancelled").jsonPrimitive.long)
            assertTrue(stats.getValue("cancelled").jsonPrimitive.long >= 1)
        }
    }

    @Test
    fun `cancelling every call of a held batch frees its slot at once`() = runBlocking<Unit> {
        // One batch in flight at a time; the transport holds the first for 2 s.
        val slow = RecordingTransport()
        val config = ClientConfig(endpoints = devnet, batch = BatchConfig(maxConcurrentBatches = 1u))
        connect(slow, config).use { client ->
            val held = async { client.call("abci_info", "{\"hold\":1}") }
            while (slow.sent("hold") == 0) delay(5)
            held.cancel()
            // Its only caller left: the slot frees and the next call goes out at once, not
            // after the 2 s hold (a bound, not a speed).
            val next = kotlinx.coroutines.withTimeout(1_000) { client.call("abci_info", "{\"next\":1}") }
            assertContains(next, "last_block_height")
            val stats = Json.parseToJsonElement(client.statsJson()).jsonObject
            assertEquals(1L, stats.getValue("batch").jsonObject.getValue("cancelled").jsonPrimitive.long)
        }
    }

    @Test
    fun `a Kotlin transport on java net http carries every request`() = runBlocking<Unit> {
        val transport = JavaHttpTransport()
        connect(transport).use { client ->
            val warmup = transport.requests.get()
            assertTrue(warmup >= 2, "warm-up pings go through the host transport")
            assertTrue(client.status().latestBlockHeight >= 1uL)
            assertEquals(1uL, client.block(1uL).height)
            assertTrue(transport.requests.get() > warmup)
            assertEquals(HealthStatus.HEALTHY, client.runHealthChecks().overallStatus)
        }
    }

    @Test
    fun `a retryable status from the host transport is retried by the SDK`() = runBlocking<Unit> {
        val injected = AtomicBoolean(false)
        val transport = object : JavaHttpTransport() {
            val armed = AtomicBoolean(false)
            override suspend fun send(request: HttpRequestRecord): HttpResponseRecord {
                if (armed.get() && request.method == HttpMethod.POST && injected.compareAndSet(false, true)) {
                    requests.incrementAndGet()
                    return HttpResponseRecord(503u, "busy".toByteArray(), mapOf("Retry-After" to "0"))
                }
                return super.send(request)
            }
        }
        connect(transport).use { client ->
            transport.armed.set(true)
            assertEquals(1uL, client.block(1uL).height)
            assertTrue(injected.get(), "the 503 was never served")
            val failures = client.poolStats().endpoints.sumOf { it.totalFailures }
            assertTrue(failures >= 1uL, "the 503 did not count as an endpoint failure")
        }
    }

    @Test
    fun `construction failures are typed`() = runBlocking<Unit> {
        val empty = assertFailsWith<MantraException.InvalidConfig> { connect(config = ClientConfig(endpoints = emptyList())) }
        assertEquals("endpoints", empty.field)
        val url = assertFailsWith<MantraException.InvalidConfig> { connect(config = ClientConfig(endpoints = listOf("ftp://x"))) }
        assertContains(url.reason, "http")
        val failing = object : HostTransport {
            override suspend fun send(request: HttpRequestRecord): HttpResponseRecord = throw IOException("no route to node")
        }
        val down = assertFailsWith<MantraException.Transport> { connect(failing) }
        assertContains(down.reason, "no route to node")
        val dead = assertFailsWith<MantraException.Transport> {
            connect(config = ClientConfig(
                endpoints = listOf("http://127.0.0.1:9"),
                pool = ConnectionPoolConfig(connectionTimeout = Duration.ofSeconds(2)),
            ))
        }
        assertContains(dead.reason, "no RPC endpoint answered")
    }

    @Test
    fun `the blocking constructor works outside coroutines`() {
        MantraClient(ClientConfig(endpoints = devnet, disableBatching = true, disableCache = true)).use { client ->
            assertEquals(null, client.cache())
            val status = runBlocking { client.status() }
            assertTrue(status.latestBlockHeight >= 1uL)
        }
    }
}
