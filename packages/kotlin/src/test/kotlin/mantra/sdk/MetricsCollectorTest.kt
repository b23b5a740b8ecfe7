package mantra.sdk

import java.time.Duration
import java.time.Instant
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
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Test

class MetricsCollectorTest {
    private fun MetricsSnapshot.family(name: String) = families.single { it.name == name }

    @Test
    fun `defaults come from the core`() {
        MetricsCollector().use { m ->
            val c = m.config()
            assertEquals("mantra", c.namespace)
            assertEquals(listOf(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0), c.histogramBuckets)
            assertEquals(Duration.ofSeconds(60), c.aggregationInterval)
            assertEquals(Duration.ofHours(1), c.retentionPeriod)
            assertEquals(1000uL, c.maxSeriesPerFamily)
            assertEquals(emptyList(), c.constLabels)
            assertFalse(m.isRunning())
        }
        assertEquals("text/plain; version=0.0.4; charset=utf-8", prometheusContentType())
    }

    @Test
    fun `protocol operations land in counters, errors and a latency histogram`() {
        val m = MetricsCollector()
        m.recordProtocolOperation("rpc", "status", Duration.ofMillis(20), true)
        m.recordProtocolOperation("rpc", "status", Duration.ofMillis(300), false, "timeout")
        m.recordProtocolOperation("rpc", "block", Duration.ofMillis(7), false)
        val prom = m.prometheus()
        assertContains(prom, "mantra_protocol_operations_total{protocol=\"rpc\",operation=\"status\",status=\"success\"} 1")
        assertContains(prom, "mantra_protocol_operations_total{protocol=\"rpc\",operation=\"status\",status=\"error\"} 1")
        assertContains(prom, "mantra_protocol_errors_total{protocol=\"rpc\",operation=\"status\",error=\"timeout\"} 1")
        assertContains(prom, "mantra_protocol_errors_total{protocol=\"rpc\",operation=\"block\",error=\"unknown\"} 1")
        assertContains(prom, "mantra_protocol_operation_duration_seconds_bucket{protocol=\"rpc\",operation=\"status\",le=\"0.025\"} 1")
        assertContains(prom, "mantra_protocol_operation_duration_seconds_bucket{protocol=\"rpc\",operation=\"status\",le=\"+Inf\"} 2")

        val snap = m.getAllMetrics()
        val hist = snap.family("mantra_protocol_operation_duration_seconds")
        assertEquals(MetricType.HISTOGRAM, hist.metricType)
        assertEquals(listOf("protocol", "operation"), hist.labelNames)
        val status = hist.series.single { s -> s.labels.any { it.name == "operation" && it.value == "status" } }
        assertNull(status.value)
        val h = assertNotNull(status.histogram)
        assertEquals(2uL, h.count)
        assertEquals(0.32, h.sum, 1e-9)
        assertEquals(0.02, h.min)
        assertEquals(0.3, h.max)
        assertEquals(11, h.buckets.size)
        assertEquals(1uL, h.buckets.first { it.le == 0.025 }.count)
        assertEquals(MetricType.COUNTER, snap.family("mantra_protocol_errors_total").metricType)
        assertTrue(snap.timestamp >= snap.startTime)
        assertTrue(snap.timestamp <= Instant.now().plusSeconds(1))
    }

    @Test
    fun `server requests, resources and custom metrics`() {
        val m = MetricsCollector(MetricsConfig(constLabels = listOf(MetricsLabel("service", "wallet"))))
        m.recordMcpRequest(Duration.ofMillis(5), true, "http")
        m.recordMcpRequest(Duration.ofMillis(5), false, "http")
        m.recordResourceUsage(MetricsResourceUsage(cacheEntries = 12uL, activeConnections = 3uL))
        m.recordMemoryBytes("used", 4096uL)
        m.recordCustomMetric("swap", "volume", 2.5, MetricType.COUNTER)
        m.recordCustomMetric("swap", "volume", 1.5, MetricType.COUNTER)
        m.recordCustomMetric("pool", "depth", 7.0, MetricType.GAUGE)
        m.recordCustomMetric("pool", "depth", 3.0, MetricType.GAUGE)
        m.recordCustomMetric("swap", "latency", 0.2, MetricType.HISTOGRAM)
        val prom = m.prometheus()
        assertContains(prom, "mantra_mcp_requests_total{service=\"wallet\",transport=\"http\",status=\"error\"} 1")
        assertContains(prom, "mantra_resource_cache_entries{service=\"wallet\"} 12")
        assertContains(prom, "mantra_resource_memory_bytes{service=\"wallet\",kind=\"used\"} 4096")
        assertContains(prom, "mantra_custom_swap_volume_total{service=\"wallet\"} 4")
        assertContains(prom, "mantra_custom_pool_depth{service=\"wallet\"} 3")
        assertContains(prom, "mantra_custom_swap_latency_count{service=\"wallet\"} 1")
        assertEquals(listOf(MetricsLabel("service", "wallet")), m.getAllMetrics().constLabels)
    }

    @Test
    fun `bad input is a MantraException with a clear message`() {
        val ns = assertFailsWith<MantraException.InvalidConfig> { MetricsCollector(MetricsConfig(namespace = "9lives")) }
        assertContains(ns.reason, "namespace")
        val buckets = assertFailsWith<MantraException.InvalidConfig> {
            MetricsCollector(MetricsConfig(histogramBuckets = listOf(1.0, 0.5)))
        }
        assertContains(buckets.reason, "histogram_buckets")
        val retention = assertFailsWith<MantraException.InvalidConfig> {
            MetricsCollector(MetricsConfig(retentionPeriod = Duration.ofSeconds(1), aggregationInterval = Duration.ofSeconds(2)))
        }
        assertContains(retention.reason, "retention_period")

        val m = MetricsCollector(MetricsConfig(maxCustomMetrics = 1uL))
        val neg = assertFailsWith<MantraException.InvalidArgument> { m.recordCustomMetric("a", "b", -1.0, MetricType.COUNTER) }
        assertContains(neg.reason, "cannot record -1")
        val nan = assertFailsWith<MantraException.InvalidArgument> { m.recordCustomMetric("a", "b", Double.NaN, MetricType.HISTOGRAM) }
        assertContains(nan.reason, "NaN")
        val name = assertFailsWith<MantraException.InvalidArgument> { m.recordCustomMetric("!!", "??", 1.0, MetricType.GAUGE) }
        assertContains(name.reason, "no usable characters")
        m.recordCustomMetric("a", "b", 1.0, MetricType.GAUGE)
        val type = assertFailsWith<MantraException.InvalidArgument> { m.recordCustomMetric("a", "b", 1.0, MetricType.COUNTER) }
        assertContains(type.reason, "already a gauge")
        val cap = assertFailsWith<MantraException.CapacityExceeded> { m.recordCustomMetric("c", "d", 1.0, MetricType.GAUGE) }
        assertContains(cap.reason, "max_custom_metrics")
        assertContains(m.prometheus(), "mantra_metrics_rejected_total{reason=\"type_conflict\"} 1")
    }

    @Test
    fun `the exporters produce valid JSON`() {
        val m = MetricsCollector()
        m.recordProtocolOperation("rpc", "status", Duration.ofMillis(20), true)
        val otlp = Json.parseToJsonElement(m.otlpJson()).jsonObject
        val metrics = otlp.getValue("resourceMetrics").jsonArray[0].jsonObject.getValue("scopeMetrics")
            .jsonArray[0].jsonObject.getValue("metrics").jsonArray
        assertTrue(metrics.any { it.jsonObject.getValue("name").jsonPrimitive.content == "mantra_protocol_operations_total" })
        val snap = Json.parseToJsonElement(m.snapshotJson()).jsonObject
        assertEquals("mantra", snap.getValue("namespace").jsonPrimitive.content)
        assertEquals(
            m.getAllMetrics().families.map { it.name },
            snap.getValue("families").jsonArray.map { it.jsonObject.getValue("name").jsonPrimitive.content },
        )
    }

    @Test
    fun `aggregation windows follow the manual clock`() = runBlocking<Unit> {
        val clock = ManualClock()
        val m = MetricsCollector.withClock(
            MetricsConfig(aggregationInterval = Duration.ofSeconds(1), retentionPeriod = Duration.ofSeconds(3)),
            clock,
        )
        m.initialize()
        m.initialize() // idempotent
        assertTrue(m.isRunning())
        m.recordProtocolOperation("rpc", "status", Duration.ofMillis(10), true)
        clock.advance(Duration.ofMillis(999))
        assertTrue(m.windows().isEmpty(), "a window before the interval")
        clock.advance(Duration.ofMillis(1))
        assertEquals(1, m.windows().size, "no window after one interval")
        val w = m.windows().single()
        assertEquals("mantra_protocol_operation_duration_seconds", w.family)
        assertEquals(1uL, w.count)
        assertEquals(clock.wallTime(), w.end)
        assertEquals(w.start.plusSeconds(1), w.end)
        clock.advance(Duration.ofSeconds(4))
        assertTrue(m.windows().isEmpty(), "pruned after the retention period")
        m.shutdown()
        assertFalse(m.isRunning())
        assertFailsWith<MantraException.Closed> { m.initialize() }
        m.recordProtocolOperation("rpc", "status", Duration.ofMillis(10), true) // still records
        assertEquals(2uL, m.getAllMetrics().family("mantra_protocol_operation_duration_seconds").series[0].histogram!!.count)
    }

    @Test
    fun `recording from many threads loses nothing`() = runBlocking<Unit>(Dispatchers.Default) {
        val m = MetricsCollector()
        (0 until 8).map { t ->
            async {
                repeat(5000) { m.recordProtocolOperation("rpc", "op${it % 4}", Duration.ofNanos(1000L * t), it % 10 != 0) }
            }
        }.awaitAll()
        val ops = m.getAllMetrics().family("mantra_protocol_operations_total")
        assertEquals(40_000.0, ops.series.sumOf { it.value!! })
        assertEquals(4_000.0, ops.series.filter { s -> s.labels.any { it.value == "error" } }.sumOf { it.value!! })
    }
}
