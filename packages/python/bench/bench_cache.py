"""CacheManager get/put against cachetools.TTLCache (same keys, same values, same run).

Run: ``make bench-python`` (both wheel builds), or ``python bench/bench_cache.py`` in an
environment with the wheel and cachetools installed.
"""

from __future__ import annotations

import json

import cachetools

from _timing import ns_per_op, record, report

import mantra_sdk

N = 200_000
KEYS = [f"pool:o.uom.uusdc:{i}" for i in range(1000)]
# A pool as a DEX query returns it: the realistic cached value.
POOL = {
    "pool_identifier": "o.uom.uusdc",
    "assets": [{"denom": "uom", "amount": "1000000"}, {"denom": "uusdc", "amount": "2000000"}],
    "pool_fees": {"swap_fee": "0.003", "protocol_fee": "0.001"},
    "total_share": "1414213",
}


def json_size(value: object) -> int:
    """What our cache charges for a value, computed the way a Python user would."""
    return len(json.dumps(value, separators=(",", ":")))


def main() -> None:
    ttl = cachetools.TTLCache(maxsize=10_000, ttl=300)
    # The same semantics as ours: bounded by bytes too, so every set weighs its value.
    ttl_bytes = cachetools.TTLCache(maxsize=100 * 1024 * 1024, ttl=300, getsizeof=json_size)
    ours = mantra_sdk.CacheManager()
    for k in KEYS:
        ttl[k] = POOL
        ttl_bytes[k] = POOL
        ours.put(k, POOL)
    env = {"ttl": ttl, "ttl_bytes": ttl_bytes, "ours": ours, "k": KEYS[7], "pool": POOL, "small": 42}
    for label, value in (("pool dict", "pool"), ("int", "small")):
        group = f"cache put ({label})"
        base = "cachetools.TTLCache[k] = v"
        record(group, base, ns_per_op(f"ttl[k] = {value}", env, N))
        record(group, "cachetools.TTLCache(getsizeof=json)[k] = v", ns_per_op(f"ttl_bytes[k] = {value}", env, N // 4))
        record(group, "CacheManager.put(k, v)", ns_per_op(f"ours.put(k, {value})", env, N), base)
    # Reads of the pool dict (stored above, under "generic" and "pool_info").
    ttl[KEYS[7]] = POOL
    ours.put(KEYS[7], POOL)
    ours.put(KEYS[7], POOL, "pool_info")
    group = "cache get (hit)"
    record(group, "cachetools.TTLCache.get(k)", ns_per_op("ttl.get(k)", env, N))
    record(group, "CacheManager.get(k)", ns_per_op("ours.get(k)", env, N), "cachetools.TTLCache.get(k)")
    record(group, 'CacheManager.get(k, "pool_info")', ns_per_op('ours.get(k, "pool_info")', env, N), "cachetools.TTLCache.get(k)")
    group = "cache get (miss)"
    env["missing"] = "no-such-key"
    record(group, "cachetools.TTLCache.get(k)", ns_per_op("ttl.get(missing)", env, N))
    record(group, "CacheManager.get(k)", ns_per_op("ours.get(missing)", env, N), "cachetools.TTLCache.get(k)")
    report("cache")


if __name__ == "__main__":
    main()
