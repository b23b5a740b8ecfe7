package mantra.sdk.bench

import mantra.sdk.*

fun main() {
    val c = CacheManager()
    val end = System.nanoTime() + 20_000_000_000L
    var n = 0L
    while (System.nanoTime() < end) { c.len(); n++ }
    println("len: ${20_000_000_000L / n} ns/op")
}
