package mantra.sdk

import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test

class CacheManagerTest {
    private fun fetcher(block: suspend () -> String) = object : CacheFetcher {
        override suspend fun fetch(): String = block()
    }

    @Test
    fun `defaults come from the core`() {
        CacheManager().use { cache ->
            val c = cache.config()
            assertEquals(10_000uL, c.maxEntries)
            assertEquals(Duration.ofSeconds(300), c.defaultTtl)
            assertEquals(Duration.ofSeconds(60), c.cleanupInterval)
            assertEquals(100uL * 1024uL * 1024uL, c.maxMemoryBytes)
            assertEquals(true, c.enableStats)
            assertEquals(CacheType.entries.toSet(), c.ttlByType.keys)
            assertTrue(c.ttlByType.values.all { it == Duration.ofSeconds(300) })
            assertTrue(cache.isEmpty())
            assertEquals(0.0, cache.stats().hitRate)
        }
    }

    @Test
    fun `values are JSON text, normalized by the core`() {
        val cache = CacheManager(CacheConfig(maxEntries = 100uL))
        cache.put("pool", """{ "id": "o.uom.uusdc", "reserves": ["1", "2"], "fee": 0.003 }""", CacheType.POOL_INFO)
        assertEquals("""{"fee":0.003,"id":"o.uom.uusdc","reserves":["1","2"]}""", cache.get("pool", CacheType.POOL_INFO))
        assertNull(cache.get("pool", CacheType.BALANCE), "types are separate namespaces")
        cache.put("n", "42", CacheType.GENERIC)
        cache.put("s", "\"text\"", CacheType.GENERIC)
        cache.put("null", "null", CacheType.GENERIC)
        assertEquals("42", cache.get("n", CacheType.GENERIC))
        assertEquals("\"text\"", cache.get("s", CacheType.GENERIC))
        assertEquals("null", cache.get("null", CacheType.GENERIC), "a stored null is a hit, not a miss")
        assertEquals(4uL, cache.len())
        val s = cache.stats()
        assertEquals(4uL, s.hits)
        assertEquals(1uL, s.misses)
        assertEquals(0.8, s.hitRate)
        assertEquals(cache.memoryBytes(), s.memoryBytes)
        assertEquals(
            cacheEntryWeight("n", "42") + cacheEntryWeight("s", "\"text\"") + cacheEntryWeight("null", "null") +
                cacheEntryWeight("pool", """{"fee":0.003,"id":"o.uom.uusdc","reserves":["1","2"]}"""),
            cache.memoryBytes(),
        )
        assertTrue(estimateJsonWeight("[1,2,3]") > estimateJsonWeight("1"))
    }

    @Test
    fun `bad input is a MantraException with a clear message`() {
        val zero = assertFailsWith<MantraException.InvalidConfig> { CacheManager(CacheConfig(maxEntries = 0uL)) }
        assertContains(zero.reason, "max_entries")
        assertEquals("max_entries", zero.field)
        val ttl = assertFailsWith<MantraException.InvalidConfig> { CacheManager(CacheConfig(defaultTtl = Duration.ZERO)) }
        assertContains(ttl.reason, "default_ttl")
        val typeTtl = assertFailsWith<MantraException.InvalidArgument> {
            CacheManager(CacheConfig(ttlByType = mapOf(CacheType.BLOCK to Duration.ZERO)))
        }
        assertContains(typeTtl.reason, "block")

        val cache = CacheManager()
        val notJson = assertFailsWith<MantraException.Decode> { cache.put("k", "{oops", CacheType.GENERIC) }
        assertEquals("decode", notJson.code())
        assertContains(notJson.reason, "cache value must be JSON text")
        assertFailsWith<MantraException.InvalidArgument> {
            cache.putWithTtl("k", "1", CacheType.GENERIC, Duration.ZERO)
        }
        assertFailsWith<MantraException.Decode> { estimateJsonWeight("") }
        val small = CacheManager(CacheConfig(maxMemoryBytes = 200uL))
        val big = assertFailsWith<MantraException.CapacityExceeded> {
            small.put("big", "\"" + "x".repeat(1000) + "\"", CacheType.GENERIC)
        }
        assertContains(big.reason, "max_memory_bytes")
        assertEquals(1uL, small.stats().rejected)
    }

    @Test
    fun `entries expire exactly at their TTL in virtual time`() = runBlocking<Unit> {
        val clock = ManualClock()
        val cache = CacheManager.withClock(
            CacheConfig(defaultTtl = Duration.ofSeconds(1), ttlByType = mapOf(CacheType.BLOCK to Duration.ofSeconds(5))),
            clock,
        )
        cache.put("a", "1", CacheType.GENERIC)
        cache.put("b", "2", CacheType.BLOCK)
        cache.putWithTtl("c", "3", CacheType.GENERIC, Duration.ofMillis(1500))
        clock.advance(Duration.ofMillis(999))
        assertEquals("1", cache.get("a", CacheType.GENERIC))
        clock.advance(Duration.ofMillis(1))
        assertNull(cache.get("a", CacheType.GENERIC), "expired at exactly the TTL")
        assertEquals("3", cache.get("c", CacheType.GENERIC))
        clock.advance(Duration.ofMillis(500))
        assertNull(cache.get("c", CacheType.GENERIC))
        assertEquals("2", cache.get("b", CacheType.BLOCK))
        assertEquals(Duration.ofSeconds(5), cache.typeTtl(CacheType.BLOCK))
        cache.setTypeTtl(CacheType.BLOCK, Duration.ofSeconds(9))
        assertEquals(Duration.ofSeconds(9), cache.config().ttlByType[CacheType.BLOCK])
        val s = cache.stats()
        assertEquals(2uL, s.expirations)
        assertEquals(1uL, cache.len())
        assertEquals(Duration.ofMillis(1500), clock.now())
    }

    @Test
    fun `the cleanup loop runs on the manual clock`() = runBlocking<Unit> {
        val clock = ManualClock()
        val cache = CacheManager.withClock(
            CacheConfig(defaultTtl = Duration.ofSeconds(1), cleanupInterval = Duration.ofSeconds(10)),
            clock,
        )
        repeat(3) { cache.put("k$it", "$it", CacheType.GENERIC) }
        clock.advance(Duration.ofSeconds(5))
        assertEquals(3uL, cache.len(), "expired entries stay until a lookup or cleanup")
        clock.advance(Duration.ofMillis(4999))
        assertEquals(3uL, cache.len(), "cleanup ran before its interval")
        clock.advance(Duration.ofMillis(1))
        assertEquals(0uL, cache.len(), "cleanup did not run at the interval")
        assertEquals(3uL, cache.stats().expirations)
        cache.shutdown()
        assertTrue(cache.isClosed())
        cache.put("after", "1", CacheType.GENERIC)
        assertEquals("1", cache.get("after", CacheType.GENERIC), "usable after shutdown")
    }

    @Test
    fun `LRU eviction honours both limits`() {
        val cache = CacheManager(CacheConfig(maxEntries = 3uL))
        for (k in listOf("a", "b", "c")) cache.put(k, "1", CacheType.GENERIC)
        assertEquals("1", cache.get("a", CacheType.GENERIC)) // a is now most recent
        cache.put("d", "1", CacheType.GENERIC)
        assertNull(cache.get("b", CacheType.GENERIC), "b was least recently used")
        assertTrue(cache.contains("a", CacheType.GENERIC))
        assertEquals(1uL, cache.stats().evictionsCapacity)

        val w = cacheEntryWeight("k0", "\"" + "x".repeat(100) + "\"")
        val bytes = CacheManager(CacheConfig(maxMemoryBytes = w * 2uL + w / 2uL))
        for (i in 0 until 3) bytes.put("k$i", "\"" + "x".repeat(100) + "\"", CacheType.GENERIC)
        assertEquals(2uL, bytes.len())
        assertEquals(1uL, bytes.stats().evictionsSize)
        assertTrue(bytes.memoryBytes() <= w * 2uL + w / 2uL)
    }

    @Test
    fun `remove, clearType, clear and cleanup report what they did`() = runBlocking<Unit> {
        val clock = ManualClock()
        val cache = CacheManager.withClock(CacheConfig(defaultTtl = Duration.ofSeconds(1)), clock)
        cache.put("a", "1", CacheType.BALANCE)
        cache.put("b", "1", CacheType.BALANCE)
        cache.put("c", "1", CacheType.BLOCK)
        assertTrue(cache.remove("a", CacheType.BALANCE))
        assertFalse(cache.remove("a", CacheType.BALANCE))
        assertEquals(1uL, cache.clearType(CacheType.BALANCE))
        assertEquals(1uL, cache.len())
        clock.advance(Duration.ofSeconds(2))
        assertEquals(1uL, cache.cleanup())
        cache.put("d", "1", CacheType.GENERIC)
        cache.clear()
        assertTrue(cache.isEmpty())
        cache.resetStats()
        assertEquals(0uL, cache.stats().insertions)
    }

    @Test
    fun `getOrFetch loads once for concurrent callers`() = runBlocking<Unit>(Dispatchers.Default) {
        val cache = CacheManager()
        val calls = AtomicInteger()
        val gate = CompletableDeferred<Unit>()
        val f = fetcher {
            calls.incrementAndGet()
            gate.await()
            """{"height":"42"}"""
        }
        val callers = (1..16).map { async { cache.getOrFetch("status", CacheType.NODE_STATUS, f) } }
        assertTrue(eventually { cache.inFlight() == 1uL })
        gate.complete(Unit)
        assertTrue(callers.awaitAll().all { it == """{"height":"42"}""" })
        assertEquals(1, calls.get())
        assertEquals("""{"height":"42"}""", cache.get("status", CacheType.NODE_STATUS))
        assertEquals("""{"height":"42"}""", cache.getOrFetch("status", CacheType.NODE_STATUS, f), "a hit")
        assertEquals(1, calls.get())
    }

    @Test
    fun `fetch errors reach the caller typed and are not cached`() = runBlocking<Unit> {
        val cache = CacheManager()
        val plain = assertFailsWith<MantraException.Host> {
            cache.getOrFetch("k", CacheType.GENERIC, fetcher { throw IllegalStateException("okhttp down") })
        }
        assertContains(plain.reason, "okhttp down")
        val typed = assertFailsWith<MantraException> {
            cache.getOrFetch("k", CacheType.GENERIC, fetcher {
                throw MantraException.Transport("HTTP 503", status = 503u, retryAfter = Duration.ofSeconds(2))
            })
        }
        assertIs<MantraException.Transport>(typed)
        assertEquals(503.toUShort(), typed.status)
        assertEquals(Duration.ofSeconds(2), typed.retryAfter)
        val notJson = assertFailsWith<MantraException.Decode> {
            cache.getOrFetch("k", CacheType.GENERIC, fetcher { "not json" })
        }
        assertContains(notJson.reason, "fetched cache value must be JSON text")
        assertFalse(cache.contains("k", CacheType.GENERIC))
        assertEquals("7", cache.getOrFetch("k", CacheType.GENERIC, fetcher { "7" }))
    }

    @Test
    fun `many threads share one cache`() = runBlocking<Unit>(Dispatchers.Default) {
        val cache = CacheManager(CacheConfig(maxEntries = 1000uL))
        (0 until 8).map { t ->
            async {
                for (i in 0 until 2000) {
                    val k = "k${(t * 2000 + i) % 500}"
                    cache.put(k, "$i", CacheType.GENERIC)
                    cache.get(k, CacheType.GENERIC)
                }
            }
        }.awaitAll()
        assertEquals(500uL, cache.len())
        val s = cache.stats()
        assertEquals(16_000uL, s.hits + s.misses)
        assertEquals(16_000uL, s.insertions)
    }
}
