package mantra.sdk

import java.time.Duration
import java.time.Instant
import kotlin.test.assertEquals
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test

class ManualClockTest {
    @Test
    fun `time moves only on advance`() = runBlocking<Unit> {
        val clock = ManualClock()
        assertEquals(Duration.ZERO, clock.now())
        assertEquals(Instant.parse("2023-11-14T22:13:20Z"), clock.wallTime())
        clock.settle()
        assertEquals(Duration.ZERO, clock.now())
        clock.advance(Duration.ofMillis(1500))
        assertEquals(Duration.ofMillis(1500), clock.now())
        assertEquals(Instant.parse("2023-11-14T22:13:21.500Z"), clock.wallTime())
        assertEquals(0uL, clock.pendingSleeps())
    }
}
