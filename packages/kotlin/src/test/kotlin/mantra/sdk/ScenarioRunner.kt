package mantra.sdk

import java.io.File
import java.math.BigDecimal
import java.time.Duration
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.doubleOrNull
import kotlinx.serialization.json.longOrNull
import kotlinx.serialization.json.put

/**
 * Runs the shared conformance scenarios (`tests/scenarios/<name>.json`, format in
 * `tests/scenarios/README.md`) against the Kotlin bindings, mirroring the Rust runner
 * (`core/tests/scenarios.rs`): strict keys, subset matching for reports, `expect_error`
 * codes and fields, all time virtual (a [ManualClock]; `settle()` after every step).
 */
class ScenarioFailure(message: String) : Exception(message)

private fun fail(msg: String): Nothing = throw ScenarioFailure(msg)

/** What a step produced: a value (exact or subset match), nothing, or an SDK error. */
private sealed class Outcome {
    data class Value(val value: JsonElement, val subset: Boolean) : Outcome()
    object None : Outcome()
    data class Error(val e: MantraException) : Outcome()
}

private fun exact(v: JsonElement) = Outcome.Value(v, subset = false)
private fun report(v: JsonElement) = Outcome.Value(v, subset = true)
private fun json(v: Any?): JsonElement = when (v) {
    null -> JsonNull
    is JsonElement -> v
    is Boolean -> JsonPrimitive(v)
    is Number -> JsonPrimitive(v)
    is ULong -> JsonPrimitive(BigDecimal(v.toString()))
    is UInt -> JsonPrimitive(v.toLong())
    is String -> JsonPrimitive(v)
    else -> error("no JSON for $v")
}

private inline fun attempt(block: () -> Outcome): Outcome =
    try {
        block()
    } catch (e: MantraException) {
        Outcome.Error(e)
    }

// ----- strict field access ----------------------------------------------------------------

private val COMMON_STEP_KEYS = setOf("op", "expect", "expect_error", "field", "approx", "note")

private fun onlyKeys(m: JsonObject, allowed: Collection<String>, what: String) {
    val isStep = what != "scenario" && m.containsKey("op")
    val unknown = m.keys.filter { it !in allowed && !(isStep && it in COMMON_STEP_KEYS) }
    if (unknown.isNotEmpty()) fail("unknown field(s) in $what: ${unknown.joinToString(", ")}")
}

private fun JsonElement.prim(): JsonPrimitive? = this as? JsonPrimitive
private fun JsonObject.str(k: String): String =
    this[k]?.prim()?.takeIf { it.isString }?.content ?: fail("missing string `$k`")
private fun JsonObject.optStr(k: String): String? = when (val v = this[k]) {
    null -> null
    else -> v.prim()?.takeIf { it.isString }?.content ?: fail("`$k` must be a string")
}
private fun JsonElement.asU64(): Long? = prim()?.takeIf { !it.isString }?.longOrNull?.takeIf { it >= 0 }
private fun JsonObject.u64(k: String): Long = this[k]?.asU64() ?: fail("missing non-negative integer `$k`")
private fun JsonObject.optU64(k: String): Long? = this[k]?.let { it.asU64() ?: fail("`$k` must be a non-negative integer") }
private fun JsonObject.bool(k: String): Boolean =
    this[k]?.prim()?.takeIf { !it.isString }?.booleanOrNull ?: fail("missing boolean `$k`")
private fun JsonObject.value(k: String): JsonElement = this[k] ?: fail("missing `$k`")
private fun JsonObject.obj(k: String, what: String = k): JsonObject = this[k] as? JsonObject ?: fail("`$what` must be an object")
private fun JsonElement.number(): Double? = prim()?.takeIf { !it.isString }?.doubleOrNull

/** Reads a config object field by field; [finish] rejects whatever was not read. */
private class ConfigReader(config: JsonObject) {
    private val map = config.toMutableMap()
    fun take(k: String): JsonElement? = map.remove(k)
    fun u64(k: String): Long? = take(k)?.let { it.asU64() ?: fail("config `$k` must be a non-negative integer") }
    fun ms(k: String): Duration? = u64(k)?.let(Duration::ofMillis)
    fun bool(k: String): Boolean? = take(k)?.let { it.prim()?.takeIf { p -> !p.isString }?.booleanOrNull ?: fail("config `$k` must be a boolean") }
    fun finish() {
        if (map.isNotEmpty()) fail("unknown config field(s): ${map.keys.joinToString(", ")}")
    }
}

// ----- comparison ---------------------------------------------------------------------------

private fun compare(exp: JsonElement, got: JsonElement, subset: Boolean, approx: Map<String, Double>, path: String) {
    val key = path.substringAfterLast('.')
    val en = exp.number()
    val gn = got.number()
    when {
        en != null && gn != null && exp !is JsonNull && got !is JsonNull -> {
            val tol = approx[key] ?: 0.0
            if (!(en == gn || Math.abs(en - gn) <= tol)) fail("at $path: expected $en, got $gn")
        }
        exp is JsonObject && got is JsonObject -> {
            if (!subset) got.keys.firstOrNull { it !in exp }?.let { fail("at $path: unexpected key `$it`") }
            for ((k, ev) in exp) {
                val gv = got[k] ?: fail("at $path.$k: missing")
                compare(ev, gv, subset, approx, "$path.$k")
            }
        }
        exp is JsonArray && got is JsonArray -> {
            if (exp.size != got.size) fail("at $path: expected ${exp.size} elements, got ${got.size}")
            exp.indices.forEach { compare(exp[it], got[it], subset, approx, "$path[$it]") }
        }
        exp == got -> {}
        else -> fail("at $path: expected $exp, got ${truncate(got.toString())}")
    }
}

private fun truncate(s: String) = if (s.length <= 2000) s else s.take(2000) + "… (${s.length} chars)"

private fun checkOutcome(s: JsonObject, outcome: Outcome, resolve: (JsonElement) -> JsonElement, approx: Map<String, Double>) {
    val expect = s["expect"]
    val expectError = s["expect_error"]?.let { it.prim()?.takeIf { p -> p.isString }?.content ?: fail("`expect_error` must be a string") }
    val field = s["field"]?.let {
        if (expectError != "invalid_config") fail("`field` must be a string and needs `expect_error: invalid_config`")
        it.prim()?.takeIf { p -> p.isString }?.content ?: fail("`field` must be a string")
    }
    if (expect != null && expectError != null) fail("a step has either `expect` or `expect_error`, not both")
    when (outcome) {
        is Outcome.Error -> {
            val e = outcome.e
            if (expectError == null) fail("unexpected error `${e.code()}`: ${e.reason()}")
            if (e.code() != expectError) fail("expected error `$expectError`, got `${e.code()}`: ${e.reason()}")
            if (field != null) {
                val got = (e as? MantraException.InvalidConfig)?.field
                if (got != field) fail("expected invalid field `$field`, got: ${e.reason()}")
            }
        }
        else -> {
            if (expectError != null) {
                val got = (outcome as? Outcome.Value)?.value?.toString() ?: "(no result)"
                fail("expected error `$expectError`, got success $got")
            }
            if (expect != null) {
                val v = outcome as? Outcome.Value ?: fail("this op has no result to `expect`")
                val exp = resolve(expect)
                try {
                    compare(exp, v.value, v.subset, approx, "$")
                } catch (f: ScenarioFailure) {
                    fail("${f.message}\n    expected: $exp\n    actual:   ${truncate(v.value.toString())}")
                }
            }
        }
    }
}

private fun parseApprox(s: JsonObject): Map<String, Double> {
    val a = s["approx"] ?: return emptyMap()
    val m = a as? JsonObject ?: fail("`approx` must be an object")
    return m.mapValues { (k, v) -> v.number()?.takeIf { it >= 0 } ?: fail("`approx.$k` must be a number >= 0") }
}

// ----- the runner ----------------------------------------------------------------------------

object ScenarioRunner {
    val dir: File = File(System.getProperty("mantra.scenarios.dir") ?: "../../tests/scenarios")

    fun files(): List<File> = dir.listFiles { f -> f.name.endsWith(".json") }?.sortedBy { it.name }
        ?: error("cannot read scenarios from ${dir.absolutePath}")

    /** Runs one scenario file; throws [ScenarioFailure] naming the step on a mismatch. */
    fun runFile(file: File) {
        val stem = file.name.removeSuffix(".json")
        val doc = try {
            Json.parseToJsonElement(file.readText())
        } catch (e: Exception) {
            fail("invalid JSON: ${e.message}")
        }
        val top = doc as? JsonObject ?: fail("a scenario must be a JSON object")
        val component = top.str("component")
        val extra = when (component) {
            "batch" -> listOf("executor")
            "health" -> listOf("checks")
            "cache", "metrics" -> emptyList()
            else -> fail("unknown component `$component`")
        }
        onlyKeys(top, listOf("name", "component", "description", "config", "steps") + extra, "scenario")
        val name = top.str("name")
        if (name != stem) fail("`name` is `$name` but the file is `$stem.json`")
        top.str("description")
        val config = when (val c = top["config"]) {
            null -> JsonObject(emptyMap())
            is JsonObject -> c
            else -> fail("`config` must be an object")
        }
        val steps = top["steps"] as? JsonArray ?: fail("`steps` must be an array")
        if (steps.isEmpty()) fail("`steps` is empty")
        runBlocking { runSteps(component, top, config, steps) }
    }

    private suspend fun runSteps(component: String, top: JsonObject, config: JsonObject, steps: JsonArray) {
        val clock = ManualClock()
        val prepared = try {
            prepare(component, config, top, clock)
        } catch (f: ScenarioFailure) {
            fail("setup: ${f.message}")
        }
        var driver: Driver? = null
        try {
            for ((i, stepEl) in steps.withIndex()) {
                val s = stepEl as? JsonObject ?: fail("step $i: must be an object")
                val op = s["op"]?.prim()?.takeIf { it.isString }?.content ?: fail("step $i: missing string `op`")
                try {
                    if (op == "construct") {
                        if (i != 0) fail("`construct` must be the first step")
                        onlyKeys(s, emptyList(), op)
                        val outcome = attempt { driver = prepared.build(); Outcome.None }
                        checkOutcome(s, outcome, { it }, emptyMap())
                        continue
                    }
                    if (driver == null) {
                        driver = try {
                            prepared.build()
                        } catch (e: MantraException) {
                            fail("construction failed: ${e.reason()} (${e.code()})")
                        }
                    }
                    val d = driver!!
                    val approx = parseApprox(s)
                    val outcome = if (op == "advance") {
                        onlyKeys(s, listOf("ms"), op)
                        clock.advance(Duration.ofMillis(s.u64("ms")))
                        Outcome.None
                    } else {
                        d.step(op, s)
                    }
                    clock.settle()
                    checkOutcome(s, outcome, d::resolve, approx)
                } catch (f: ScenarioFailure) {
                    fail("step $i ($op): ${f.message}")
                }
            }
        } finally {
            driver?.close()
        }
    }

    private fun prepare(component: String, config: JsonObject, top: JsonObject, clock: ManualClock): Prepared = when (component) {
        "cache" -> CacheDriver.prepare(config, clock)
        "batch" -> BatchDriver.prepare(config, top["executor"], clock)
        "metrics" -> MetricsDriver.prepare(config, clock)
        "health" -> HealthDriver.prepare(config, top["checks"], clock)
        else -> fail("unknown component `$component`")
    }
}

private fun interface Prepared {
    /** Builds the component; a [MantraException] is the component's own error. */
    fun build(): Driver
}

private interface Driver : AutoCloseable {
    suspend fun step(op: String, s: JsonObject): Outcome
    fun resolve(v: JsonElement): JsonElement = v
}

// ----- cache -------------------------------------------------------------------------------

private fun cacheType(s: String): CacheType =
    CacheType.entries.firstOrNull { it.name.lowercase() == s } ?: fail("unknown cache type `$s`")

/** Replaces every weight sum `{"weights": [{key, value}...], "plus": n}` by its number. */
private fun resolveWeights(v: JsonElement): JsonElement = when {
    v is JsonObject && v.containsKey("weights") -> {
        onlyKeys(v, listOf("weights", "plus"), "weight sum")
        val list = v["weights"] as? JsonArray ?: fail("`weights` must be an array")
        var total = BigDecimal.ZERO
        for (e in list) {
            val o = e as? JsonObject ?: fail("a `weights` entry must be an object")
            onlyKeys(o, listOf("key", "value"), "weights entry")
            total += BigDecimal(cacheEntryWeight(o.str("key"), o.value("value").toString()).toString())
        }
        v["plus"]?.let { total += BigDecimal(it.prim()?.longOrNull ?: fail("`plus` must be an integer")) }
        if (total.signum() < 0) fail("weight sum $total is negative")
        JsonPrimitive(total)
    }
    v is JsonObject -> JsonObject(v.mapValues { resolveWeights(it.value) })
    v is JsonArray -> JsonArray(v.map(::resolveWeights))
    else -> v
}

private class CacheDriver(val cache: CacheManager) : Driver {
    companion object {
        fun prepare(config: JsonObject, clock: ManualClock): Prepared {
            val r = ConfigReader(config)
            val maxEntries = r.u64("max_entries")
            val defaultTtl = r.ms("default_ttl_ms")
            val enableStats = r.bool("enable_stats")
            val cleanup = r.ms("cleanup_interval_ms")
            val maxBytes = r.take("max_memory_bytes")?.let {
                resolveWeights(it).asU64() ?: fail("config `max_memory_bytes` must be a non-negative integer")
            }
            val ttls = r.take("ttl_by_type_ms")?.let { v ->
                val m = v as? JsonObject ?: fail("`ttl_by_type_ms` must be an object")
                m.map { (t, ms) -> cacheType(t) to Duration.ofMillis(ms.asU64() ?: fail("`ttl_by_type_ms.$t` must be an integer")) }.toMap()
            } ?: emptyMap()
            r.finish()
            val cfg = CacheConfig(
                maxEntries = maxEntries?.toULong(),
                defaultTtl = defaultTtl,
                enableStats = enableStats,
                cleanupInterval = cleanup,
                maxMemoryBytes = maxBytes?.toULong(),
                ttlByType = ttls,
            )
            return Prepared { CacheDriver(CacheManager.withClock(cfg, clock)) }
        }
    }

    override fun resolve(v: JsonElement) = resolveWeights(v)

    private fun type(s: JsonObject) = cacheType(s.optStr("type") ?: "generic")

    override suspend fun step(op: String, s: JsonObject): Outcome = when (op) {
        "put" -> {
            onlyKeys(s, listOf("key", "value", "type", "ttl_ms"), op)
            val key = s.str("key")
            val value = s.value("value").toString()
            val ty = type(s)
            val ttl = s.optU64("ttl_ms")
            attempt {
                if (ttl != null) cache.putWithTtl(key, value, ty, Duration.ofMillis(ttl)) else cache.put(key, value, ty)
                Outcome.None
            }
        }
        "get" -> {
            onlyKeys(s, listOf("key", "type"), op)
            exact(cache.get(s.str("key"), type(s))?.let(Json::parseToJsonElement) ?: JsonNull)
        }
        "remove" -> {
            onlyKeys(s, listOf("key", "type"), op)
            exact(json(cache.remove(s.str("key"), type(s))))
        }
        "clear" -> {
            onlyKeys(s, emptyList(), op)
            cache.clear()
            Outcome.None
        }
        "clear_type" -> {
            onlyKeys(s, listOf("type"), op)
            exact(json(cache.clearType(cacheType(s.str("type")))))
        }
        "len" -> {
            onlyKeys(s, emptyList(), op)
            exact(json(cache.len()))
        }
        "cleanup" -> {
            onlyKeys(s, emptyList(), op)
            exact(json(cache.cleanup()))
        }
        "stats" -> {
            onlyKeys(s, emptyList(), op)
            val st = cache.stats()
            report(buildJsonObject {
                put("hits", json(st.hits)); put("misses", json(st.misses)); put("insertions", json(st.insertions))
                put("evictions", json(st.evictions)); put("evictions_capacity", json(st.evictionsCapacity))
                put("evictions_size", json(st.evictionsSize)); put("expirations", json(st.expirations))
                put("rejected", json(st.rejected)); put("entries", json(st.entries))
                put("memory_bytes", json(st.memoryBytes)); put("hit_rate", st.hitRate)
            })
        }
        "weight" -> {
            onlyKeys(s, listOf("key", "value"), op)
            exact(json(cacheEntryWeight(s.str("key"), s.value("value").toString())))
        }
        else -> fail("unknown cache op `$op`")
    }

    override fun close() = cache.close()
}

// ----- batch -------------------------------------------------------------------------------

/** A scripted error (`batch_limit` takes the batch size at call time). */
private class ScriptedError(val make: (size: Int) -> MantraException)

private sealed class Item {
    data class Ok(val value: JsonElement) : Item()
    object Echo : Item()
    class Err(val e: ScriptedError) : Item()
}

private sealed class Reply {
    object Echo : Reply()
    class Results(val items: List<Item>, val delayMs: Long) : Reply()
    class Error(val e: ScriptedError, val delayMs: Long) : Reply()
}

private fun parseError(v: JsonElement): ScriptedError {
    val m = v as? JsonObject ?: fail("an error must be an object")
    val message = m.optStr("message")
    return when (val code = m.str("code")) {
        "transport" -> {
            onlyKeys(m, listOf("code", "status", "retry_after_ms", "message"), "error")
            val status = m.optU64("status")?.also { if (it > 65535) fail("`status` too large") }
            val retryAfter = m.optU64("retry_after_ms")?.let(Duration::ofMillis)
            ScriptedError { MantraException.Transport(message ?: "scripted transport error", status?.toInt()?.toUShort(), retryAfter) }
        }
        "rpc" -> {
            onlyKeys(m, listOf("code", "rpc_code", "message"), "error")
            val rpcCode = m["rpc_code"]?.prim()?.longOrNull ?: fail("missing integer `rpc_code`")
            ScriptedError { MantraException.Rpc(message ?: "scripted rpc error", rpcCode, null) }
        }
        "batch_limit" -> {
            onlyKeys(m, listOf("code", "max"), "error")
            val max = m.u64("max")
            ScriptedError { size -> MantraException.BatchLimit("batch limit", size.toULong(), max.toULong()) }
        }
        "host" -> {
            onlyKeys(m, listOf("code", "message"), "error")
            ScriptedError { MantraException.Host(message ?: "scripted host error") }
        }
        else -> fail("unknown error code `$code`")
    }
}

private fun parseReply(v: JsonElement): Reply = when {
    v is JsonPrimitive && v.isString && v.content == "echo" -> Reply.Echo
    v is JsonObject && v.containsKey("results") -> {
        onlyKeys(v, listOf("results", "delay_ms"), "reply")
        val items = (v["results"] as? JsonArray ?: fail("`results` must be an array")).map { r ->
            when {
                r is JsonPrimitive && r.isString && r.content == "echo" -> Item.Echo
                r is JsonObject && r.size == 1 && r.containsKey("ok") -> Item.Ok(r.getValue("ok"))
                r is JsonObject && r.size == 1 && r.containsKey("error") -> Item.Err(parseError(r.getValue("error")))
                else -> fail("a result is \"echo\", {\"ok\": v} or {\"error\": e}, not $r")
            }
        }
        Reply.Results(items, v.optU64("delay_ms") ?: 0)
    }
    v is JsonObject && v.containsKey("error") -> {
        onlyKeys(v, listOf("error", "delay_ms"), "reply")
        Reply.Error(parseError(v.getValue("error")), v.optU64("delay_ms") ?: 0)
    }
    else -> fail("unknown executor reply $v")
}

/** The host's batch function, played from the scenario's script, waiting on the virtual clock. */
private class ScriptedBatchExecutor(val clock: ManualClock, replies: List<Reply>) : BatchExecutor {
    val replies = ConcurrentLinkedQueue(replies)
    val calls = CopyOnWriteArrayList<Pair<Long, List<String>>>()

    override suspend fun execute(ops: List<BatchOperation>): List<BatchItemResult> {
        calls.add(clock.now().toMillis() to ops.map { it.id })
        val reply = replies.poll() ?: Reply.Echo
        val delay = when (reply) {
            is Reply.Results -> reply.delayMs
            is Reply.Error -> reply.delayMs
            Reply.Echo -> 0
        }
        if (delay > 0) clock.sleep(Duration.ofMillis(delay))
        return when (reply) {
            Reply.Echo -> ops.map { BatchItemResult.Ok(it.paramsJson) }
            is Reply.Error -> throw reply.e.make(ops.size)
            is Reply.Results -> reply.items.mapIndexed { i, it ->
                when (it) {
                    is Item.Ok -> BatchItemResult.Ok(it.value.toString())
                    Item.Echo -> BatchItemResult.Ok(ops.getOrNull(i)?.paramsJson ?: "null")
                    is Item.Err -> BatchItemResult.Err(it.e.make(ops.size))
                }
            }
        }
    }
}

private fun priority(s: String): Priority = when (s) {
    "high" -> Priority.HIGH
    "normal" -> Priority.NORMAL
    "low" -> Priority.LOW
    else -> fail("unknown priority `$s` (high, normal, low)")
}

private class BatchDriver(val manager: BatchManager, val exec: ScriptedBatchExecutor) : Driver {
    val tickets = HashMap<String, BatchTicket>()

    companion object {
        fun prepare(config: JsonObject, executor: JsonElement?, clock: ManualClock): Prepared {
            val replies = when (executor) {
                null -> emptyList()
                is JsonArray -> executor.mapIndexed { i, r ->
                    try {
                        parseReply(r)
                    } catch (f: ScenarioFailure) {
                        fail("executor[$i]: ${f.message}")
                    }
                }
                else -> fail("`executor` must be an array of replies")
            }
            val r = ConfigReader(config)
            fun u32(k: String) = r.u64(k)?.let { if (it > UInt.MAX_VALUE.toLong()) fail("config `$k` is too large") else it.toUInt() }
            val cfg = BatchConfig(
                maxBatchSize = u32("max_batch_size"),
                maxBatchDelay = r.ms("max_batch_delay_ms"),
                enableAutoBatching = r.bool("enable_auto_batching"),
                maxConcurrentBatches = u32("max_concurrent_batches"),
                retryAttempts = u32("retry_attempts"),
                retryDelay = r.ms("retry_delay_ms"),
                retryJitter = false,
            )
            r.finish()
            return Prepared {
                val exec = ScriptedBatchExecutor(clock, replies)
                BatchDriver(BatchManager.withClock(cfg, exec, clock), exec)
            }
        }
    }

    private fun ticket(id: String) = tickets[id] ?: fail("no operation `$id` was submitted")

    override suspend fun step(op: String, s: JsonObject): Outcome = when (op) {
        "submit" -> {
            onlyKeys(s, listOf("id", "params", "priority", "timeout_ms"), op)
            val id = s.str("id")
            if (tickets.containsKey(id)) fail("duplicate operation id `$id`")
            val params = (s["params"] ?: JsonPrimitive(id)).toString()
            val p = priority(s.optStr("priority") ?: "normal")
            val timeout = Duration.ofMillis(s.optU64("timeout_ms") ?: 30_000)
            attempt {
                tickets[id] = manager.addOperation(id, params, p, timeout)
                Outcome.None
            }
        }
        "flush" -> {
            onlyKeys(s, emptyList(), op)
            manager.flush()
            Outcome.None
        }
        "done" -> {
            onlyKeys(s, listOf("id"), op)
            exact(json(ticket(s.str("id")).isDone()))
        }
        "await" -> {
            onlyKeys(s, listOf("id"), op)
            val id = s.str("id")
            val t = ticket(id)
            if (!t.isDone()) fail("operation `$id` has no result yet (await never waits: `advance` first)")
            exact(
                try {
                    buildJsonObject { put("ok", Json.parseToJsonElement(t.result())) }
                } catch (e: MantraException) {
                    buildJsonObject { put("error", e.code()) }
                }
            )
        }
        "executor_calls" -> {
            onlyKeys(s, emptyList(), op)
            report(buildJsonArray {
                for ((at, ids) in exec.calls) add(buildJsonObject {
                    put("at_ms", at)
                    put("ids", JsonArray(ids.map(::JsonPrimitive)))
                })
            })
        }
        "stats" -> {
            onlyKeys(s, emptyList(), op)
            val st = manager.stats()
            report(buildJsonObject {
                put("batches", json(st.batches)); put("operations", json(st.operations))
                put("avg_batch_size", st.avgBatchSize); put("retries", json(st.retries))
                put("failures", json(st.failures)); put("timeouts", json(st.timeouts))
                put("succeeded", json(st.succeeded)); put("cancelled", json(st.cancelled)); put("closed", json(st.closed))
                put("batch_limit_splits", json(st.batchLimitSplits)); put("pending", json(st.pending))
                put("in_flight", json(st.inFlight)); put("effective_max_batch_size", json(st.effectiveMaxBatchSize))
            })
        }
        "close" -> {
            onlyKeys(s, emptyList(), op)
            manager.shutdown()
            Outcome.None
        }
        else -> fail("unknown batch op `$op`")
    }

    override fun close() {
        tickets.values.forEach { it.close() }
        manager.close()
    }
}

// ----- metrics -----------------------------------------------------------------------------

private fun metricType(s: String): MetricType = when (s) {
    "counter" -> MetricType.COUNTER
    "gauge" -> MetricType.GAUGE
    "histogram" -> MetricType.HISTOGRAM
    else -> fail("unknown metric type `$s`")
}

private class MetricsDriver(val m: MetricsCollector) : Driver {
    companion object {
        fun prepare(config: JsonObject, clock: ManualClock): Prepared {
            val r = ConfigReader(config)
            val cfg = MetricsConfig(
                enableProtocolMetrics = r.bool("enable_protocol_metrics"),
                enableMcpMetrics = r.bool("enable_mcp_metrics"),
                enableResourceMetrics = r.bool("enable_resource_metrics"),
                enableCustomMetrics = r.bool("enable_custom_metrics"),
                retentionPeriod = r.ms("retention_period_ms"),
                aggregationInterval = r.ms("aggregation_interval_ms"),
                namespace = r.take("namespace")?.let { it.prim()?.takeIf { p -> p.isString }?.content ?: fail("`namespace` must be a string") },
                maxSeriesPerFamily = r.u64("max_series_per_family")?.toULong(),
                maxCustomMetrics = r.u64("max_custom_metrics")?.toULong(),
                histogramBuckets = r.take("histogram_buckets")?.let { v ->
                    (v as? JsonArray)?.map { it.number() ?: fail("`histogram_buckets` must be an array of numbers") }
                        ?: fail("`histogram_buckets` must be an array of numbers")
                },
                constLabels = r.take("const_labels")?.let { v ->
                    val bad = "`const_labels` must be [[name, value], ...]"
                    (v as? JsonArray ?: fail(bad)).map { p ->
                        val pair = p as? JsonArray ?: fail(bad)
                        val k = pair.getOrNull(0)?.prim()?.takeIf { it.isString }?.content
                        val x = pair.getOrNull(1)?.prim()?.takeIf { it.isString }?.content
                        if (pair.size != 2 || k == null || x == null) fail(bad)
                        MetricsLabel(k, x)
                    }
                },
            )
            r.finish()
            return Prepared { MetricsDriver(MetricsCollector.withClock(cfg, clock)) }
        }
    }

    /** The snapshot JSON with `families` keyed by name and `series_count` added. */
    private fun snapshot(): JsonObject {
        val v = Json.parseToJsonElement(m.snapshotJson()) as JsonObject
        val families = v["families"] as? JsonArray ?: fail("snapshot without families")
        val byName = families.associate { f ->
            val fo = f as JsonObject
            val n = (fo["series"] as? JsonArray)?.size ?: 0
            fo.getValue("name").prim()!!.content to JsonObject(fo + ("series_count" to JsonPrimitive(n)))
        }
        return JsonObject(v + ("families" to JsonObject(byName)))
    }

    override suspend fun step(op: String, s: JsonObject): Outcome = when (op) {
        "record_protocol" -> {
            onlyKeys(s, listOf("protocol", "operation", "latency_ms", "success", "error"), op)
            m.recordProtocolOperation(
                s.str("protocol"), s.str("operation"), Duration.ofMillis(s.u64("latency_ms")), s.bool("success"), s.optStr("error"),
            )
            Outcome.None
        }
        "record_mcp" -> {
            onlyKeys(s, listOf("latency_ms", "success", "transport"), op)
            m.recordMcpRequest(Duration.ofMillis(s.u64("latency_ms")), s.bool("success"), s.str("transport"))
            Outcome.None
        }
        "record_custom" -> {
            onlyKeys(s, listOf("category", "name", "value", "type"), op)
            val value = s["value"]?.number() ?: fail("missing number `value`")
            val category = s.str("category")
            val name = s.str("name")
            val type = metricType(s.str("type"))
            attempt {
                m.recordCustomMetric(category, name, value, type)
                Outcome.None
            }
        }
        "snapshot" -> {
            onlyKeys(s, emptyList(), op)
            report(snapshot())
        }
        "series" -> {
            onlyKeys(s, listOf("family", "labels"), op)
            val family = s.str("family")
            val labels = s.value("labels") as? JsonObject ?: fail("`labels` must be an object")
            val series = ((snapshot()["families"] as JsonObject)[family] as? JsonObject)?.get("series") as? JsonArray
            report(series?.firstOrNull { (it as JsonObject)["labels"] == labels } ?: JsonNull)
        }
        "prometheus" -> {
            onlyKeys(s, listOf("contains", "absent"), op)
            val text = m.prometheus()
            val lines = text.lines()
            fun list(k: String): List<String> = when (val v = s[k]) {
                null -> emptyList()
                else -> (v as? JsonArray)?.map { it.prim()?.takeIf { p -> p.isString }?.content ?: fail("`$k` must be an array of strings") }
                    ?: fail("`$k` must be an array of strings")
            }
            val missing = list("contains").filter { it !in lines }
            val present = list("absent").filter { p -> lines.any { it.startsWith(p) } }
            if (missing.isNotEmpty() || present.isNotEmpty()) {
                fail("prometheus text mismatch\n    missing lines: $missing\n    present but absent expected: $present\n    text:\n${truncate(text)}")
            }
            Outcome.None
        }
        else -> fail("unknown metrics op `$op`")
    }

    override fun close() = m.close()
}

// ----- health ------------------------------------------------------------------------------

private sealed class CheckStep {
    object Ok : CheckStep()
    object Fail : CheckStep()
    object Degraded : CheckStep()
    object Timeout : CheckStep()
    class After(val ms: Long, val then: CheckStep) : CheckStep()
}

private fun parseCheckStep(v: JsonElement): CheckStep {
    fun simple(s: String, allowTimeout: Boolean): CheckStep = when (s) {
        "ok" -> CheckStep.Ok
        "fail" -> CheckStep.Fail
        "degraded" -> CheckStep.Degraded
        "timeout" -> if (allowTimeout) CheckStep.Timeout else fail("`then` must be ok, fail or degraded, not `timeout`")
        else -> fail("unknown check result `$s`")
    }
    return when {
        v is JsonPrimitive && v.isString -> simple(v.content, true)
        v is JsonObject -> {
            onlyKeys(v, listOf("after_ms", "then"), "check step")
            CheckStep.After(v.u64("after_ms"), simple(v.str("then"), false))
        }
        else -> fail("unknown check step $v")
    }
}

/** A health check played from its script (the last entry repeats), waiting on the virtual clock. */
private class ScriptedHealthCheck(val clock: ManualClock, val script: List<CheckStep>) : HealthCheck {
    private val next = AtomicInteger()

    private fun outcome(step: CheckStep): HealthCheckOutcome = when (step) {
        CheckStep.Fail -> throw MantraException.HealthCheck("scripted failure")
        CheckStep.Degraded -> HealthCheckOutcome.Degraded("scripted degradation", null)
        else -> HealthCheckOutcome.Healthy(null)
    }

    override suspend fun check(): HealthCheckOutcome {
        val step = script[minOf(next.getAndIncrement(), script.size - 1)]
        return when (step) {
            // Never answers: only the check's timeout ends it (100 years of virtual time).
            CheckStep.Timeout -> {
                clock.sleep(Duration.ofDays(36_500))
                fail("a `timeout` check answered")
            }
            is CheckStep.After -> {
                clock.sleep(Duration.ofMillis(step.ms))
                outcome(step.then)
            }
            else -> outcome(step)
        }
    }
}

private fun componentJson(c: ComponentHealth): JsonObject = buildJsonObject {
    put("name", c.name)
    put("status", c.status.name.lowercase())
    put("critical", c.critical)
    put("tags", JsonArray(c.tags.map(::JsonPrimitive)))
    put("consecutive_failures", json(c.consecutiveFailures))
    put("consecutive_successes", json(c.consecutiveSuccesses))
    put("last_error", json(c.lastError))
    put("output", json(c.output))
    put("details", c.details?.let(Json::parseToJsonElement) ?: JsonNull)
    put("last_latency_ms", c.lastLatency?.let { JsonPrimitive(it.toNanos() / 1e6) } ?: JsonNull)
    put("total_checks", json(c.totalChecks))
    put("total_failures", json(c.totalFailures))
    put("recovery_attempts", json(c.recoveryAttempts))
    put("recovery_successes", json(c.recoverySuccesses))
}

private class HealthDriver(val checker: HealthChecker) : Driver {
    var round: Deferred<Result<SystemHealth>>? = null

    companion object {
        fun prepare(config: JsonObject, checks: JsonElement?, clock: ManualClock): Prepared {
            val parsed = when (checks) {
                null -> emptyList()
                is JsonObject -> checks.map { (name, c) ->
                    try {
                        val m = c as? JsonObject ?: fail("a check must be an object")
                        onlyKeys(m, listOf("critical", "timeout_ms", "script"), "check")
                        val critical = m["critical"]?.let { it.prim()?.takeIf { p -> !p.isString }?.booleanOrNull ?: fail("`critical` must be a boolean") }
                        val timeout = m.optU64("timeout_ms")?.let(Duration::ofMillis)
                        val script = (m["script"] as? JsonArray ?: fail("missing array `script`")).map(::parseCheckStep)
                        if (script.isEmpty()) fail("`script` is empty")
                        Triple(name, HealthCheckOptions(critical = critical, timeout = timeout), script)
                    } catch (f: ScenarioFailure) {
                        fail("checks.$name: ${f.message}")
                    }
                }
                else -> fail("`checks` must be an object")
            }
            val r = ConfigReader(config)
            val cfg = HealthConfig(
                checkInterval = r.ms("check_interval_ms"),
                checkTimeout = r.ms("check_timeout_ms"),
                failureThreshold = r.u64("failure_threshold")?.toUInt(),
                recoveryThreshold = r.u64("recovery_threshold")?.toUInt(),
                enableAutoChecks = r.bool("enable_auto_checks"),
                enableAutoRecovery = r.bool("enable_auto_recovery"),
                enableDiagnostics = r.bool("enable_diagnostics"),
                recoveryTimeout = r.ms("recovery_timeout_ms"),
                historySize = r.u64("history_size")?.toUInt(),
            )
            r.finish()
            return Prepared {
                val checker = HealthChecker.withClock(cfg, clock)
                for ((name, options, script) in parsed) checker.registerCheck(name, ScriptedHealthCheck(clock, script), options)
                HealthDriver(checker)
            }
        }
    }

    @OptIn(DelicateCoroutinesApi::class)
    private fun startRound(): Deferred<Result<SystemHealth>> =
        GlobalScope.async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
            try {
                Result.success(checker.runHealthChecks())
            } catch (e: MantraException) {
                Result.failure(e)
            }
        }

    /**
     * Whether the round finished. The SDK side is settled (the clock tracks the round's
     * future), so a finished round completes on the host within moments: wait up to
     * [waitMs] of real time for that.
     */
    private suspend fun finished(d: Deferred<*>, waitMs: Long = 1000): Boolean =
        withTimeoutOrNull(waitMs) { d.join() } != null

    private fun statusOf(r: Result<SystemHealth>): Outcome = r.fold(
        { exact(JsonPrimitive(it.overallStatus.name.lowercase())) },
        { Outcome.Error(it as MantraException) },
    )

    override suspend fun step(op: String, s: JsonObject): Outcome = when (op) {
        "run" -> {
            onlyKeys(s, emptyList(), op)
            val d = startRound()
            if (!finished(d, waitMs = 5000)) {
                d.cancel()
                fail("the round did not finish without time moving (use run_start)")
            }
            statusOf(d.await())
        }
        "run_start" -> {
            onlyKeys(s, emptyList(), op)
            round?.let { if (!finished(it)) fail("a round started by run_start is still running") }
            round = startRound()
            Outcome.None
        }
        "run_done" -> {
            onlyKeys(s, emptyList(), op)
            exact(json(finished(round ?: fail("no round was started"))))
        }
        "run_result" -> {
            onlyKeys(s, emptyList(), op)
            val d = round ?: fail("no round was started")
            if (!finished(d)) fail("the round has not finished (advance first)")
            round = null
            statusOf(d.await())
        }
        "system" -> {
            onlyKeys(s, emptyList(), op)
            val sys = checker.getSystemHealth()
            report(buildJsonObject {
                put("overall_status", sys.overallStatus.name.lowercase())
                put("components", JsonObject(sys.components.mapValues { componentJson(it.value) }))
            })
        }
        "component" -> {
            onlyKeys(s, listOf("name"), op)
            val name = s.str("name")
            report(componentJson(checker.getProtocolHealth(name) ?: fail("no check named `$name`")))
        }
        "start" -> {
            onlyKeys(s, emptyList(), op)
            checker.start()
            Outcome.None
        }
        "stop" -> {
            onlyKeys(s, emptyList(), op)
            checker.stop()
            Outcome.None
        }
        else -> fail("unknown health op `$op`")
    }

    override fun close() {
        checker.stop()
        round?.cancel()
        checker.close()
    }
}
