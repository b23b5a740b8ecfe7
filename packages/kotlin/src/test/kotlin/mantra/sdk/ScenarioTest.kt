package mantra.sdk

import java.io.File
import java.nio.file.Files
import kotlin.test.assertContains
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory

/**
 * The shared conformance scenarios (`tests/scenarios/<name>.json`), one JUnit test each.
 * `-Dscenario=<part of a name>` runs a subset (as `SCENARIO=` does for the Rust runner).
 */
class ScenarioTest {
    @TestFactory
    fun scenarios(): List<DynamicTest> {
        val only = System.getProperty("scenario")?.takeIf { it.isNotBlank() } ?: System.getenv("SCENARIO")
        val files = ScenarioRunner.files().filter { only == null || it.name.contains(only) }
        assertTrue(files.isNotEmpty(), "no scenarios in ${ScenarioRunner.dir.absolutePath}")
        return files.map { f -> DynamicTest.dynamicTest(f.name.removeSuffix(".json")) { ScenarioRunner.runFile(f) } }
    }

    // ----- the runner's own checks: it must catch data errors and wrong expectations -----

    private fun runInline(name: String, json: String) {
        val dir = Files.createTempDirectory("mantra-scenarios").toFile()
        try {
            val f = File(dir, "$name.json")
            f.writeText(json)
            ScenarioRunner.runFile(f)
        } finally {
            dir.deleteRecursively()
        }
    }

    private fun ttl(hits: Int, extraStep: String? = null, extraTop: String = "", config: String = """{"default_ttl_ms": 1000}""") =
        """{"name": "inline_probe", "component": "cache", "description": "runner self-check", "config": $config, $extraTop
            "steps": [
              {"op": "put", "key": "a", "value": 1},
              {"op": "get", "key": "a", "expect": 1},
              {"op": "stats", "expect": {"hits": $hits}}${extraStep?.let { ", $it" } ?: ""}
            ]}"""

    @Test
    fun `runner passes a correct scenario`() = runInline("inline_probe", ttl(1))

    @Test
    fun `runner reports a wrong expectation with step and diff`() {
        val e = assertFailsWith<ScenarioFailure> { runInline("inline_probe", ttl(2)) }
        assertContains(e.message!!, "step 2 (stats)")
        assertContains(e.message!!, "$.hits: expected 2.0, got 1.0")
    }

    @Test
    fun `runner rejects unknown ops and fields`() {
        assertContains(
            assertFailsWith<ScenarioFailure> { runInline("inline_probe", ttl(1, """{"op": "frobnicate"}""")) }.message!!,
            "unknown cache op `frobnicate`",
        )
        assertContains(
            assertFailsWith<ScenarioFailure> { runInline("inline_probe", ttl(1, """{"op": "get", "key": "a", "typo": 1}""")) }.message!!,
            "unknown field(s) in get: typo",
        )
        assertContains(
            assertFailsWith<ScenarioFailure> { runInline("inline_probe", ttl(1, config = """{"max_entires": 3}""")) }.message!!,
            "unknown config field(s): max_entires",
        )
        assertContains(
            assertFailsWith<ScenarioFailure> { runInline("inline_probe", ttl(1, extraTop = """"extra": true,""")) }.message!!,
            "extra",
        )
        assertContains(
            assertFailsWith<ScenarioFailure> { runInline("other_name", ttl(1)) }.message!!,
            "but the file is `other_name.json`",
        )
    }

    @Test
    fun `runner checks error codes and fields`() {
        fun doc(field: String) = """{"name": "inline_invalid", "component": "batch", "description": "runner self-check",
            "config": {"max_batch_size": 0},
            "steps": [{"op": "construct", "expect_error": "invalid_config", "field": "$field"}]}"""
        runInline("inline_invalid", doc("max_batch_size"))
        assertContains(
            assertFailsWith<ScenarioFailure> { runInline("inline_invalid", doc("max_concurrent_batches")) }.message!!,
            "expected invalid field `max_concurrent_batches`",
        )
    }
}
