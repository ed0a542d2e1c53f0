"""A job that ran elsewhere, recorded as finished: the demo's season, simulated by the command
before any server ran, kept as each demo organisation's latest simulation so that its landing
page opens on the season (the jobs table's own lifecycle, queued → running → done, is in
:mod:`peakguard.store.jobs`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from peakguard.store.database import Store, transaction
from peakguard.store.jobs import JobRecord, JobStatus, NewJob, record_of
from peakguard.store.tables import JobRow


def record_finished_job(
    store: Store,
    job: NewJob,
    *,
    result: Mapping[str, Any],
    started_at: datetime,
    finished_at: datetime,
    worker: str,
) -> JobRecord:
    """Store ``job`` as having succeeded with ``result`` (run once, by ``worker``)."""
    with transaction(store.sessions) as session:
        row = JobRow(
            id=job.id,
            kind=job.kind,
            status=JobStatus.succeeded.value,
            organisation_id=job.organisation_id,
            owner_user_id=job.owner_user_id,
            owner_label=job.owner_label,
            parameters=json.dumps(dict(job.parameters), ensure_ascii=False, sort_keys=True),
            progress=1.0,
            result=json.dumps(dict(result), ensure_ascii=False),
            created_at=started_at,
            started_at=started_at,
            finished_at=finished_at,
            heartbeat_at=finished_at,
            attempts=1,
            worker=worker,
            version=1,
        )
        session.add(row)
        session.flush()
        return record_of(row)
