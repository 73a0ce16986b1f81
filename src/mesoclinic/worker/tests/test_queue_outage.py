"""A worker whose queue is down (Redis not answering) backs off and says so in one line naming the queue,
instead of a traceback from every thread at every poll; the one line comes back when the queue does."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from mesoclinic.worker.consumer import QueueHealth, describe_queue
from mesoclinic.worker.tests.conftest import queue_options, start_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_without_its_queue_logs_one_line_naming_it_and_no_traceback(tmp_path: Path):
    options = queue_options("redis", tmp_path, url="redis://:secret@127.0.0.1:1/0")  # nothing listens there
    log = tmp_path / "worker.log"
    worker = start_worker(options, log=log, env={"WORKER_THREADS": "2"})
    try:
        wait_for(lambda: "is unreachable" in log.read_text(), timeout=180)
        time.sleep(4)  # long enough for every thread to poll several times
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=30)
    output = log.read_text()
    assert worker.returncode == 0, output
    lines = [line for line in output.splitlines() if "unreachable" in line]
    assert len(lines) == 1, output
    assert lines[0].endswith(
        f"Worker: the redis queue '{options['name']}' at 127.0.0.1:1/0 is "
        "unreachable (ConnectionError); retrying, at most every 10 s, until it is back."
    )
    assert "Traceback" not in output
    assert "secret" not in output


def test_the_queue_is_named_without_the_urls_password(tmp_path: Path):
    redis = queue_options("redis", tmp_path, name="q", url="redis://user:pw@cache.internal:6380/2")
    sqlite = queue_options("sqlite", tmp_path, name="q")
    assert describe_queue(redis) == "the redis queue 'q' at cache.internal:6380/2"
    assert describe_queue(sqlite) == f"the sqlite queue 'q' in {tmp_path / 'worker.sqlite3'}"


def test_the_health_backs_off_to_its_ceiling_and_says_when_the_queue_is_back(caplog):
    health = QueueHealth("the redis queue 'q' at h:1/0")
    delays = [health.failed(ConnectionError()) for _ in range(6)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    health.ok()
    health.ok()
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("Worker: the redis queue 'q' at h:1/0 is unreachable (ConnectionError)")
    assert messages[1].startswith("Worker: the redis queue 'q' at h:1/0 is reachable again after")
