"""Open-loop load: residents arrive at a fixed rate (a Poisson process), whatever the server does.

A closed loop of 50 clients measures throughput: each client waits for its answer before it
sends again, so a slow server is sent less and the waiting follows from Little's law. Here each
arrival is a new resident (own connection and cookies) started at its scheduled time; a flow's
time counts from that scheduled time, so a load generator that falls behind cannot hide the
server's queue (no coordinated omission). Used by `load.py --open-loop RATE` and
`--open-loop-table SUSTAINED`.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import random
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from load import Browser, ClientResult, percentile, resident_flow

# Arrivals waiting for a thread are late, and counted late: enough threads that the generator
# is never the bottleneck at the rates two cores serve.
THREADS_PER_PROCESS = 64


def _arrivals(rate: float, seconds: float, rng: random.Random) -> list[float]:
    """Arrival times (seconds from the start) of a Poisson process of `rate` per second."""
    times, now = [], 0.0
    while True:
        now += rng.expovariate(rate)
        if now >= seconds:
            return times
        times.append(now)


def _run_share(task) -> tuple[ClientResult, int]:
    """One process's share of the arrivals; returns what its residents saw and how many came."""
    host, port, rate, seconds, slugs, seed, start_at = task
    rng = random.Random(seed)
    schedule = _arrivals(rate, seconds, rng)
    result = ClientResult()
    lock = threading.Lock()

    def arrive(number: int, due: float) -> None:
        own = ClientResult()
        flow_rng = random.Random(f"{seed}-{number}")
        browser = Browser(host, port)
        try:
            language = flow_rng.choice(("ja", "vi", "ne"))
            resident_flow(
                browser, flow_rng.choice(slugs), language, f"{seed}-{number}", flow_rng, own
            )
        except (OSError, http.client.HTTPException) as exc:
            own.error(type(exc).__name__)
        finally:
            browser.close()
        if own.flows:  # from the scheduled arrival, not from when a thread was free
            own.flows[-1] = time.perf_counter() - due
        with lock:
            result.merge(own)

    with ThreadPoolExecutor(THREADS_PER_PROCESS) as pool:
        base = time.perf_counter() + max(0.0, start_at - time.time())
        for number, offset in enumerate(schedule):
            due = base + offset
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pool.submit(arrive, number, due)
    return result, len(schedule)


def open_loop(host: str, port: int, rate: float, seconds: float, slugs, processes=None):
    """Offer `rate` flows/s for `seconds`; returns (ClientResult, arrivals offered)."""
    processes = processes or max(1, min(4, os.cpu_count() or 1))
    seed = secrets.token_hex(3)
    start_at = time.time() + 0.5  # every process starts its clock together
    tasks = [
        (host, port, rate / processes, seconds, slugs, f"o{seed}{i}", start_at)
        for i in range(processes)
    ]
    total, offered = ClientResult(), 0
    if processes == 1:
        part, count = _run_share(tasks[0])
        total.merge(part)
        return total, count
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for part, count in pool.map(_run_share, tasks):
            total.merge(part)
            offered += count
    return total, offered


def run_open_loop_levels(server, slugs, rates, seconds, label, sustained=None) -> list:
    """Run each offered rate in turn and print one table row each; returns every receipt."""
    print(f"== open loop (Poisson arrivals), {label}, {seconds:g} s per rate")
    print(
        "| offered | of sustained | offered/s | accepted/s | POST p50 / p95 / p99 ms "
        "| flow p50 / p95 / p99 ms | errors |"
    )
    print("|---|---|---|---|---|---|---|")
    # A few seconds first, not counted: a fresh server's first requests fill its caches.
    warm, _offered = open_loop("127.0.0.1", server.port, min(rates), min(3.0, seconds), slugs)
    receipts = list(warm.receipts)
    for rate in rates:
        result, offered = open_loop("127.0.0.1", server.port, rate, seconds, slugs)
        receipts += result.receipts
        share = f"{rate / sustained:.0%}" if sustained else ""
        post = " / ".join(f"{percentile(result.posts, p):.0f}" for p in (50, 95, 99))
        flow = " / ".join(f"{percentile(result.flows, p):.0f}" for p in (50, 95, 99))
        errors = sum(result.errors.values())
        print(
            f"| {offered} | {share} | {rate:.1f} | {len(result.receipts) / seconds:.1f} "
            f"| {post} | {flow} | {errors} |"
        )
    return receipts
