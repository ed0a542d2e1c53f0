"""Kinds of job for the worker's tests: what their child does is known exactly (it counts its
runs, sleeps, or asks for too much memory), so the worker's part is what is tested."""

from __future__ import annotations

import os
import time
from functools import partial
from pathlib import Path
from typing import Any

from peakguard.api.job_runner import ChildCall, JobKind
from peakguard.app.bounds import WorkBounds
from peakguard.i18n import _
from peakguard.store.database import Store
from peakguard.store.jobs import JobRecord


def counted(marks: Path, job_id: str, *, report: Any) -> dict[str, Any]:
    """In the child: one line in ``marks/<job id>`` per run of the job, then a short wait."""
    with open(marks / job_id, "a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()}\n")
    report(0.5, _("Counting"))
    time.sleep(0.2)
    return {"pid": os.getpid()}


def sleeping(marks: Path, job_id: str, seconds: float, *, report: Any) -> dict[str, Any]:
    """In the child: write its pid to ``marks/<job id>``, report, and sleep."""
    (marks / job_id).write_text(str(os.getpid()), encoding="utf-8")
    report(0.1, _("Sleeping"))
    time.sleep(seconds)
    return {}


def greedy(megabytes: int, *, report: Any) -> dict[str, Any]:
    """In the child: ask for ``megabytes`` of memory at once."""
    return {"size": len(bytearray(megabytes * 1024 * 1024))}


def _counting(
    marks: Path, store: Store, job: JobRecord, bounds: WorkBounds, folder: Path
) -> ChildCall:
    return ChildCall(counted, (marks, job.id))


def _sleeping(
    marks: Path, seconds: float, store: Store, job: JobRecord, bounds: WorkBounds, folder: Path
) -> ChildCall:
    return ChildCall(sleeping, (marks, job.id, seconds))


def _greedy(store: Store, job: JobRecord, bounds: WorkBounds, folder: Path) -> ChildCall:
    return ChildCall(greedy, (4096,))


def counting_kind(marks: Path) -> JobKind:
    return partial(_counting, marks)


def sleeping_kind(marks: Path, seconds: float = 120.0) -> JobKind:
    return partial(_sleeping, marks, seconds)


greedy_kind: JobKind = _greedy
