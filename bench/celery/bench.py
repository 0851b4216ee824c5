"""Celery no-op throughput, measured like bench/CraftFlow.QueueBench: enqueue N tasks with no
consumer, then time from the first task run to the last, for 1, 2 and 8 worker processes.

One `celery worker --pool prefork --concurrency C` (or --pool threads) is started per consumer count and warmed up with
one task; its consumer is then cancelled, the N tasks are enqueued (timed), the consumer is added back,
and the clock for "enqueued -> completed" starts when the first task has run. Prints one JSON line per run.
Usage: /usr/bin/python3 bench.py --broker redis://127.0.0.1:PORT/0 [--tasks 10000] [--consumers 1,2,8] [--deadline 120]
       /usr/bin/python3 bench.py --broker ... --group     (group() enqueue rate only)
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QUEUE = "noop"

parser = argparse.ArgumentParser()
parser.add_argument("--broker", required=True)
parser.add_argument("--tasks", type=int, default=10_000)
parser.add_argument("--chunk", type=int, default=1000, help="group size for group_enqueue_rate")
parser.add_argument("--consumers", default="1,2,8")
parser.add_argument("--pool", default="prefork", help="prefork (Celery's default) or threads")
parser.add_argument("--deadline", type=float, default=120.0, help="seconds allowed per phase")
parser.add_argument("--group", action="store_true", help="only measure group_enqueue_rate")
parser.add_argument("--redis-pid", type=int, help="redis-server's pid, to count its CPU with the worker's")
args = parser.parse_args()
os.environ["CELERY_BROKER_URL"] = args.broker
sys.path.insert(0, HERE)

import redis  # noqa: E402
from celery import group  # noqa: E402

from app import COUNTER, app, noop  # noqa: E402

r = redis.Redis.from_url(args.broker)
# run.sh's timeout sends TERM: turn it into SystemExit so the finally blocks stop the Celery worker.
signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))


def wait_counter(target: int, deadline: float, what: str) -> None:
    end = time.monotonic() + deadline
    while int(r.get(COUNTER) or 0) < target:
        if time.monotonic() > end:
            raise SystemExit(f"deadline: {what}: {int(r.get(COUNTER) or 0)} of {target} after {deadline:.0f}s")
        time.sleep(0.005)


def cpu_seconds(session: int) -> float:
    """User + system CPU of the worker's session (main process and pool) and of redis-server, from /proc."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        # After the command: state, ppid, pgrp, session, ... utime (field 14 of the line), stime.
        if int(fields[3]) == session or int(entry) == args.redis_pid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def enqueue(count: int) -> float:
    # Celery has no batch publish: its fastest path is apply_async per task on one producer
    # (one LPUSH each). group() in chunks was slower here (see group_enqueue_rate).
    start = time.perf_counter()
    with app.producer_or_acquire() as producer:
        for _ in range(count):
            noop.apply_async(queue=QUEUE, producer=producer)
    return count / (time.perf_counter() - start)


def run(concurrency: int) -> dict:
    r.flushdb()
    # The worker's log goes to a file (a pipe nobody reads could fill and block it), shown on failure.
    log = tempfile.TemporaryFile()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "app", "worker", "--pool", args.pool, "--concurrency", str(concurrency),
         "-Q", QUEUE, "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"bench{concurrency}@%h"],
        cwd=HERE, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # Warm-up: the pool has forked and the consumer is attached once one task has run.
        noop.apply_async(queue=QUEUE)
        wait_counter(1, args.deadline, "warm-up")
        replies = app.control.cancel_consumer(QUEUE, reply=True, timeout=5)
        if not replies:
            raise SystemExit("cancel_consumer got no reply")
        r.set(COUNTER, 0)

        enqueue_rate = enqueue(args.tasks)
        if r.get(COUNTER) not in (None, b"0"):
            raise SystemExit("tasks ran while the consumer was cancelled")

        # The consumer comes back seconds after add_consumer (about 4.7 s here: the worker picks the
        # control message up late), so the clock starts when the first task has run, not at add_consumer.
        # That leaves out the first task's latency, slightly in Celery's favour.
        added = time.perf_counter()
        cpu_before = cpu_seconds(worker.pid)
        app.control.add_consumer(QUEUE, reply=False)
        wait_counter(1, args.deadline, "first task")
        start = time.perf_counter()
        wait_counter(args.tasks, args.deadline, f"run with concurrency {concurrency}")
        run_rate = (args.tasks - 1) / (time.perf_counter() - start)
        cpu_ms_per_1000 = (cpu_seconds(worker.pid) - cpu_before) * 1000 * 1000 / args.tasks
        return {"consumers": concurrency, "enqueue": round(enqueue_rate), "run": round(run_rate),
                "consumer_back_s": round(start - added, 2), "cpu_ms_per_1000": round(cpu_ms_per_1000)}
    except BaseException:
        log.seek(0)
        sys.stderr.write(log.read()[-4000:].decode(errors="replace"))
        raise
    finally:
        # Warm shutdown first (TERM), then KILL the whole session so no pool process is left behind.
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        try:
            os.killpg(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def group_enqueue_rate(count: int) -> float:
    # group() of --chunk signatures per call, for reference: it builds and freezes every signature.
    r.flushdb()
    start = time.perf_counter()
    for offset in range(0, count, args.chunk):
        group(noop.si() for _ in range(min(args.chunk, count - offset))).apply_async(queue=QUEUE)
    rate = count / (time.perf_counter() - start)
    r.flushdb()
    return rate


if args.group:
    print(json.dumps({"group_enqueue": round(group_enqueue_rate(args.tasks))}), flush=True)
else:
    for n in [int(x) for x in args.consumers.split(",")]:
        print(json.dumps(run(n)), flush=True)
