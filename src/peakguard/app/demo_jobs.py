"""The demo's season and assurance plan, kept as finished jobs so that the web application
opens on them.

``peakguard demo`` simulates the season and plans its assurance before any server runs. The
web application shows an organisation its latest simulation (a city office its province's, a
carrier's provincial company its headquarters'): the season is recorded as a succeeded
simulation job of the State Post Bureau, Sichuan's provincial office and the ZTO and SF
headquarters, each with its own copy of the run's files in its job folder. A platform reads
its pickup schedule from the finished staggering plans (app/plan_schedules.py): the assurance
plan is recorded once, as a succeeded staggering job of Sichuan's provincial office (which
supervises 错峰发货 in the province), so the demo platform sees it once. Every recording is in
the audit trail.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from peakguard.app.access import require
from peakguard.app.accounts import list_organisations
from peakguard.app.audit import record
from peakguard.app.jobs import SIMULATION, STAGGER, job_folder
from peakguard.app.plan_job import PLAN_REPORT, stagger_job_result
from peakguard.app.plans import StaggerOutcome
from peakguard.app.simulation_job import REPORT_FILE
from peakguard.identity.model import Organisation, Permission, Principal
from peakguard.store.database import Store
from peakguard.store.jobs import JobRecord, NewJob
from peakguard.store.recorded_jobs import record_finished_job

SEASON_OWNERS = ("spb", "spb-sc", "zto", "sf")
"""The demo organisations the season is recorded for (the others see it through them)."""
SEASON_FILES = ("node_hours.parquet", "summary.json", "warnings.json", "warnings.csv")
PLAN_OWNER = "spb-sc"
"""The demo organisation the assurance plan is recorded for."""


def _place(source: Path, target: Path) -> None:
    """``source`` at ``target``: a hard link where the file system allows, else a copy."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def record_demo_season(
    store: Store,
    home: Path,
    season_folder: Path,
    season_page: Path,
    *,
    network: str,
    started_at: datetime,
    actor: Principal,
    owners: Sequence[str] = SEASON_OWNERS,
) -> list[JobRecord]:
    """Record the season written to ``season_folder`` (and its page ``season_page``) as a
    succeeded simulation of each of ``owners`` present in the database."""
    require(actor, Permission.admin_manage)
    summary = json.loads((season_folder / "summary.json").read_text(encoding="utf-8"))
    warnings = json.loads((season_folder / "warnings.json").read_text(encoding="utf-8"))
    result = summary | {
        "warning_count": len(warnings),
        "files": sorted([*SEASON_FILES, REPORT_FILE]),
    }
    finished = datetime.now(UTC)
    recorded = []
    organisations = {o.code: o for o in list_organisations(store, actor)}
    files = {name: season_folder / name for name in SEASON_FILES} | {REPORT_FILE: season_page}
    for code in owners:
        organisation = organisations.get(code)
        if organisation is None:
            continue
        recorded.append(
            _record_job(
                store,
                home,
                organisation,
                SIMULATION,
                files,
                result,
                network=network,
                started_at=started_at,
                finished_at=finished,
                actor=actor,
            )
        )
    return recorded


def record_demo_plan(
    store: Store,
    home: Path,
    outcome: StaggerOutcome,
    plan_folder: Path,
    plan_page: Path,
    *,
    network: str,
    started_at: datetime,
    actor: Principal,
    owner: str = PLAN_OWNER,
) -> JobRecord | None:
    """Record the assurance plan ``outcome``, written to ``plan_folder`` (the files of
    ``peakguard plan stagger``, platform_quotas.csv among them) with its page ``plan_page``,
    as a succeeded staggering job of ``owner``; None when ``owner`` is not in the database."""
    require(actor, Permission.admin_manage)
    organisation = {o.code: o for o in list_organisations(store, actor)}.get(owner)
    if organisation is None:
        return None
    files = {path.name: path for path in sorted(plan_folder.iterdir()) if path.is_file()}
    files[PLAN_REPORT] = plan_page
    return _record_job(
        store,
        home,
        organisation,
        STAGGER,
        files,
        stagger_job_result(outcome, [Path(name) for name in files]),
        network=network,
        started_at=started_at,
        finished_at=datetime.now(UTC),
        actor=actor,
    )


def _record_job(
    store: Store,
    home: Path,
    organisation: Organisation,
    kind: str,
    files: Mapping[str, Path],
    result: dict[str, Any],
    *,
    network: str,
    started_at: datetime,
    finished_at: datetime,
    actor: Principal,
) -> JobRecord:
    """A succeeded job of ``kind`` for ``organisation`` with ``files`` (name in the job's
    folder → the demo's file) and ``result``, recorded in the audit trail."""
    job_id = uuid.uuid4().hex
    folder = job_folder(home, job_id)
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        _place(source, folder / name)
    job = record_finished_job(
        store,
        NewJob(
            id=job_id,
            kind=kind,
            organisation_id=organisation.id,
            owner_user_id=None,
            owner_label=actor.label(),
            parameters={"network": network, "source": "peakguard demo"},
        ),
        result=result,
        started_at=started_at,
        finished_at=finished_at,
        worker="peakguard demo",
    )
    record(
        store,
        actor,
        "job.record",
        "job",
        job_id,
        detail={"kind": kind, "organisation": organisation.code, "network": network},
    )
    return job
