"""MantraClient against a plain aiohttp JSON-RPC loop on the real devnet: 1000 concurrent
`abci_query` calls, each for a key never asked before (no cache hit helps), both clients
spreading over the same endpoints. Reports calls per second, best of ROUNDS rounds.

Run: ``make bench-python`` (starts the devnet), or ``python bench/bench_client.py`` with
MANTRA_RPC_1 / MANTRA_RPC_2 set (or a `.devnet/env` at the repository root).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pathlib
import platform
import time
import uuid
from typing import Any, Dict, List

import aiohttp

from _timing import build_label

import mantra_sdk

CALLS = int(os.environ.get("MANTRA_BENCH_CALLS", "1000"))
ROUNDS = int(os.environ.get("MANTRA_BENCH_ROUNDS", "5"))
ROOT = pathlib.Path(__file__).resolve().parents[3]


def endpoints() -> List[str]:
    env: Dict[str, str] = {}
    f = ROOT / ".devnet" / "env"
    if f.exists():
        for line in f.read_text().splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                env[k.strip()] = v.strip()
    urls = [os.environ.get(k) or env.get(k, "") for k in ("MANTRA_RPC_1", "MANTRA_RPC_2")]
    return [u for u in urls if u]


def keys(prefix: str) -> List[bytes]:
    tag = uuid.uuid4().hex[:10]
    return [f"{prefix}-{tag}-{i}".encode() for i in range(CALLS)]


async def plain_round(session: aiohttp.ClientSession, urls: List[str]) -> float:
    """One JSON-RPC request per call, round-robin over the endpoints."""
    ids = itertools.count()
    rr = itertools.cycle(urls)

    async def one(key: bytes) -> None:
        body = {
            "jsonrpc": "2.0",
            "id": next(ids),
            "method": "abci_query",
            "params": {"path": "", "data": key.hex(), "height": "0", "prove": False},
        }
        async with session.post(next(rr), json=body) as resp:
            reply: Any = await resp.json()
        if "result" not in reply:
            raise RuntimeError(f"rpc error: {reply}")

    ks = keys("plain")
    t0 = time.perf_counter()
    await asyncio.gather(*[one(k) for k in ks])
    return CALLS / (time.perf_counter() - t0)


async def sdk_round(client: mantra_sdk.MantraClient) -> float:
    ks = keys("sdk")
    t0 = time.perf_counter()
    results = await asyncio.gather(*[client.abci_query("", k) for k in ks])
    elapsed = time.perf_counter() - t0
    assert all(r["code"] == 0 for r in results)
    return CALLS / elapsed


async def main() -> None:
    urls = endpoints()
    if not urls:
        raise SystemExit("no devnet endpoints (scripts/devnet up, or set MANTRA_RPC_1/2)")
    plain: List[float] = []
    ours: List[float] = []
    async with aiohttp.ClientSession() as session:
        client = await mantra_sdk.MantraClient.connect(urls)
        await plain_round(session, urls)  # warm-up: connections, JIT-free but caches
        await sdk_round(client)
        for _ in range(ROUNDS):  # interleaved, so both see the same machine load
            plain.append(await plain_round(session, urls))
            ours.append(await sdk_round(client))
        http = client.stats()["http"]
        client.close()
    best_plain, best_ours = max(plain), max(ours)
    print(f"## client — {build_label()} — Python {platform.python_version()}")
    print(f"{CALLS} concurrent abci_query calls (distinct keys), {len(urls)} endpoints, best of {ROUNDS} rounds")
    print("| client | calls/s (best) | calls/s (median) |")
    print("|---|---:|---:|")
    med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    print(f"| aiohttp {aiohttp.__version__}, one JSON-RPC request per call | {best_plain:,.0f} | {med(plain):,.0f} |")
    print(f"| mantra_sdk.MantraClient | {best_ours:,.0f} | {med(ours):,.0f} |")
    print(f"ratio (best): {best_ours / best_plain:.1f}x; (median): {med(ours) / med(plain):.1f}x; "
          f"client HTTP requests {http['http_requests']}, JSON-RPC requests {http['rpc_requests']}, "
          f"max batch {http['max_batch_size']}")


if __name__ == "__main__":
    asyncio.run(main())
