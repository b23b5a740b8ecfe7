package mantra.sdk

import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test

/** A Kotlin batch function: records each call's operation ids, answers with [reply]. */
class ScriptedExecutor(
    private val reply: suspend (call: Int, ops: List<BatchOperation>) -> List<BatchItemResult> = { _, ops ->
        ops.map { BatchItemResult.Ok(it.paramsJson) }
    },
) : BatchExecutor {
    val calls = CopyOnWriteArrayList<List<String>>()
    val cancelled = AtomicInteger()

    override suspend fun execute(ops: List<BatchOperation>): List<BatchItemResult> {
        val n = calls.size
        calls.add(ops.map { it.id })
        try {
            return reply(n, ops)
        } catch (e: CancellationException) {
            cancelled.incrementAndGet()
            throw e
        }
    }
}

class BatchManagerTest {
    private val long = Duration.ofSeconds(30)

    private fun manager(config: BatchConfig, exec: BatchExecutor, clock: ManualClock? = null) =
        if (clock == null) BatchManager(config, exec) else BatchManager.withClock(config, exec, clock)

    @Test
    fun `defaults come from the core`() {
        BatchManager(BatchConfig(), ScriptedExecutor()).use { m ->
            val c = m.config()
            assertEquals(10u, c.maxBatchSize)
            assertEquals(Duration.ofMillis(10), c.maxBatchDelay)
            assertEquals(true, c.enableAutoBatching)
            assertEquals(10u, c.maxConcurrentBatches)
            assertEquals(3u, c.retryAttempts)
            assertEquals(Duration.ofMillis(150), c.retryDelay)
            assertEquals(null, c.maxBatchBytes)
            assertEquals(10uL, m.effectiveMaxBatchSize())
        }
    }

    @Test
    fun `a full batch goes out at once, in submission order`() = runBlocking<Unit> {
        val exec = ScriptedExecutor()
        val m = manager(BatchConfig(maxBatchSize = 3u, maxBatchDelay = Duration.ofHours(1)), exec)
        val tickets = (1..3).map { m.addOperation("op$it", """{"n":$it}""", Priority.NORMAL, long) }
        assertEquals(listOf("""{"n":1}""", """{"n":2}""", """{"n":3}"""), tickets.map { it.result() })
        assertEquals(listOf(listOf("op1", "op2", "op3")), exec.calls)
        assertTrue(tickets.all { it.isDone() })
        assertEquals("op2", tickets[1].id())
        val s = m.stats()
        assertEquals(1uL, s.batches)
        assertEquals(3uL, s.succeeded)
        assertEquals(3.0, s.avgBatchSize)
    }

    @Test
    fun `a partial batch waits for maxBatchDelay in virtual time`() = runBlocking<Unit> {
        val clock = ManualClock()
        val exec = ScriptedExecutor()
        val m = manager(BatchConfig(maxBatchDelay = Duration.ofMillis(10)), exec, clock)
        val a = m.addOperation("a", "1", Priority.NORMAL, long)
        val b = m.addOperation("b", "2", Priority.NORMAL, long)
        clock.advance(Duration.ofMillis(9))
        assertTrue(exec.calls.isEmpty(), "sent before the delay")
        assertEquals(2uL, m.stats().pending)
        clock.advance(Duration.ofMillis(1))
        assertEquals("1", a.result())
        assertEquals("2", b.result())
        assertEquals(listOf(listOf("a", "b")), exec.calls)
    }

    @Test
    fun `flush sends higher priorities first`() = runBlocking<Unit> {
        val exec = ScriptedExecutor()
        val m = manager(BatchConfig(maxBatchDelay = Duration.ofHours(1)), exec)
        val t = listOf(
            m.addOperation("low", "0", Priority.LOW, long),
            m.addOperation("normal", "1", Priority.NORMAL, long),
            m.addOperation("high", "2", Priority.HIGH, long),
        )
        m.flush()
        t.forEach { it.result() }
        assertEquals(listOf(listOf("high", "normal", "low")), exec.calls)
    }

    @Test
    fun `submit suspends until the operation's own result`() = runBlocking<Unit>(Dispatchers.Default) {
        val exec = ScriptedExecutor { _, ops -> ops.map { BatchItemResult.Ok("\"${it.id}:${it.priority}\"") } }
        val m = manager(BatchConfig(maxBatchSize = 5u), exec)
        val results = (1..50).map { i -> async { m.submit("m$i", "[]", Priority.HIGH, long) } }.awaitAll()
        assertEquals((1..50).map { "\"m$it:HIGH\"" }, results)
        val s = m.stats()
        assertEquals(50uL, s.operations)
        assertEquals(50uL, s.succeeded)
        assertTrue(exec.calls.all { it.size <= 5 })
    }

    @Test
    fun `an item error fails only that operation`() = runBlocking<Unit> {
        val exec = ScriptedExecutor { _, ops ->
            ops.map {
                if (it.id == "bad") BatchItemResult.Err(MantraException.Rpc("method not found", -32601L, "x"))
                else BatchItemResult.Ok("true")
            }
        }
        val m = manager(BatchConfig(maxBatchSize = 2u), exec)
        val good = m.addOperation("good", "{}", Priority.NORMAL, long)
        val bad = m.addOperation("bad", "{}", Priority.NORMAL, long)
        assertEquals("true", good.result())
        val e = assertFailsWith<MantraException.Rpc> { bad.result() }
        assertEquals(-32601L, e.rpcCode)
        assertEquals("x", e.data)
        assertContains(e.reason, "method not found")
        assertEquals(1uL, m.stats().failures)
        assertEquals(1, exec.calls.size, "-32601 is not retried")
    }

    @Test
    fun `a thrown exception fails the whole batch with a typed error`() = runBlocking<Unit> {
        val plain = manager(BatchConfig(maxBatchSize = 2u), ScriptedExecutor { _, _ -> throw IllegalStateException("okhttp: 400") })
        val (a, b) = listOf("a", "b").map { plain.addOperation(it, "1", Priority.NORMAL, long) }
        for (t in listOf(a, b)) {
            val e = assertFailsWith<MantraException.Host> { t.result() }
            assertContains(e.reason, "okhttp: 400")
        }
        val typed = manager(
            BatchConfig(maxBatchSize = 1u),
            ScriptedExecutor { _, _ -> throw MantraException.InvalidArgument("bad params") },
        )
        val e = assertFailsWith<MantraException.InvalidArgument> { typed.submit("x", "1", Priority.NORMAL, long) }
        assertEquals("invalid argument: batch executor: bad params", e.reason)
    }

    @Test
    fun `a reply of the wrong length or with non-JSON values fails typed`() = runBlocking<Unit> {
        val short = manager(BatchConfig(maxBatchSize = 2u), ScriptedExecutor { _, _ -> listOf(BatchItemResult.Ok("1")) })
        val t = listOf("a", "b").map { short.addOperation(it, "1", Priority.NORMAL, long) }
        for (x in t) assertEquals("host", assertFailsWith<MantraException> { x.result() }.code())
        val notJson = manager(BatchConfig(maxBatchSize = 1u), ScriptedExecutor { _, _ -> listOf(BatchItemResult.Ok("{")) })
        val e = assertFailsWith<MantraException.Decode> { notJson.submit("a", "1", Priority.NORMAL, long) }
        assertContains(e.reason, "batch result value must be JSON text")
    }

    @Test
    fun `retryable errors are retried with exact backoff and Retry-After`() = runBlocking<Unit> {
        val clock = ManualClock()
        val exec = ScriptedExecutor { call, ops ->
            when (call) {
                0 -> throw MantraException.Transport("HTTP 503", status = 503u, retryAfter = null)
                1 -> throw MantraException.Transport("HTTP 429", status = 429u, retryAfter = Duration.ofMillis(500))
                else -> ops.map { BatchItemResult.Ok("\"ok\"") }
            }
        }
        val m = manager(
            BatchConfig(maxBatchDelay = Duration.ZERO, retryAttempts = 3u, retryDelay = Duration.ofMillis(100), retryJitter = false),
            exec, clock,
        )
        val t = m.addOperation("status", "{}", Priority.NORMAL, long)
        clock.settle() // the first call failed and the SDK sleeps on its backoff
        assertEquals(1, exec.calls.size)
        assertEquals(0uL, m.stats().retries, "a retry counts when it goes out")
        clock.advance(Duration.ofMillis(99))
        assertEquals(1, exec.calls.size, "retried before retryDelay")
        clock.advance(Duration.ofMillis(1))
        assertEquals(2, exec.calls.size)
        assertEquals(1uL, m.stats().retries)
        clock.advance(Duration.ofMillis(499))
        assertEquals(2, exec.calls.size, "Retry-After (500 ms) beats the 200 ms backoff")
        clock.advance(Duration.ofMillis(1))
        assertEquals("\"ok\"", t.result())
        assertEquals(3, exec.calls.size)
        assertEquals(2uL, m.stats().retries)
    }

    @Test
    fun `a non-retryable status is not retried`() = runBlocking<Unit> {
        val exec = ScriptedExecutor { _, _ -> throw MantraException.Transport("HTTP 400", status = 400u, retryAfter = null) }
        val m = manager(BatchConfig(maxBatchSize = 1u, retryDelay = Duration.ZERO), exec)
        val e = assertFailsWith<MantraException.Transport> { m.submit("a", "1", Priority.NORMAL, long) }
        assertEquals(400.toUShort(), e.status)
        assertEquals(1, exec.calls.size)
    }

    @Test
    fun `BatchLimit teaches the node's limit and the batch is split`() = runBlocking<Unit> {
        val exec = ScriptedExecutor { _, ops ->
            if (ops.size > 2) throw MantraException.BatchLimit("too many", ops.size.toULong(), 2uL)
            ops.map { BatchItemResult.Ok(it.paramsJson) }
        }
        val m = manager(BatchConfig(maxBatchSize = 5u, maxBatchDelay = Duration.ofHours(1)), exec)
        val t = (1..5).map { m.addOperation("o$it", "$it", Priority.NORMAL, long) }
        assertEquals((1..5).map { "$it" }, t.map { it.result() })
        assertEquals(5, exec.calls.first().size)
        assertTrue(exec.calls.drop(1).all { it.size <= 2 })
        assertEquals(2uL, m.effectiveMaxBatchSize())
        assertTrue(m.stats().batchLimitSplits >= 1uL)
    }

    @Test
    fun `an operation times out on its own deadline, even in flight`() = runBlocking<Unit> {
        val clock = ManualClock()
        // Host callbacks on a ManualClock wait with clock.sleep (here: never answer in time).
        val exec = ScriptedExecutor { _, _ -> clock.sleep(Duration.ofDays(365)); emptyList() }
        val m = manager(BatchConfig(maxBatchDelay = Duration.ZERO), exec, clock)
        val t = m.addOperation("slow", "1", Priority.NORMAL, Duration.ofMillis(50))
        clock.settle()
        assertEquals(1, exec.calls.size)
        clock.advance(Duration.ofMillis(50))
        val e = assertFailsWith<MantraException.Timeout> { t.result() }
        assertContains(e.reason, "timed out")
        assertEquals(1uL, m.stats().timeouts)
    }

    @Test
    fun `shutdown fails pending operations with Closed, releasing the handle does not`() = runBlocking<Unit> {
        val exec = ScriptedExecutor()
        val m = manager(BatchConfig(maxBatchDelay = Duration.ofHours(1)), exec)
        val pending = m.addOperation("p", "1", Priority.NORMAL, long)
        m.shutdown()
        assertTrue(m.isClosed())
        assertIs<MantraException.Closed>(assertFailsWith<MantraException> { pending.result() })
        assertFailsWith<MantraException.Closed> { m.addOperation("q", "1", Priority.NORMAL, long) }
        assertEquals(1uL, m.stats().closed)

        // Releasing the handle (AutoCloseable) does not close a manager with pending
        // operations: each ticket keeps it alive, so the operation is still answered.
        val released = manager(BatchConfig(maxBatchDelay = Duration.ofMillis(20)), exec)
        val orphan = released.addOperation("o", "1")
        released.close()
        assertEquals("1", orphan.result())
        assertEquals(listOf(listOf("o")), exec.calls)
    }

    @Test
    fun `bad input is a MantraException with a clear message`() {
        val exec = ScriptedExecutor()
        val size = assertFailsWith<MantraException.InvalidConfig> { BatchManager(BatchConfig(maxBatchSize = 0u), exec) }
        assertContains(size.reason, "max_batch_size")
        val conc = assertFailsWith<MantraException.InvalidConfig> { BatchManager(BatchConfig(maxConcurrentBatches = 0u), exec) }
        assertContains(conc.reason, "max_concurrent_batches")
        val bytes = assertFailsWith<MantraException.InvalidConfig> { BatchManager(BatchConfig(maxBatchBytes = 0uL), exec) }
        assertContains(bytes.reason, "max_batch_bytes")

        val m = BatchManager(BatchConfig(maxBatchBytes = 100uL), exec)
        val json = assertFailsWith<MantraException.Decode> { m.addOperation("a", "{x}", Priority.NORMAL, long) }
        assertContains(json.reason, "batch params must be JSON text")
        val id = assertFailsWith<MantraException.InvalidArgument> { m.addOperation("", "1", Priority.NORMAL, long) }
        assertContains(id.reason, "id must not be empty")
        val timeout = assertFailsWith<MantraException.InvalidArgument> { m.addOperation("a", "1", Priority.NORMAL, Duration.ZERO) }
        assertContains(timeout.reason, "timeout")
        val big = assertFailsWith<MantraException.CapacityExceeded> {
            m.addOperation("a", "\"" + "x".repeat(200) + "\"", Priority.NORMAL, long)
        }
        assertContains(big.reason, "max_batch_bytes")
        assertFalse(m.isClosed())
    }
}
