"""The Celery side of the queue comparison: one no-op task on a Redis broker.

The task INCRs a Redis counter so the bench knows when all tasks ran without a result backend
(CraftFlow's QueueBench counts in memory and then waits for the completed rows). Broker URL from
CELERY_BROKER_URL. Defaults otherwise: prefetch multiplier 4, acks before the task runs.
"""
import os

import redis
from celery import Celery

BROKER = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
COUNTER = "bench:done"

app = Celery("bench", broker=BROKER)
app.conf.update(
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    worker_send_task_events=False,
    broker_connection_retry_on_startup=True,
)

_client = None


def _redis():
    # One connection per pool process, opened after the fork.
    global _client
    if _client is None:
        _client = redis.Redis.from_url(BROKER)
    return _client


@app.task(name="noop")
def noop():
    _redis().incr(COUNTER)
