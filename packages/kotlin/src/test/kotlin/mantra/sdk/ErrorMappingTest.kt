package mantra.sdk

import java.time.Duration
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test

class ErrorMappingTest {
    @Test
    fun `invalid config names the field`() {
        val cases = mapOf(
            "failure_threshold" to HealthConfig(failureThreshold = 0u),
            "recovery_threshold" to HealthConfig(recoveryThreshold = 0u),
            "check_interval" to HealthConfig(checkInterval = Duration.ZERO),
            "check_timeout" to HealthConfig(checkTimeout = Duration.ZERO),
            "recovery_timeout" to HealthConfig(recoveryTimeout = Duration.ZERO),
        )
        for ((field, config) in cases) {
            val e = assertFailsWith<MantraException> { HealthChecker(config) }
            assertIs<MantraException.InvalidConfig>(e)
            assertEquals(field, e.field)
            assertEquals("invalid_config", e.code())
            assertContains(e.reason(), field)
            assertContains(e.message!!, field)
            assertEquals(e.reason(), e.toString())
        }
    }

    @Test
    fun `bad arguments are typed errors`() = runBlocking<Unit> {
        val hc = HealthChecker()
        val empty = assertFailsWith<MantraException.InvalidArgument> { hc.registerCheck(" ", ScriptedCheck()) }
        assertEquals("invalid_argument", empty.code())
        assertContains(empty.reason, "must not be empty")

        val zero = assertFailsWith<MantraException.InvalidConfig> {
            hc.registerCheck("db", ScriptedCheck(), HealthCheckOptions(timeout = Duration.ZERO))
        }
        assertContains(zero.reason, "timeout")

        val unknown = assertFailsWith<MantraException> { hc.runCheck("nope") }
        assertEquals("invalid_argument", unknown.code())
        assertContains(unknown.reason(), "no health check named `nope`")
        assertFailsWith<MantraException.InvalidArgument> { hc.runRecovery("nope") }
    }

    @Test
    fun `negative durations are rejected before reaching Rust`() {
        // The generated converter refuses them (java.time.Duration can be negative, Rust's cannot).
        val e = assertFailsWith<IllegalArgumentException> {
            HealthChecker(HealthConfig(checkTimeout = Duration.ofSeconds(-1)))
        }
        assertContains(e.message!!, "non-negative")
    }

    @Test
    fun `MantraException is a catchable Exception with a stable code`() {
        val e: Exception = MantraException.Timeout("request timed out after 1s")
        assertIs<MantraException>(e)
        assertEquals("timeout", e.code())
        assertEquals("request timed out after 1s", e.toString())
        val codes = listOf(
            MantraException.InvalidConfig("", "max_entries") to "invalid_config",
            MantraException.InvalidArgument("") to "invalid_argument",
            MantraException.Transport("", null, null) to "transport",
            MantraException.Rpc("", -32603L, null) to "rpc",
            MantraException.BatchLimit("", 11uL, 10uL) to "batch_limit",
            MantraException.CircuitOpen("") to "circuit_open",
            MantraException.Decode("") to "decode",
            MantraException.Encode("") to "encode",
            MantraException.PoolExhausted("") to "pool_exhausted",
            MantraException.CapacityExceeded("") to "capacity_exceeded",
            MantraException.Closed("") to "closed",
            MantraException.Cancelled("") to "cancelled",
            MantraException.Host("") to "host",
            MantraException.HealthCheck("") to "health_check",
            MantraException.Internal("") to "internal",
        )
        for ((ex, code) in codes) assertEquals(code, ex.code())
    }

    @Test
    fun `a closed checker refuses calls with a JVM exception, not a crash`() {
        val hc = HealthChecker()
        hc.close()
        assertFailsWith<IllegalStateException> { hc.getSystemHealth() }
    }
}
