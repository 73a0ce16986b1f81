"""Several real processes, each with its own database connection and its own kept indexes, book, cancel,
move and mark no-shows at one location in random interleavings; after every round each process's kept
indexes, brought up to date from the change feed, equal indexes rebuilt from the database.

The processes are forked from the test (so they share its settings and test database) after it closed
its connections; every write commits for real. SQLite (a file in tests) and PostgreSQL alike.
"""

from __future__ import annotations

import multiprocessing
import random
import time
import traceback
from datetime import date

import pytest
from django.db import connection, connections

from mesoclinic.accounts.models import Clinic, Location
from mesoclinic.scheduling.models import ScheduleChange
from mesoclinic.scheduling.selectors import index_cache
from mesoclinic.scheduling.tests.test_availability_feed import (
    differences_from_a_rebuild,
    kept_now,
    protocols_of,
    random_write,
    read_all,
)
from mesoclinic.testing import make_schedulable

PROCESSES = 3
ROUNDS = 4
TIMEOUT = 240


def one_process(number, seed, where, barrier, results):
    """The body of each process: per round, a random write at a random moment, then (once every process
    has written) a read of each modality and the comparison of its kept indexes with a rebuild.
    ``where``: the clinic's and the location's ids."""
    try:
        index_cache.clear()
        rng = random.Random(seed * 100 + number)  # noqa: S311 — reproducible test operations, not secrets
        clinic = Clinic.objects.get(pk=where[0])
        location = Location.objects.get(pk=where[1])
        protocols = protocols_of(clinic)
        read_all(location, protocols)
        for round_ in range(ROUNDS):
            barrier.wait(TIMEOUT)
            time.sleep(rng.random() * 0.2)  # the order of the writes differs every round
            done = random_write(rng, clinic, location, protocols, born=date(1980 + number, 1, 1))
            barrier.wait(TIMEOUT)  # every process's write has committed; nobody writes until the next round
            counts = read_all(location, protocols)
            results.put(
                (number, round_, done, counts, differences_from_a_rebuild(location), len(kept_now(location)))
            )
            barrier.wait(TIMEOUT)
    except BaseException:  # reported to the test, which fails on it
        results.put((number, "error", traceback.format_exc()))
        barrier.abort()
    finally:
        connections.close_all()
        results.put((number, "done"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [1, 2])
def test_processes_writing_in_random_interleavings_keep_indexes_equal_to_a_rebuild(seed, clinic):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] == ":memory:":
        pytest.skip("needs a file database so that processes have their own connections")
    setup = make_schedulable(clinic)
    connections.close_all()  # the processes open their own; none may inherit this one's socket
    fork = multiprocessing.get_context("fork")
    barrier, results = fork.Barrier(PROCESSES), fork.Queue()
    processes = [
        fork.Process(target=one_process, args=(n, seed, (clinic.pk, setup.location.pk), barrier, results))
        for n in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    reports, finished, errors = [], 0, []
    while finished < PROCESSES:
        report = results.get(timeout=TIMEOUT * 2)
        if report[1] == "done":
            finished += 1
        elif report[1] == "error":
            errors.append(report[2])
        else:
            reports.append(report)
    for process in processes:
        process.join(TIMEOUT)
    assert not errors, errors[0]
    assert len(reports) == PROCESSES * ROUNDS
    for number, round_, done, counts, differ, kept in reports:
        assert differ == [], (number, round_, done)
        assert kept == 2
        assert max(counts) <= 2, (number, round_, done, counts)  # patched (feed or own write), never rebuilt
    assert any(2 in counts for *_, counts, _, _ in reports)  # some process caught up from the feed
    writes = [done for _, _, done, *_ in reports]
    assert sum(done in {"book", "cancel", "move", "no_show"} for done in writes) >= PROCESSES
    assert ScheduleChange.objects.filter(location=setup.location).count() >= PROCESSES
