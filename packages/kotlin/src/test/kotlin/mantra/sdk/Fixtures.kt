package mantra.sdk

import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.delay

/** A check whose behaviour the test switches between rounds. */
class ScriptedCheck : HealthCheck {
    @Volatile var mode: Mode = Mode.Pass
    val calls = AtomicInteger()
    val cancelled = AtomicInteger()

    sealed class Mode {
        object Pass : Mode()
        data class Degrade(val reason: String, val details: String? = null) : Mode()
        data class ThrowPlain(val message: String) : Mode()
        data class ThrowMantra(val e: MantraException) : Mode()
        data class Hang(val millis: Long) : Mode()
    }

    override suspend fun check(): HealthCheckOutcome {
        calls.incrementAndGet()
        return when (val m = mode) {
            Mode.Pass -> HealthCheckOutcome.Healthy()
            is Mode.Degrade -> HealthCheckOutcome.Degraded(m.reason, m.details)
            is Mode.ThrowPlain -> throw IllegalStateException(m.message)
            is Mode.ThrowMantra -> throw m.e
            is Mode.Hang -> try {
                delay(m.millis)
                HealthCheckOutcome.Healthy()
            } catch (e: CancellationException) {
                cancelled.incrementAndGet()
                throw e
            }
        }
    }
}

/** Records every status change it is told about. */
class RecordingListener : HealthListener {
    val changes = CopyOnWriteArrayList<Triple<String, HealthStatus, HealthStatus>>()
    override fun onStatusChange(component: String, oldStatus: HealthStatus, newStatus: HealthStatus) {
        changes.add(Triple(component, oldStatus, newStatus))
    }
}

/** Polls [cond] every 10 ms for at most [timeoutMs]; returns whether it became true. */
fun eventually(timeoutMs: Long = 10_000, cond: () -> Boolean): Boolean {
    val deadline = System.nanoTime() + timeoutMs * 1_000_000
    while (System.nanoTime() < deadline) {
        if (cond()) return true
        Thread.sleep(10)
    }
    return cond()
}
