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
import mantra.sdk.ManualClock
import mantra.sdk.MetricType
import mantra.sdk.MetricsCollector
import mantra.sdk.ProtocolOperation

/**
 * `make bench-kotlin`: a manual harness (not JMH), single-threaded, one JVM for the SDK and
 * the anchors. Each case runs [WARMUP_NS] of warm-up calls (JIT, JNA), which also sizes a
 * round to about [ROUND_NS]; then [ROUNDS] timed rounds; we report the median round (and the
 * best) in ns per call, wall time and the thread's CPU time. Results go to a volatile sink so
 * the JIT cannot drop the calls. The anchors (Caffeine, Micrometer with its Prometheus
 * registry) run in the same process, back to back, so a loaded machine slows both sides
 * alike; the ratios are the result, not the absolute ns.
 */
private const val WARMUP_NS = 2_000_000_000L
private const val ROUND_NS = 200_000_000L
private const val ROUNDS = 11

@Volatile
private var sink: Any? = null

private class Result(val name: String, val medianNs: Double, val bestNs: Double, val cpuNs: Double)

private val results = LinkedHashMap<String, Result>()
private val threads = java.lang.management.ManagementFactory.getThreadMXBean()

/** Times `op`; `items` > 1 reports per item of a batched call. */
private fun measure(name: String, items: Int = 1, op: (Int) -> Any?) {
    var i = 0
    val warmStart = System.nanoTime()
    val warmEnd = warmStart + WARMUP_NS
    while (System.nanoTime() < warmEnd) {
        repeat(100) { sink = op(i++) }
    }
    val batch = maxOf(100, (i.toDouble() * ROUND_NS / (System.nanoTime() - warmStart)).toInt())
    val perOp = DoubleArray(ROUNDS)
    val cpuPerOp = DoubleArray(ROUNDS)
    for (r in 0 until ROUNDS) {
        val c0 = threads.currentThreadCpuTime
        val t0 = System.nanoTime()
        for (k in 0 until batch) sink = op(i++)
        perOp[r] = (System.nanoTime() - t0).toDouble() / batch / items
        cpuPerOp[r] = (threads.currentThreadCpuTime - c0).toDouble() / batch / items
    }
    perOp.sort()
    cpuPerOp.sort()
    val res = Result(name, perOp[ROUNDS / 2], perOp[0], cpuPerOp[ROUNDS / 2])
    results[name] = res
    println(String.format("%-60s %11.1f ns/op  (best %.1f, cpu %.1f)", name, res.medianNs, res.bestNs, res.cpuNs))
}

private fun ratio(sdk: String, anchor: String) {
    val a = results.getValue(sdk)
    val b = results.getValue(anchor)
    println(String.format("  %-100s %8.1fx (cpu %.1fx)", "$sdk / $anchor", a.medianNs / b.medianNs, a.cpuNs / b.cpuNs))
}

fun main() {
    val rt = Runtime.getRuntime()
    println("mantra-sdk Kotlin/JVM benchmarks — ${System.getProperty("java.vm.name")} ${System.getProperty("java.version")}, " +
        "${rt.availableProcessors()} CPUs, JNA ${com.sun.jna.Native.VERSION}")
    println("manual harness: ${WARMUP_NS / 1_000_000_000} s warm-up, median of $ROUNDS rounds of ~${ROUND_NS / 1_000_000} ms, single thread\n")
    val keys = Array(1000) { "pool:$it" }
    val value = """{"pool_id":"o.uom.uusdc","reserves":["1000000","2500000"],"fee":"0.003"}"""

    // --- the FFI floor: calls that do (almost) nothing in Rust ---
    val clock = ManualClock()
    measure("FFI floor: ManualClock.pendingSleeps() (u64, no args)") { clock.pendingSleeps() }
    val probe = CacheManager()
    measure("FFI floor: CacheManager.len() (u64, no args)") { probe.len() }
    measure("FFI floor: CacheManager.contains(key, type) (string arg)") { probe.contains(keys[it % 1000], CacheType.GENERIC) }

    // --- cache: SDK vs Caffeine (both bounded at 10 000 entries, TTL 300 s) ---
    val cache = CacheManager(CacheConfig(maxEntries = 10_000uL))
    for (k in keys) cache.put(k, value, CacheType.POOL_INFO)
    measure("mantra CacheManager.get (hit, JSON text out)") { cache.get(keys[it % 1000], CacheType.POOL_INFO) }
    measure("mantra CacheManager.get (miss)") { cache.get("missing:${it and 7}", CacheType.POOL_INFO) }
    measure("mantra CacheManager.put (JSON text in)") { cache.put(keys[it % 1000], value, CacheType.POOL_INFO) }
    val hundred = (0 until 10).map { b -> keys.slice(b * 100 until b * 100 + 100) }
    measure("mantra CacheManager.getMany (100 hits per call), per key", items = 100) {
        cache.getMany(hundred[it % 10], CacheType.POOL_INFO)
    }

    val caffeine = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(300, TimeUnit.SECONDS).build<String, String>()
    for (k in keys) caffeine.put(k, value)
    measure("Caffeine getIfPresent (hit)") { caffeine.getIfPresent(keys[it % 1000]) }
    measure("Caffeine getIfPresent (miss)") { caffeine.getIfPresent("missing:${it and 7}") }
    measure("Caffeine put") { caffeine.put(keys[it % 1000], value) }

    // --- metrics: SDK vs Micrometer (Prometheus registry) ---
    val metrics = MetricsCollector()
    val lat = Duration.ofMillis(12)
    measure("mantra recordProtocolOperation (counter + histogram)") {
        metrics.recordProtocolOperation("rpc", "status", lat, true)
    }
    val ops = List(100) { ProtocolOperation("rpc", "status", lat, true) }
    measure("mantra recordProtocolOperations (100 per call), per op", items = 100) {
        metrics.recordProtocolOperations(ops)
    }
    measure("mantra recordCustomMetric (counter)") {
        metrics.recordCustomMetric("app", "swaps", 1.0, MetricType.COUNTER)
    }
    val registry = PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
    measure("Micrometer Timer+Counter looked up by name/tags per call") {
        Timer.builder("protocol_operation_duration").tag("protocol", "rpc").tag("operation", "status")
            .register(registry).record(lat)
        Counter.builder("protocol_operations").tag("protocol", "rpc").tag("operation", "status")
            .tag("status", "success").register(registry).increment()
    }
    val timer = Timer.builder("t2").tag("protocol", "rpc").tag("operation", "status").register(registry)
    val counter = Counter.builder("c2").tag("protocol", "rpc").tag("operation", "status").tag("status", "success").register(registry)
    measure("Micrometer pre-registered Timer.record + Counter.increment") {
        timer.record(lat)
        counter.increment()
    }
    val plainCounter = Counter.builder("c3").register(registry)
    measure("Micrometer pre-registered Counter.increment") { plainCounter.increment() }
    measure("mantra prometheus() export (text)") { metrics.prometheus().length }
    measure("Micrometer scrape() export (text)") { registry.scrape().length }

    println("\nratios (median, SDK / anchor; > 1 = the SDK is slower):")
    ratio("mantra CacheManager.get (hit, JSON text out)", "Caffeine getIfPresent (hit)")
    ratio("mantra CacheManager.get (miss)", "Caffeine getIfPresent (miss)")
    ratio("mantra CacheManager.put (JSON text in)", "Caffeine put")
    ratio("mantra CacheManager.getMany (100 hits per call), per key", "Caffeine getIfPresent (hit)")
    ratio("mantra recordProtocolOperation (counter + histogram)", "Micrometer Timer+Counter looked up by name/tags per call")
    ratio("mantra recordProtocolOperation (counter + histogram)", "Micrometer pre-registered Timer.record + Counter.increment")
    ratio("mantra recordProtocolOperations (100 per call), per op", "Micrometer pre-registered Timer.record + Counter.increment")
    ratio("mantra recordCustomMetric (counter)", "Micrometer pre-registered Counter.increment")
    ratio("mantra prometheus() export (text)", "Micrometer scrape() export (text)")
}
