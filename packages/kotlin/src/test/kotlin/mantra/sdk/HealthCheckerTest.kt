package mantra.sdk

import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test

class HealthCheckerTest {
    private fun checker(
        failureThreshold: UInt = 2u,
        recoveryThreshold: UInt = 2u,
        checkTimeout: Duration? = null,
    ) = HealthChecker(
        HealthConfig(
            failureThreshold = failureThreshold,
            recoveryThreshold = recoveryThreshold,
            checkTimeout = checkTimeout,
        )
    )

    @Test
    fun `defaults come from the core`() {
        HealthChecker().use { hc ->
            val c = hc.config()
            assertEquals(Duration.ofSeconds(30), c.checkInterval)
            assertEquals(Duration.ofSeconds(10), c.checkTimeout)
            assertEquals(3u, c.failureThreshold)
            assertEquals(2u, c.recoveryThreshold)
            assertEquals(false, c.enableAutoChecks)
            assertEquals(true, c.enableDiagnostics)
            assertEquals(HealthStatus.UNKNOWN, hc.overallStatus())
            assertTrue(hc.getSystemHealth().components.isEmpty())
        }
    }

    @Test
    fun `thresholds end to end with a Kotlin check that throws`() = runBlocking<Unit> {
        val hc = checker(failureThreshold = 2u, recoveryThreshold = 2u)
        val db = ScriptedCheck()
        val listener = RecordingListener()
        hc.subscribe(listener)
        hc.registerCheck("db", db)

        var report = hc.runHealthChecks()
        assertEquals(HealthStatus.HEALTHY, report.overallStatus)
        assertEquals(HealthStatus.HEALTHY, report.components.getValue("db").status)

        db.mode = ScriptedCheck.Mode.ThrowPlain("database down")
        report = hc.runHealthChecks()
        var comp = report.components.getValue("db")
        assertEquals(HealthStatus.DEGRADED, comp.status, "one failure is below the threshold")
        assertEquals(1u, comp.consecutiveFailures)
        // A plain Kotlin exception arrives as a typed host error (not as a caught panic).
        assertEquals("host error: java.lang.IllegalStateException: database down", comp.lastError)

        report = hc.runHealthChecks()
        comp = report.components.getValue("db")
        assertEquals(HealthStatus.UNHEALTHY, comp.status)
        assertEquals(HealthStatus.UNHEALTHY, report.overallStatus, "db is critical by default")
        assertEquals(2u, comp.consecutiveFailures)
        assertEquals(2uL, comp.totalFailures)

        db.mode = ScriptedCheck.Mode.Pass
        assertEquals(HealthStatus.UNHEALTHY, hc.runHealthChecks().components.getValue("db").status,
            "one success is below the recovery threshold")
        comp = hc.runHealthChecks().components.getValue("db")
        assertEquals(HealthStatus.HEALTHY, comp.status)
        assertEquals(2u, comp.consecutiveSuccesses)
        assertContains(comp.lastError!!, "database down", message = "the last error is kept after recovery")
        assertNull(comp.output)
        assertEquals(5uL, comp.totalChecks)
        assertEquals(5, db.calls.get())

        assertEquals(
            listOf(
                Triple("db", HealthStatus.UNKNOWN, HealthStatus.HEALTHY),
                Triple("db", HealthStatus.HEALTHY, HealthStatus.DEGRADED),
                Triple("db", HealthStatus.DEGRADED, HealthStatus.UNHEALTHY),
                Triple("db", HealthStatus.UNHEALTHY, HealthStatus.HEALTHY),
            ),
            listener.changes.toList(),
        )
        hc.close()
    }

    @Test
    fun `a thrown MantraException keeps its message and the sync report matches`() = runBlocking<Unit> {
        val hc = checker(failureThreshold = 1u)
        val node = ScriptedCheck()
        node.mode = ScriptedCheck.Mode.ThrowMantra(MantraException.Transport("okhttp: connection refused", status = null, retryAfter = null))
        hc.registerCheck("node", node)
        val comp = hc.runCheck("node")
        assertEquals(HealthStatus.UNHEALTHY, comp.status)
        assertContains(comp.lastError!!, "okhttp: connection refused")
        assertContains(comp.lastError!!, "transport")
        assertEquals(comp, hc.getProtocolHealth("node"))
        assertEquals(comp, hc.getSystemHealth().components["node"])
        assertNull(hc.getProtocolHealth("missing"))
    }

    @Test
    fun `degraded outcomes carry a reason and JSON details`() = runBlocking<Unit> {
        val hc = checker()
        val sync = ScriptedCheck()
        sync.mode = ScriptedCheck.Mode.Degrade("catching up", """{"blocks_behind":12}""")
        hc.registerCheck("sync", sync)
        val report = hc.runHealthChecks()
        val comp = report.components.getValue("sync")
        assertEquals(HealthStatus.DEGRADED, comp.status)
        assertEquals(HealthStatus.DEGRADED, report.overallStatus)
        assertEquals("catching up", comp.output)
        assertEquals("""{"blocks_behind":12}""", comp.details)
        assertEquals(0u, comp.consecutiveFailures, "degraded counts as a success")
        val json = hc.healthJson()
        assertContains(json, "\"status\":\"warn\"")
        assertContains(json, "catching up")
    }

    @Test
    fun `details that are not JSON fail the check with a clear message`() = runBlocking<Unit> {
        val hc = checker(failureThreshold = 1u)
        val bad = ScriptedCheck()
        bad.mode = ScriptedCheck.Mode.Degrade("slow", "not json {")
        hc.registerCheck("bad", bad)
        val comp = hc.runCheck("bad")
        assertEquals(HealthStatus.UNHEALTHY, comp.status)
        assertContains(comp.lastError!!, "must be JSON")
    }

    @Test
    fun `a non-critical failure only degrades the system`() = runBlocking<Unit> {
        val hc = checker(failureThreshold = 1u)
        val ok = ScriptedCheck()
        val cache = ScriptedCheck().apply { mode = ScriptedCheck.Mode.ThrowPlain("cache full") }
        hc.registerCheck("api", ok)
        hc.registerCheck("cache", cache, HealthCheckOptions(critical = false, tags = listOf("memory")))
        val report = hc.runHealthChecks()
        assertEquals(HealthStatus.UNHEALTHY, report.components.getValue("cache").status)
        assertFalse(report.components.getValue("cache").critical)
        assertEquals(listOf("memory"), report.components.getValue("cache").tags)
        assertEquals(HealthStatus.DEGRADED, report.overallStatus)
        assertEquals(listOf("api", "cache"), hc.checkNames())
        assertTrue(hc.unregisterCheck("cache"))
        assertFalse(hc.unregisterCheck("cache"))
        assertEquals(HealthStatus.HEALTHY, hc.overallStatus())
    }

    @Test
    fun `a hanging check times out as a failure and its coroutine is cancelled`() = runBlocking<Unit> {
        val hc = checker(failureThreshold = 1u)
        val slow = ScriptedCheck().apply { mode = ScriptedCheck.Mode.Hang(60_000) }
        hc.registerCheck("slow", slow, HealthCheckOptions(timeout = Duration.ofMillis(100)))
        val comp = hc.runCheck("slow")
        assertEquals(HealthStatus.UNHEALTHY, comp.status)
        assertContains(comp.lastError!!, "timed out")
        assertTrue(eventually { slow.cancelled.get() == 1 }, "the Kotlin coroutine was not cancelled")
    }

    @Test
    fun `a check throwing a JVM Error fails by timeout instead of aborting`() = runBlocking<Unit> {
        val hc = checker(failureThreshold = 1u, checkTimeout = Duration.ofMillis(200))
        hc.registerCheck("broken", object : HealthCheck {
            override suspend fun check(): HealthCheckOutcome = throw NotImplementedError("not yet")
        })
        val comp = hc.runCheck("broken")
        assertEquals(HealthStatus.UNHEALTHY, comp.status)
        assertContains(comp.lastError!!, "timed out")
    }

    @Test
    fun `recovery actions run once per transition to unhealthy`() = runBlocking<Unit> {
        val hc = checker(failureThreshold = 1u, recoveryThreshold = 1u)
        val db = ScriptedCheck().apply { mode = ScriptedCheck.Mode.ThrowPlain("down") }
        val recoveries = AtomicInteger()
        hc.registerCheck("db", db)
        hc.registerRecovery("db", object : HealthRecoveryAction {
            override suspend fun recover() {
                recoveries.incrementAndGet()
                db.mode = ScriptedCheck.Mode.Pass
            }
        })
        assertEquals(HealthStatus.UNHEALTHY, hc.runHealthChecks().components.getValue("db").status)
        assertEquals(1, recoveries.get())
        val comp = hc.runHealthChecks().components.getValue("db")
        assertEquals(HealthStatus.HEALTHY, comp.status)
        assertEquals(1uL, comp.recoveryAttempts)
        assertEquals(1uL, comp.recoverySuccesses)

        hc.registerRecovery("db", object : HealthRecoveryAction {
            override suspend fun recover() = throw MantraException.Host("restart refused")
        })
        val e = assertFailsWith<MantraException> { hc.runRecovery("db") }
        assertEquals("host", e.code())
        assertContains(e.reason(), "restart refused")
        assertEquals("restart refused", hc.getDiagnostics().recoveries.getValue("db").lastError?.substringAfter("host error: "))
    }

    @Test
    fun `diagnostics keep a bounded history`() = runBlocking<Unit> {
        val hc = HealthChecker(HealthConfig(historySize = 2u, serviceName = "wallet"))
        val db = ScriptedCheck()
        hc.registerCheck("db", db)
        repeat(3) { hc.runHealthChecks() }
        val d = hc.getDiagnostics()
        assertTrue(d.enabled)
        assertEquals(3uL, d.totalRuns)
        assertEquals(1uL, d.componentCount)
        assertEquals(2, d.components.getValue("db").history.size)
        assertEquals(Duration.ofSeconds(10), d.config.checkTimeout)
        assertEquals("wallet", hc.getSystemHealth().serviceName)
        assertContains(hc.healthJson(), "\"serviceId\":\"wallet\"")
        assertNotNull(hc.getSystemHealth().checkedAt)
    }

    @Test
    fun `concurrent rounds from many coroutines all count`() = runBlocking<Unit>(Dispatchers.Default) {
        val hc = checker()
        val a = ScriptedCheck()
        val b = ScriptedCheck()
        hc.registerCheck("a", a)
        hc.registerCheck("b", b)
        val reports = (1..20).map { async { hc.runHealthChecks() } }.awaitAll()
        assertTrue(reports.all { it.overallStatus == HealthStatus.HEALTHY })
        assertEquals(20, a.calls.get())
        assertEquals(20, b.calls.get())
        assertEquals(20uL, hc.getSystemHealth().components.getValue("a").totalChecks)
    }

    @Test
    fun `start runs rounds in the background until stop`() {
        val hc = HealthChecker(HealthConfig(checkInterval = Duration.ofMillis(20)))
        val db = ScriptedCheck()
        hc.registerCheck("db", db)
        assertFalse(hc.isRunning())
        hc.start()
        hc.start() // idempotent
        assertTrue(hc.isRunning())
        assertTrue(eventually { db.calls.get() >= 3 }, "auto checks did not run")
        hc.stop()
        assertFalse(hc.isRunning())
        val after = db.calls.get()
        Thread.sleep(100)
        assertTrue(db.calls.get() <= after + 1, "rounds continued after stop")
        assertEquals(HealthStatus.HEALTHY, hc.overallStatus())
    }

    @Test
    fun `listeners can be removed and a throwing listener is ignored`() = runBlocking<Unit> {
        val hc = checker(failureThreshold = 1u)
        val rec = RecordingListener()
        val id = hc.subscribe(rec)
        hc.subscribe(object : HealthListener {
            override fun onStatusChange(component: String, oldStatus: HealthStatus, newStatus: HealthStatus) =
                throw IllegalStateException("listener bug")
        })
        val db = ScriptedCheck()
        hc.registerCheck("db", db)
        hc.runHealthChecks()
        assertEquals(1, rec.changes.size)
        assertTrue(hc.unsubscribe(id))
        assertFalse(hc.unsubscribe(id))
        db.mode = ScriptedCheck.Mode.ThrowPlain("x")
        hc.runHealthChecks()
        assertEquals(1, rec.changes.size)
    }
}
