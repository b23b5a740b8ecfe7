package mantra.sdk.bench

import com.github.benmanes.caffeine.cache.Caffeine
import io.micrometer.core.instrument.Counter
import io.micrometer.core.instrument.Timer
import io.micrometer.prometheusmetrics.PrometheusConfig
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry
import java.time.Duration
import java.util.concurrent.TimeUnit
import mantra.sdk.CacheConfig
import mantra.sdk.CacheManager
import mantra.sdk.CacheType
import mantra.sdk.MetricType
import mantra.sdk.MetricsCollector

/**
 * `make bench-kotlin`: a manual harness (no JMH). Each case runs [WARMUP_NS] of warm-up
 * calls (JIT, JNA method caches), then [ROUNDS] timed rounds of [batch] calls each; we report
 * the median and best round in ns/op. Results feed a volatile sink so the JIT cannot drop
 * the calls. Single thread; the same JVM runs the SDK and the anchors back to back.
 */
private const val WARMUP_NS = 2_000_000_000L
private const val ROUNDS = 15

@Volatile
private var sink: Any? = null

private data class Result(val name: String, val medianNs: Double, val bestNs: Double)

private fun measure(name: String, batch: Int, op: (Int) -> Any?): Result {
    var i = 0
    val warmEnd = System.nanoTime() + WARMUP_NS
    while (System.nanoTime() < warmEnd) {
        repeat(1000) { sink = op(i++) }
    }
    val perOp = DoubleArray(ROUNDS)
    for (r in 0 until ROUNDS) {
        val t0 = System.nanoTime()
        for (k in 0 until batch) sink = op(i++)
        perOp[r] = (System.nanoTime() - t0).toDouble() / batch
    }
    perOp.sort()
    val res = Result(name, perOp[ROUNDS / 2], perOp[0])
    println(String.format("%-52s %10.1f ns/op (best %.1f)", name, res.medianNs, res.bestNs))
    return res
}

fun main() {
    println("mantra-sdk Kotlin/JVM benchmarks — ${System.getProperty("java.vm.name")} ${System.getProperty("java.version")}")
    val keys = Array(1000) { "pool:$it" }
    val value = """{"pool_id":"o.uom.uusdc","reserves":["1000000","2500000"],"fee":"0.003"}"""
    val results = mutableListOf<Result>()

    // --- cache ---
    val sdkCache = CacheManager(CacheConfig(maxEntries = 10_000uL))
    for (k in keys) sdkCache.put(k, value, CacheType.POOL_INFO)
    results += measure("mantra CacheManager.get (hit)", 100_000) { sdkCache.get(keys[it % 1000], CacheType.POOL_INFO) }
    results += measure("mantra CacheManager.get (miss)", 100_000) { sdkCache.get("missing:${it and 7}", CacheType.POOL_INFO) }
    results += measure("mantra CacheManager.put", 100_000) { sdkCache.put(keys[it % 1000], value, CacheType.POOL_INFO) }

    val caffeine = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(300, TimeUnit.SECONDS).build<String, String>()
    for (k in keys) caffeine.put(k, value)
    results += measure("Caffeine get (hit)", 1_000_000) { caffeine.getIfPresent(keys[it % 1000]) }
    results += measure("Caffeine get (miss)", 1_000_000) { caffeine.getIfPresent("missing:${it and 7}") }
    results += measure("Caffeine put", 1_000_000) { caffeine.put(keys[it % 1000], value) }

    // --- metrics ---
    val metrics = MetricsCollector()
    val lat = Duration.ofMillis(12)
    results += measure("mantra recordProtocolOperation", 100_000) {
        metrics.recordProtocolOperation("rpc", "status", lat, true)
    }
    results += measure("mantra recordCustomMetric (counter)", 100_000) {
        metrics.recordCustomMetric("app", "swaps", 1.0, MetricType.COUNTER)
    }
    val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
    results += measure("Micrometer Timer.builder(tags).record + Counter", 1_000_000) {
        Timer.builder("protocol_operation_duration").tag("protocol", "rpc").tag("operation", "status")
            .register(registry).record(lat)
        Counter.builder("protocol_operations").tag("protocol", "rpc").tag("operation", "status").tag("status", "success")
            .register(registry).increment()
    }
    val timer = Timer.builder("t2").tag("protocol", "rpc").tag("operation", "status").register(registry)
    val counter = Counter.builder("c2").tag("protocol", "rpc").tag("operation", "status").tag("status", "success").register(registry)
    results += measure("Micrometer pre-registered Timer.record + Counter", 1_000_000) {
        timer.record(lat)
        counter.increment()
    }
    results += measure("mantra prometheus() export", 200) { metrics.prometheus().length }
    results += measure("Micrometer scrape() export", 200) { registry.scrape().length }
}
